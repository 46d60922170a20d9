"""The sample articles: every shared verbatim run of 10+ words is reported, with exact offsets, and nothing else."""

from __future__ import annotations

import re

import pytest

from dedup import Article, ScanConfig, Scanner
from dedup.records import Cluster, Match
from tests import reference


@pytest.fixture(scope="module")
def scanner(seed_articles: list[Article]) -> Scanner:
    scanner = Scanner()
    for article in seed_articles:
        scanner.add(article)
    return scanner


def spans_of(phrase: str, text: str) -> list[tuple[int, int]]:
    """Find a phrase in a text whatever the punctuation, quotes and case between its words."""
    pattern = r"\W+".join(re.escape(word) for word in re.findall(r"\w+", phrase))
    return [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]


def test_every_shared_run_of_ten_words_is_reported_in_both_articles(scanner: Scanner) -> None:
    tokens = [reference.tokens(a.text) for a in scanner.articles]
    checked = 0
    for a in range(len(tokens)):
        for b in range(a + 1, len(tokens)):
            forms_a, forms_b = [t[2] for t in tokens[a]], [t[2] for t in tokens[b]]
            for i, j, length in reference.common_runs(forms_a, forms_b, 10):
                run_a = (tokens[a][i][0], tokens[a][i + length - 1][1])
                run_b = (tokens[b][j][0], tokens[b][j + length - 1][1])
                assert any(
                    m.a == a
                    and m.b == b
                    and m.a_start <= run_a[0]
                    and run_a[1] <= m.a_end
                    and m.b_start <= run_b[0]
                    and run_b[1] <= m.b_end
                    for m in scanner.matches
                ), (a, b, scanner.articles[a].text[run_a[0] : run_a[1]])
                checked += 1
    assert checked == 28  # maximal shared runs of 10+ tokens among the ten seed pairs


def test_pairs_that_share_no_text_are_not_matched(scanner: Scanner) -> None:
    ids = [a.id[:3] for a in scanner.articles]
    matched_pairs = {(ids[m.a], ids[m.b]) for m in scanner.matches}
    assert ("002", "004") not in matched_pairs and ("003", "004") not in matched_pairs
    assert len(matched_pairs) == 8


def cluster_with(scanner: Scanner, phrase: str) -> tuple[Cluster, dict[str, list[tuple[int, int]]]]:
    """Return the cluster holding the phrase in the most articles, and where the phrase stands in each article."""
    where = {a.id: spans_of(phrase, a.text) for a in scanner.articles}
    where = {k: v for k, v in where.items() if v}

    def holding(cluster: Cluster) -> int:
        members = [(scanner.articles[m.seq].id, m.start, m.end) for m in cluster.members]
        return len({aid for aid, start, end in members for s, e in where.get(aid, []) if start <= s and e <= end})

    best = max(scanner.clusters(), key=holding)
    assert holding(best) > 0, f"no cluster holds {phrase!r}"
    return best, where


def test_the_terrorist_cult_quote_is_one_cluster_over_four_articles(scanner: Scanner) -> None:
    cluster, where = cluster_with(scanner, "would make up for its mistake of hosting this terrorist cult")
    assert len(where) == 4
    for article_id, spans in where.items():
        [(start, end)] = spans
        seq = next(i for i, a in enumerate(scanner.articles) if a.id == article_id)
        assert any(m.seq == seq and m.start <= start and end <= m.end for m in cluster.members), article_id
    assert scanner.articles[0].text[slice(*where[scanner.articles[0].id][0])] == (
        "would “make up for its mistake of hosting this terrorist cult"
    )


def exact_passages(scanner: Scanner) -> list[Match]:
    """Every passage reported: the matches, with a stitched match's pieces in its place."""
    return [piece for m in scanner.matches for piece in m.aligned]


def test_the_38_word_maliki_run_is_one_exact_match(scanner: Scanner) -> None:
    run = (
        "hosting the terrorists after the group was shunned by the government of former Iraqi Prime Minister "
        "Nouri al-Maliki"
    )
    found = [m for m in exact_passages(scanner) if m.shared_words >= 38 and m.similarity == 1.0]
    [m] = [m for m in found if "al-Maliki" in scanner.articles[m.a].text[m.a_start : m.a_end]]
    a, b = scanner.articles[m.a], scanner.articles[m.b]
    assert (a.id[:3], b.id[:3]) == ("001", "003")
    assert a.text[m.a_start : m.a_end].startswith(run)
    assert "3,000 members" in a.text[m.a_start : m.a_end] and "3,000 members" in b.text[m.b_start : m.b_end]
    # The same words, each text keeping its own case and spacing ("Prime Minister" / "prime minister").
    assert a.text[m.a_start : m.a_end] != b.text[m.b_start : m.b_end]
    assert [t[2] for t in reference.tokens(a.text[m.a_start : m.a_end])] == [
        t[2] for t in reference.tokens(b.text[m.b_start : m.b_end])
    ]


def test_every_reported_offset_pair_holds_the_same_words(scanner: Scanner) -> None:
    for m in [*scanner.matches, *exact_passages(scanner)]:
        words_a = [t[2] for t in reference.tokens(scanner.articles[m.a].text[m.a_start : m.a_end])]
        words_b = [t[2] for t in reference.tokens(scanner.articles[m.b].text[m.b_start : m.b_end])]
        assert (words_a == words_b) == (m.similarity == 1.0)
        assert len(words_a) == m.a_words and len(words_b) == m.b_words


def test_stitched_passages_keep_their_pieces_and_leave_the_clusters_as_the_pieces_make_them(
    seed_articles: list[Article], scanner: Scanner
) -> None:
    # 001 quotes the spokesman's statement in one block; 002 and 003 spread the same sentences over their reports.
    stitched = [m for m in scanner.matches if m.pieces]
    assert {(scanner.articles[m.a].id[:3], scanner.articles[m.b].id[:3]) for m in stitched} == {
        ("001", "002"),
        ("001", "003"),
    }
    for m in stitched:
        assert len(m.pieces) >= 2
        assert all((m.a, m.b) == (p.a, p.b) and not p.pieces for p in m.pieces)
        assert min(p.a_start for p in m.pieces) == m.a_start and max(p.a_end for p in m.pieces) == m.a_end
        assert min(p.b_start for p in m.pieces) == m.b_start and max(p.b_end for p in m.pieces) == m.b_end
    unstitched = Scanner(ScanConfig(stitch_gap=0))
    for article in seed_articles:
        unstitched.add(article)
    assert sorted(exact_passages(scanner), key=repr) == sorted(unstitched.matches, key=repr)
    assert scanner.clusters() == unstitched.clusters()


def test_the_reworded_spokesman_report_is_reported_from_its_dateline(
    seed_articles: list[Article], scanner: Scanner
) -> None:
    # 002 and 003 both open with the spokesman's statement under their own dateline ("TEHRAN- Iran's ..." and
    # "TEHRAN (Tasnim) - The Iranian ..."): the seeds stop at "Foreign Ministry", snapping takes the whole sentence.
    def opening(config: ScanConfig) -> tuple[str, str]:
        scan = Scanner(config)
        for article in seed_articles:
            scan.add(article)
        [m] = [m for m in scan.matches if (scan.articles[m.a].id[:3], scan.articles[m.b].id[:3]) == ("002", "003")]
        return scan.articles.text(m.a)[m.a_start :][:15], scan.articles.text(m.b)[m.b_start :][:15]

    snapped = opening(scanner.config)
    assert snapped[0].startswith("TEHRAN- Iran") and snapped[1].startswith("TEHRAN (Tasnim)")
    assert opening(ScanConfig(snap_words=0)) != snapped


def test_the_raid_report_is_one_cluster_over_the_three_outlets_that_carry_it(scanner: Scanner) -> None:
    # 001 and 003 carry it nearly verbatim; 002 rewords it ("forces raided an MKO camp because the group was carrying
    # out ..."). At the default `min_similarity` 0.25 the passage of 001 and 002 runs from "forces raided" on; at 0.3,
    # in 001 it started two sentences later, and the report was two clusters.
    cluster, where = cluster_with(scanner, "forces raided")
    assert sorted(where) == [a.id for a in scanner.articles][1:4]
    assert sorted({scanner.articles[m.seq].id[:3] for m in cluster.members}) == ["001", "002", "003"]
    assert all(m.start <= where[scanner.articles[m.seq].id][0][0] < m.end for m in cluster.members)
