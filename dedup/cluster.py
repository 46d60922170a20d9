"""Group pairwise matches into provenance clusters, each with an origin and directed reuse edges.

Passage clusters: a match links a span in each of two articles; spans of one article that overlap by at least half
of the longer are the same passage; connected components (union-find) are the clusters. Document clusters are the
components of the near-duplicate pairs. The origin is the member with the earliest `published` when every member
has one, else the first seen; edges run from the earlier article to the later by the same rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from dedup.records import Cluster, DocumentMatch, Edge, Match, Member

ORIGIN_PUBLISHED = "earliest_published"
ORIGIN_FIRST_SEEN = "first_seen"

PublishedOf = Callable[[int], datetime | None]
OutletOf = Callable[[int], str | None]


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def build_passage_clusters(matches: Sequence[Match], published_of: PublishedOf) -> list[Cluster]:
    """Return one cluster per group of matches that link overlapping spans.

    A stitched match (a summary or rewrite) takes part as its pieces: the span it covers in the far text holds
    other text, often other quotes, which must not join their clusters into one.
    """
    matches = [piece for m in matches for piece in m.aligned]
    nodes: list[tuple[int, int, int]] = []  # (article, start, end)
    for m in matches:
        nodes += [(m.a, m.a_start, m.a_end), (m.b, m.b_start, m.b_end)]
    sets = _UnionFind(len(nodes))
    for i in range(0, len(nodes), 2):
        sets.union(i, i + 1)
    _join_overlapping(nodes, sets)
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(nodes)):
        components[sets.find(i)].append(i)
    clusters = []
    for node_ids in components.values():
        spans = [nodes[i] for i in node_ids]
        cluster_matches = [matches[i // 2] for i in node_ids if i % 2 == 0]
        clusters.append(_passage_cluster(spans, cluster_matches, published_of))
    return sorted(clusters, key=_cluster_order)


def _join_overlapping(nodes: list[tuple[int, int, int]], sets: _UnionFind) -> None:
    """Union the spans of one article that mostly coincide: they overlap by at least half of the longer one.

    A short quote inside a long reused block stays its own passage, so nested reuse gives nested clusters
    instead of one cluster that swallows every quote the block contains.
    """
    active: list[int] = []
    for i in sorted(range(len(nodes)), key=lambda i: nodes[i]):
        article, start, end = nodes[i]
        active = [j for j in active if nodes[j][0] == article and nodes[j][2] > start]
        for j in active:
            _, other_start, other_end = nodes[j]
            if 2 * (min(end, other_end) - max(start, other_start)) >= max(end - start, other_end - other_start):
                sets.union(i, j)
        active.append(i)


def _merge_spans(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Merge overlapping spans per article into maximal (article, start, end) extents."""
    merged: list[tuple[int, int, int]] = []
    for article, start, end in sorted(spans):
        if merged and merged[-1][0] == article and start < merged[-1][2]:
            merged[-1] = (article, merged[-1][1], max(merged[-1][2], end))
        else:
            merged.append((article, start, end))
    return merged


def _origin(articles: set[int], published_of: PublishedOf) -> tuple[int, str]:
    dates = {a: published_of(a) for a in articles}
    if all(d is not None for d in dates.values()):
        return min(articles, key=lambda a: (dates[a], a)), ORIGIN_PUBLISHED
    return min(articles), ORIGIN_FIRST_SEEN


def _directed(a: int, b: int, rule: str, published_of: PublishedOf) -> bool:
    """Tell whether reuse runs from `a` to `b` (True) rather than from `b` to `a`."""
    if rule == ORIGIN_PUBLISHED:
        return (published_of(a), a) <= (published_of(b), b)
    return a <= b


def _passage_cluster(spans: list[tuple[int, int, int]], matches: list[Match], published_of: PublishedOf) -> Cluster:
    extents = _merge_spans(spans)
    origin, rule = _origin({article for article, _, _ in extents}, published_of)
    edges = []
    for m in matches:
        if _directed(m.a, m.b, rule, published_of):
            edges.append(Edge(m.a, m.b, m.a_start, m.a_end, m.b_start, m.b_end, m.similarity, m.shared_words))
        else:
            edges.append(Edge(m.b, m.a, m.b_start, m.b_end, m.a_start, m.a_end, m.similarity, m.shared_words))
    origin_extent = next(e for e in extents if e[0] == origin)
    members = tuple(
        Member(article, start, end, _similarity_to_origin(article, start, end, origin_extent, edges))
        for article, start, end in extents
    )
    edges.sort(key=lambda e: (e.source, e.target, e.source_start, e.target_start))
    return Cluster("passage", members, origin, rule, tuple(edges))


def _similarity_to_origin(
    article: int, start: int, end: int, origin: tuple[int, int, int], edges: list[Edge]
) -> float | None:
    """Return the best direct edge similarity between this member and the origin's span, if they were aligned."""
    if (article, start, end) == origin:
        return 1.0
    best: float | None = None
    for e in edges:
        if e.source == origin[0] and e.target == article and e.target_start < end and start < e.target_end:
            best = max(best or 0.0, e.similarity)
    return best


def build_document_clusters(
    pairs: Sequence[DocumentMatch], lengths: Callable[[int], int], published_of: PublishedOf
) -> list[Cluster]:
    """Return one cluster per connected group of near-duplicate articles."""
    index = {a: i for i, a in enumerate(sorted({p.a for p in pairs} | {p.b for p in pairs}))}
    sets = _UnionFind(len(index))
    for p in pairs:
        sets.union(index[p.a], index[p.b])
    groups: dict[int, list[DocumentMatch]] = defaultdict(list)
    for p in pairs:
        groups[sets.find(index[p.a])].append(p)
    clusters = []
    for group in groups.values():
        articles = {p.a for p in group} | {p.b for p in group}
        origin, rule = _origin(articles, published_of)
        edges = []
        for p in group:
            src, dst = (p.a, p.b) if _directed(p.a, p.b, rule, published_of) else (p.b, p.a)
            edges.append(Edge(src, dst, 0, lengths(src), 0, lengths(dst), p.jaccard, None))
        direct = {p.b if p.a == origin else p.a: p.jaccard for p in group if origin in (p.a, p.b)}
        direct[origin] = 1.0
        members = tuple(Member(a, 0, lengths(a), direct.get(a)) for a in sorted(articles))
        edges.sort(key=lambda e: (e.source, e.target))
        clusters.append(Cluster("document", members, origin, rule, tuple(edges)))
    return sorted(clusters, key=_cluster_order)


def _cluster_order(cluster: Cluster) -> tuple[int, int, int]:
    first = cluster.members[0]
    return (cluster.origin, first.seq, first.start)


def flag_boilerplate(clusters: Sequence[Cluster], outlet_of: OutletOf, min_articles: int) -> list[Cluster]:
    """Mark the passage clusters that hold `min_articles` or more articles of one outlet as boilerplate.

    Reuse between outlets is what provenance is about; a passage that one outlet repeats across many of its own
    articles is its licence line, newsletter footer or standing background paragraph. Articles without an outlet
    never count towards it.
    """
    flagged = []
    for cluster in clusters:
        per_outlet = Counter(
            outlet for seq in {m.seq for m in cluster.members} if (outlet := outlet_of(seq)) is not None
        )
        repeated = cluster.kind == "passage" and max(per_outlet.values(), default=0) >= min_articles
        flagged.append(replace(cluster, boilerplate=True) if repeated else cluster)
    return flagged
