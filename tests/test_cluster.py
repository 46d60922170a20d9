from __future__ import annotations

from datetime import UTC, datetime

from dedup.cluster import ORIGIN_FIRST_SEEN, ORIGIN_PUBLISHED, build_document_clusters, build_passage_clusters
from dedup.records import DocumentMatch, Match


def match(a: int, b: int, a_span: tuple[int, int], b_span: tuple[int, int], similarity: float = 1.0) -> Match:
    return Match(a, b, *a_span, *b_span, 10, 10, 10, similarity)


def no_dates(seq: int) -> datetime | None:
    return None


def test_matches_of_overlapping_spans_form_one_cluster_with_the_first_seen_origin() -> None:
    matches = [
        match(0, 1, (100, 200), (10, 110)),
        match(0, 2, (120, 190), (50, 120)),
        match(1, 3, (500, 600), (0, 100)),
    ]
    passage, other = build_passage_clusters(matches, no_dates)
    assert [(m.seq, m.start, m.end) for m in passage.members] == [(0, 100, 200), (1, 10, 110), (2, 50, 120)]
    assert passage.origin == 0 and passage.origin_rule == ORIGIN_FIRST_SEEN
    assert [(e.source, e.target) for e in passage.edges] == [(0, 1), (0, 2)]
    assert [(m.seq, m.start) for m in other.members] == [(1, 500), (3, 0)]


def test_spans_that_barely_touch_stay_separate_passages() -> None:
    matches = [match(0, 1, (0, 100), (0, 100)), match(0, 2, (90, 200), (0, 110))]
    assert len(build_passage_clusters(matches, no_dates)) == 2


def test_the_earliest_published_member_is_the_origin_and_edges_point_away_from_it() -> None:
    dates = {0: datetime(2023, 6, 30, tzinfo=UTC), 1: datetime(2023, 6, 28, tzinfo=UTC)}
    [cluster] = build_passage_clusters([match(0, 1, (0, 50), (5, 55), 0.9)], dates.get)
    assert cluster.origin == 1 and cluster.origin_rule == ORIGIN_PUBLISHED
    [edge] = cluster.edges
    assert (edge.source, edge.source_start, edge.target, edge.target_start) == (1, 5, 0, 0)
    assert {m.seq: m.similarity_to_origin for m in cluster.members} == {0: 0.9, 1: 1.0}


def test_a_missing_date_falls_back_to_first_seen() -> None:
    dates = {0: None, 1: datetime(2023, 6, 28, tzinfo=UTC)}
    [cluster] = build_passage_clusters([match(0, 1, (0, 50), (5, 55))], dates.get)
    assert cluster.origin == 0 and cluster.origin_rule == ORIGIN_FIRST_SEEN


def test_document_clusters_join_transitive_near_duplicates() -> None:
    pairs = [DocumentMatch(0, 2, 0.9), DocumentMatch(2, 5, 0.85)]
    [cluster] = build_document_clusters(pairs, lambda seq: 1000 + seq, no_dates)
    assert [(m.seq, m.start, m.end, m.similarity_to_origin) for m in cluster.members] == [
        (0, 0, 1000, 1.0),
        (2, 0, 1002, 0.9),
        (5, 0, 1005, None),
    ]
    assert [(e.source, e.target, e.similarity) for e in cluster.edges] == [(0, 2, 0.9), (2, 5, 0.85)]


def test_a_stitched_match_clusters_as_its_pieces() -> None:
    # Article 1 rewrites two sentences of article 0 that lie far apart, side by side; article 2 quotes the second.
    first, second = match(0, 1, (0, 80), (0, 70), 0.7), match(0, 1, (900, 990), (75, 160), 0.6)
    stitched = Match(0, 1, 0, 990, 0, 160, 170, 28, 20, 0.1, pieces=(first, second))
    quote = match(0, 2, (900, 990), (40, 130))
    clusters = build_passage_clusters([stitched, quote], no_dates)
    assert clusters == build_passage_clusters([first, second, quote], no_dates)
    assert [[(m.seq, m.start, m.end) for m in c.members] for c in clusters] == [
        [(0, 0, 80), (1, 0, 70)],
        [(0, 900, 990), (1, 75, 160), (2, 40, 130)],
    ]
