"""Verify a candidate pair: find the passages two token sequences share, exactly, as token ranges.

Seeds are the word k-grams (`align_k`) the two texts have in common; seeds on one diagonal that touch become exact
fragments; fragments close to each other in both texts (gaps of at most `max_gap` tokens, as a changed word, a
dropped clause or a moved phrase leave) are chained into one passage. A passage is kept when at least `min_words`
of its tokens are matched on each side and the matched share is at least `min_similarity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.records import I64Array, Passage, U64Array
from dedup.shingle import kgram_hashes


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Alignment parameters; see the module docstring."""

    align_k: int = 3
    max_gap: int = 8
    min_words: int = 10
    min_similarity: float = 0.5
    max_repeat: int = 8


@dataclass(slots=True)
class _Chain:
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    fragments: list[tuple[int, int, int]]  # (a_start, a_end, diagonal)


def align_pair(tokens_a: U64Array, tokens_b: U64Array, params: AlignParams) -> list[Passage]:
    """Return the passages shared by two token-hash sequences, sorted by their start in `a`."""
    seeds_a, seeds_b = _seed_pairs(tokens_a, tokens_b, params)
    if len(seeds_a) == 0:
        return []
    fragments = _fragments(seeds_a, seeds_b, params.align_k)
    passages = []
    for chain in _chain(fragments, params.max_gap):
        matched_a = _covered([(s, e) for s, e, _ in chain.fragments])
        matched_b = _covered([(s + d, e + d) for s, e, d in chain.fragments])
        passage = Passage(chain.a_start, chain.a_end, chain.b_start, chain.b_end, matched_a, matched_b)
        if min(matched_a, matched_b) >= params.min_words and passage.similarity >= params.min_similarity:
            passages.append(passage)
    return sorted(passages, key=lambda p: (p.a_start, p.b_start))


def _seed_pairs(tokens_a: U64Array, tokens_b: U64Array, params: AlignParams) -> tuple[I64Array, I64Array]:
    """Return positions (i, j) with equal k-grams, leaving out k-grams repeated more than `max_repeat` times."""
    grams_a = kgram_hashes(tokens_a, params.align_k)
    grams_b = kgram_hashes(tokens_b, params.align_k)
    empty = np.zeros(0, dtype=np.int64)
    if len(grams_a) == 0 or len(grams_b) == 0:
        return empty, empty
    order_b = np.argsort(grams_b, kind="stable")
    values_b, first_b, count_b = np.unique(grams_b[order_b], return_index=True, return_counts=True)
    _, inverse_a, count_a = np.unique(grams_a, return_inverse=True, return_counts=True)
    slot = np.minimum(np.searchsorted(values_b, grams_a), len(values_b) - 1)
    found = values_b[slot] == grams_a
    found &= count_a[inverse_a] <= params.max_repeat
    found &= count_b[slot] <= params.max_repeat
    positions_a = np.flatnonzero(found)
    counts = count_b[slot[positions_a]]
    seeds_a = np.repeat(positions_a, counts)
    offsets = np.arange(len(seeds_a)) - np.repeat(np.cumsum(counts) - counts, counts)
    seeds_b = order_b[np.repeat(first_b[slot[positions_a]], counts) + offsets]
    return seeds_a.astype(np.int64), seeds_b.astype(np.int64)


def _fragments(seeds_a: I64Array, seeds_b: I64Array, k: int) -> list[tuple[int, int, int]]:
    """Merge seeds that touch on one diagonal into exact fragments (a_start, a_end, b - a), sorted by a_start."""
    diagonals = seeds_b - seeds_a
    order = np.lexsort((seeds_a, diagonals))
    diag, pos = diagonals[order], seeds_a[order]
    breaks = np.flatnonzero((np.diff(diag) != 0) | (np.diff(pos) > k)) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(pos)])) - 1
    frags = zip(pos[starts].tolist(), (pos[ends] + k).tolist(), diag[starts].tolist(), strict=True)
    return sorted(frags)


def _chain(fragments: list[tuple[int, int, int]], max_gap: int) -> list[_Chain]:
    """Group fragments into chains whose neighbours lie within `max_gap` tokens in both texts."""
    done: list[_Chain] = []
    open_chains: list[_Chain] = []
    for a0, a1, d in fragments:
        b0, b1 = a0 + d, a1 + d
        still_open: list[_Chain] = []
        for chain in open_chains:
            (still_open if chain.a_end + max_gap >= a0 else done).append(chain)
        open_chains = still_open
        best, best_gap = None, max_gap + 1
        for chain in open_chains:
            gap_b = max(b0 - chain.b_end, chain.b_start - b1, 0)
            gap = max(a0 - chain.a_end, 0) + gap_b
            if gap_b <= max_gap and gap < best_gap and not _repeats(chain, a0, a1, d):
                best, best_gap = chain, gap
        if best is None:
            open_chains.append(_Chain(a0, a1, b0, b1, [(a0, a1, d)]))
        else:
            best.a_end = max(best.a_end, a1)
            best.b_start, best.b_end = min(best.b_start, b0), max(best.b_end, b1)
            best.fragments.append((a0, a1, d))
    return done + open_chains


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
