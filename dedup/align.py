"""Verify a candidate pair: find the passages two token sequences share, exactly, as token ranges.

Seeds are the word k-grams (`align_k`) the two texts have in common; seeds on one diagonal that touch become exact
fragments; fragments close to each other in both texts (gaps of at most `max_gap` tokens, as a changed word, a
dropped clause or a moved phrase leave) are chained into one passage. A passage is kept when at least `min_words`
of its tokens are matched on each side and the matched share is at least `min_similarity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from dedup.records import I32Array, I64Array, Passage, U64Array
from dedup.shingle import kgram_hashes


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Alignment parameters; see the module docstring."""

    align_k: int = 3
    max_gap: int = 20
    min_words: int = 10
    min_similarity: float = 0.4
    max_repeat: int = 8


@dataclass(slots=True)
class _Chain:
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    fragments: list[tuple[int, int, int]]  # (a_start, a_end, diagonal)
    matched: int  # sum of fragment lengths: an upper bound of the tokens matched


@dataclass(frozen=True, slots=True)
class GramProfile:
    """An article's alignment k-grams sorted once, so that each candidate pair costs a lookup, not a sort."""

    values: U64Array  # distinct k-gram hashes, sorted
    first: I32Array  # where each value's positions start in `order`
    counts: I32Array
    order: I32Array  # k-gram positions sorted by value


def gram_profile(token_hashes: U64Array, k: int) -> GramProfile:
    """Return the sorted k-gram profile of one token-hash sequence."""
    return GramProfile(*_profile(kgram_hashes(token_hashes, k)))


@njit(cache=True)
def _profile(grams: U64Array) -> tuple[U64Array, I32Array, I32Array, I32Array]:
    order = np.argsort(grams, kind="mergesort").astype(np.int32)
    n = len(grams)
    values = np.empty(n, dtype=np.uint64)
    first = np.empty(n, dtype=np.int32)
    counts = np.empty(n, dtype=np.int32)
    distinct = 0
    for i in range(n):
        value = grams[order[i]]
        if distinct > 0 and values[distinct - 1] == value:
            counts[distinct - 1] += 1
        else:
            values[distinct] = value
            first[distinct] = i
            counts[distinct] = 1
            distinct += 1
    return values[:distinct], first[:distinct], counts[:distinct], order


def align_pair(a: GramProfile, b: GramProfile, params: AlignParams) -> list[Passage]:
    """Return the passages shared by two texts, given their k-gram profiles, sorted by their start in `a`."""
    seeds_a, seeds_b = _seed_pairs(a, b, params)
    if len(seeds_a) == 0:
        return []
    fragments = _fragments(seeds_a, seeds_b, params)
    chains = [c for c in _chain(fragments, params.max_gap, params.min_similarity) if c.matched >= params.min_words]
    passages = []
    for chain in _merge_overlapping(chains):
        matched_a = _covered([(s, e) for s, e, _ in chain.fragments])
        matched_b = _covered([(s + d, e + d) for s, e, d in chain.fragments])
        passage = Passage(chain.a_start, chain.a_end, chain.b_start, chain.b_end, matched_a, matched_b)
        if min(matched_a, matched_b) >= params.min_words and passage.similarity >= params.min_similarity:
            passages.append(passage)
    return sorted(_one_to_one(passages), key=lambda p: (p.a_start, p.b_start))


def _one_to_one(passages: list[Passage]) -> list[Passage]:
    """Keep, best first, the passages that do not mostly re-cover a better passage's range in either text.

    Where one text repeats a paragraph, the other's copy is matched with one occurrence, not with each.
    """
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: (-(p.matched_a + p.matched_b), p.a_start, p.b_start)):
        if not any(
            2 * (min(p.a_end, q.a_end) - max(p.a_start, q.a_start)) > p.a_end - p.a_start
            or 2 * (min(p.b_end, q.b_end) - max(p.b_start, q.b_start)) > p.b_end - p.b_start
            for q in kept
        ):
            kept.append(p)
    return kept


def _seed_pairs(a: GramProfile, b: GramProfile, params: AlignParams) -> tuple[I64Array, I64Array]:
    """Return positions (i, j) with equal k-grams, leaving out k-grams repeated more than `max_repeat` times."""
    empty = np.zeros(0, dtype=np.int64)
    if len(a.values) == 0 or len(b.values) == 0:
        return empty, empty
    slot = np.minimum(np.searchsorted(b.values, a.values), len(b.values) - 1)
    shared = (b.values[slot] == a.values) & (a.counts <= params.max_repeat) & (b.counts[slot] <= params.max_repeat)
    in_a = np.flatnonzero(shared)
    # Shared k-grams at fewer positions than this cannot cover min_words words of `a`.
    if int(a.counts[in_a].sum()) * params.align_k < params.min_words:
        return empty, empty
    in_b = slot[in_a]
    count_a, count_b = a.counts[in_a], b.counts[in_b]
    pairs = count_a * count_b
    group = np.repeat(np.arange(len(in_a)), pairs)
    within = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    seeds_a = a.order[a.first[in_a][group] + within // count_b[group]]
    seeds_b = b.order[b.first[in_b][group] + within % count_b[group]]
    return seeds_a.astype(np.int64), seeds_b.astype(np.int64)


def _fragments(seeds_a: I64Array, seeds_b: I64Array, params: AlignParams) -> list[tuple[int, int, int]]:
    """Merge seeds that touch on one diagonal into exact fragments (a_start, a_end, b - a), sorted by a_start.

    Fragments that no chain could grow into a passage are dropped here, in bulk: a chain never spans a stretch of
    `a` where fragments are more than `max_gap` apart, so a stretch with fewer than `min_words` matched words in
    all its fragments yields nothing.
    """
    k = params.align_k
    diagonals = seeds_b - seeds_a
    order = np.lexsort((seeds_a, diagonals))
    diag, pos = diagonals[order], seeds_a[order]
    breaks = np.flatnonzero((np.diff(diag) != 0) | (np.diff(pos) > k)) + 1
    first = np.concatenate(([0], breaks))
    last = np.concatenate((breaks, [len(pos)])) - 1
    starts, ends, diag = pos[first], pos[last] + k, diag[first]
    by_start = np.lexsort((diag, ends, starts))
    starts, ends, diag = starts[by_start], ends[by_start], diag[by_start]
    reach = np.maximum.accumulate(ends)
    stretch = np.concatenate(([0], np.cumsum(starts[1:] > reach[:-1] + params.max_gap)))
    matched = np.bincount(stretch, weights=ends - starts)
    keep = matched[stretch] >= params.min_words
    return list(zip(starts[keep].tolist(), ends[keep].tolist(), diag[keep].tolist(), strict=True))


def _chain(fragments: list[tuple[int, int, int]], max_gap: int, min_similarity: float) -> list[_Chain]:
    """Group fragments into chains whose neighbours lie within `max_gap` tokens in both texts.

    A fragment joins the nearest open chain that stays at least `min_similarity` dense with it, so two passages
    with unrelated text between them stay two passages instead of becoming one too sparse to report.
    """
    done: list[_Chain] = []
    open_chains: list[_Chain] = []
    for a0, a1, d in fragments:
        b0, b1 = a0 + d, a1 + d
        still_open: list[_Chain] = []
        for chain in open_chains:
            (still_open if chain.a_end + max_gap >= a0 else done).append(chain)
        open_chains = still_open
        best, best_gap = None, 2 * max_gap + 1
        for chain in open_chains:
            gap_a = max(a0 - chain.a_end, 0)
            gap_b = max(b0 - chain.b_end, chain.b_start - b1, 0)
            span = max(max(a1, chain.a_end) - chain.a_start, max(b1, chain.b_end) - min(b0, chain.b_start))
            dense = chain.matched + a1 - a0 >= min_similarity * span
            if gap_b <= max_gap and gap_a + gap_b < best_gap and dense and not _repeats(chain, a0, a1, d):
                best, best_gap = chain, gap_a + gap_b
        if best is None:
            open_chains.append(_Chain(a0, a1, b0, b1, [(a0, a1, d)], a1 - a0))
        else:
            best.a_end = max(best.a_end, a1)
            best.b_start, best.b_end = min(best.b_start, b0), max(best.b_end, b1)
            best.fragments.append((a0, a1, d))
            best.matched += a1 - a0
    return done + open_chains


def _merge_overlapping(chains: list[_Chain]) -> list[_Chain]:
    """Merge chains whose ranges overlap in both texts: one passage whose fragments were split between chains,
    or a phrase repeated inside a passage and matched with its other occurrence."""
    merged: list[_Chain] = []
    for chain in sorted(chains, key=lambda c: (c.a_start, c.b_start)):
        for other in merged:
            if (
                other.a_start < chain.a_end
                and chain.a_start < other.a_end
                and other.b_start < chain.b_end
                and chain.b_start < other.b_end
            ):
                other.a_start, other.a_end = min(other.a_start, chain.a_start), max(other.a_end, chain.a_end)
                other.b_start, other.b_end = min(other.b_start, chain.b_start), max(other.b_end, chain.b_end)
                other.fragments += chain.fragments
                other.matched += chain.matched
                break
        else:
            merged.append(chain)
    return merged


def _repeats(chain: _Chain, a0: int, a1: int, d: int) -> bool:
    """Tell whether a fragment re-covers, on either side, most of a fragment the chain already holds.

    That happens where a phrase occurs twice in one text; joining it would stretch the passage over unrelated text.
    """
    for s, e, fd in chain.fragments:
        shorter = min(a1 - a0, e - s)
        overlap_a = min(a1, e) - max(a0, s)
        overlap_b = min(a1 + d, e + fd) - max(a0 + d, s + fd)
        if 2 * max(overlap_a, overlap_b) > shorter:
            return True
    return False


def _covered(intervals: list[tuple[int, int]]) -> int:
    """Return how many positions the union of half-open intervals covers."""
    total, reach = 0, -1
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total
