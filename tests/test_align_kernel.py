"""The compiled kernels of alignment against plain references of the same rules: chaining in pure Python, seed
matching and fragment merging in numpy."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.align import AlignParams, GramProfile, _Chain, _chain, _seed_fragments, _stable_order, gram_profile
from dedup.records import I64Array


def reference_chain(fragments: list[tuple[int, int, int]], max_gap: int, min_similarity: float) -> list[_Chain]:
    """Chain fragments one at a time: each joins the nearest open chain that stays dense and does not repeat."""
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
            if gap_b <= max_gap and gap_a + gap_b < best_gap and dense and not repeats(chain, a0, a1, d):
                best, best_gap = chain, gap_a + gap_b
        if best is None:
            open_chains.append(_Chain(a0, a1, b0, b1, [(a0, a1, d)], a1 - a0))
        else:
            best.a_end = max(best.a_end, a1)
            best.b_start, best.b_end = min(best.b_start, b0), max(best.b_end, b1)
            best.fragments.append((a0, a1, d))
            best.matched += a1 - a0
    return done + open_chains


def repeats(chain: _Chain, a0: int, a1: int, d: int) -> bool:
    for s, e, fd in chain.fragments:
        shorter = min(a1 - a0, e - s)
        overlap_a = min(a1, e) - max(a0, s)
        overlap_b = min(a1 + d, e + fd) - max(a0 + d, s + fd)
        if 2 * max(overlap_a, overlap_b) > shorter:
            return True
    return False


@pytest.mark.parametrize("seed", range(40))
def test_compiled_chaining_equals_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    fragments = []
    for _ in range(rng.randint(0, 120)):
        start = rng.randint(0, 400)
        fragments.append(
            (start, start + rng.randint(2, 12), rng.choice([-50, -3, 0, 0, 0, 4, 7, 90, rng.randint(-99, 99)]))
        )
    fragments.sort()
    max_gap, min_similarity = rng.choice([0, 5, 20, 40]), rng.choice([0.2, 0.3, 0.5])
    assert _chain(fragments, max_gap, min_similarity) == reference_chain(fragments, max_gap, min_similarity)


def reference_seed_pairs(a: GramProfile, b: GramProfile, params: AlignParams) -> tuple[I64Array, I64Array]:
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
    if int(pairs.sum()) > params.max_seeds:
        # Bound the work on one pair: keep the rarest k-grams (fewest positions, then first in `a`) up to the cap.
        rarest = np.argsort(pairs, kind="stable")
        keep = np.sort(rarest[: int(np.searchsorted(np.cumsum(pairs[rarest]), params.max_seeds, side="right"))])
        in_a, in_b, count_a, count_b, pairs = in_a[keep], in_b[keep], count_a[keep], count_b[keep], pairs[keep]
    group = np.repeat(np.arange(len(in_a)), pairs)
    within = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    seeds_a = a.order[a.first[in_a][group] + within // count_b[group]]
    seeds_b = b.order[b.first[in_b][group] + within % count_b[group]]
    return seeds_a.astype(np.int64), seeds_b.astype(np.int64)


def reference_fragments(seeds_a: I64Array, seeds_b: I64Array, params: AlignParams) -> list[tuple[int, int, int]]:
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


def random_pair(rng: random.Random) -> tuple[list[int], list[int]]:
    """Two token-hash sequences over a small vocabulary: the second copies, edits, moves and repeats the first."""
    vocab = rng.randint(3, 60)
    a = [rng.randint(1, vocab) for _ in range(rng.randint(0, 400))]
    b: list[int] = []
    while len(b) < rng.randint(0, 400):
        if a and rng.random() < 0.6:
            start = rng.randint(0, len(a) - 1)
            piece = a[start : start + rng.randint(1, 60)]
            b += [w if rng.random() > 0.1 else rng.randint(1, vocab) for w in piece]
        else:
            b += [rng.randint(1, vocab) for _ in range(rng.randint(1, 20))]
    return a, b


def profiles(a: list[int], b: list[int], k: int) -> tuple[GramProfile, GramProfile]:
    return gram_profile(np.array(a, dtype=np.uint64), k), gram_profile(np.array(b, dtype=np.uint64), k)


@pytest.mark.parametrize("seed", range(60))
def test_compiled_seed_fragments_equal_the_numpy_reference(seed: int) -> None:
    rng = random.Random(seed)
    a, b = random_pair(rng)
    params = AlignParams(
        align_k=rng.choice([1, 2, 3, 5]),
        max_gap=rng.choice([0, 5, 20]),
        min_words=rng.choice([1, 5, 10]),
        max_repeat=rng.choice([1, 3, 8]),
        max_seeds=rng.choice([10, 200, 20_000]),
    )
    pa, pb = profiles(a, b, params.align_k)
    seeds_a, seeds_b = reference_seed_pairs(pa, pb, params)
    expected = reference_fragments(seeds_a, seeds_b, params) if len(seeds_a) else []
    assert _seed_fragments(pa, pb, params) == expected


def test_the_seed_cap_binds_on_a_pair_with_many_repeats() -> None:
    rng = random.Random(3)
    a = [rng.randint(1, 6) for _ in range(3_000)]
    b = [rng.randint(1, 6) for _ in range(3_000)]
    params = AlignParams(align_k=2, max_repeat=10**6, max_seeds=5_000, min_words=2)
    pa, pb = profiles(a, b, params.align_k)
    uncapped, _ = reference_seed_pairs(pa, pb, AlignParams(align_k=2, max_repeat=10**6, max_seeds=10**9))
    seeds_a, seeds_b = reference_seed_pairs(pa, pb, params)
    assert len(uncapped) > 40 * params.max_seeds and 0 < len(seeds_a) <= params.max_seeds
    assert _seed_fragments(pa, pb, params) == reference_fragments(seeds_a, seeds_b, params)


@given(st.lists(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 70), st.integers(2**63, 2**63 + 70)), max_size=300))
def test_stable_order_is_a_stable_argsort(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    assert _stable_order(array).tolist() == np.argsort(array, kind="stable").tolist()
