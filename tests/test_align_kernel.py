"""The compiled alignment loops (seeds, fragments, chaining, unshadowing) against pure Python references."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dedup.align import (
    AlignParams,
    Fragments,
    GramProfile,
    _Chain,
    _chain,
    _fragments,
    _seed_pairs,
    _unshadowed,
    gram_profile,
)


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
    arrays = Fragments(*(np.array(column, dtype=np.int64).reshape(-1) for column in zip(*fragments, strict=True)))
    if not fragments:
        arrays = Fragments(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
    assert _chain(arrays, max_gap, min_similarity) == reference_chain(fragments, max_gap, min_similarity)


def reference_unshadowed(fragments: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Longest first (ties in the given order), keep a fragment unless more than half of it, in either text, lies
    on words already taken by a kept one."""
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    kept = set()
    for i in sorted(range(len(fragments)), key=lambda i: fragments[i][0] - fragments[i][1]):
        s, e, d = fragments[i]
        if 2 * len(taken_a & set(range(s, e))) <= e - s and 2 * len(taken_b & set(range(s + d, e + d))) <= e - s:
            kept.add(i)
            taken_a |= set(range(s, e))
            taken_b |= set(range(s + d, e + d))
    return [f for i, f in enumerate(fragments) if i in kept]


@pytest.mark.parametrize("seed", range(40))
def test_compiled_unshadowing_equals_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    fragments = []
    for _ in range(rng.randint(1, 60)):
        start = rng.randint(0, 200)
        fragments.append((start, start + rng.randint(2, 30), rng.choice([-40, -3, 0, 0, 5, rng.randint(-60, 60)])))
    assert _unshadowed(fragments) == reference_unshadowed(fragments)


def reference_seed_pairs(a: GramProfile, b: GramProfile, params: AlignParams) -> set[tuple[int, int]]:
    """Every (i, j) with equal k-grams, each k-gram at most max_repeat times in either text; past max_seeds
    pairs, the k-grams with the fewest pairs (ties: first in sorted order) up to the cap."""
    positions_a: dict[int, list[int]] = {}
    positions_b: dict[int, list[int]] = {}
    for profile, positions in ((a, positions_a), (b, positions_b)):
        for v, value in enumerate(profile.values.tolist()):
            first, count = int(profile.first[v]), int(profile.counts[v])
            positions[value] = profile.order[first : first + count].tolist()
    shared = [
        v
        for v in sorted(positions_a)
        if v in positions_b and max(len(positions_a[v]), len(positions_b[v])) <= params.max_repeat
    ]
    if sum(len(positions_a[v]) for v in shared) * params.align_k < params.min_words:
        return set()
    cost = {v: len(positions_a[v]) * len(positions_b[v]) for v in shared}
    if sum(cost.values()) > params.max_seeds:
        total, chosen = 0, []
        for v in sorted(shared, key=lambda v: cost[v]):
            if total + cost[v] > params.max_seeds:
                break
            total += cost[v]
            chosen.append(v)
        shared = chosen
    return {(i, j) for v in shared for i in positions_a[v] for j in positions_b[v]}


def reference_fragments(seeds: set[tuple[int, int]], params: AlignParams) -> list[tuple[int, int, int]]:
    """Runs of seeds on one diagonal no more than k apart, then only the stretches of `a` (fragments within
    max_gap of each other) that hold min_words matched words; sorted by (start, end, diagonal)."""
    k = params.align_k
    fragments: list[tuple[int, int, int]] = []
    for i, j in sorted(seeds, key=lambda s: (s[1] - s[0], s[0])):
        last = fragments[-1] if fragments else None
        if last is not None and last[2] == j - i and i - (last[1] - k) <= k:
            fragments[-1] = (last[0], i + k, last[2])
        else:
            fragments.append((i, i + k, j - i))
    fragments.sort()
    kept: list[tuple[int, int, int]] = []
    stretch: list[tuple[int, int, int]] = []
    reach = -(10**9)
    for f in [*fragments, None]:
        if f is None or f[0] > reach + params.max_gap:
            if sum(e - s for s, e, _ in stretch) >= params.min_words:
                kept += stretch
            stretch, reach = [], -(10**9)
        if f is not None:
            stretch.append(f)
            reach = max(reach, f[1])
    return kept


@pytest.mark.parametrize("seed", range(60))
def test_compiled_seeds_and_fragments_equal_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    vocab = rng.choice([5, 20, 200])
    a = [rng.randrange(vocab) for _ in range(rng.randint(0, 300))]
    b = [rng.randrange(vocab) if rng.random() < 0.5 or not a else rng.choice(a) for _ in range(rng.randint(0, 300))]
    params = AlignParams(
        align_k=rng.choice([1, 2, 3]),
        max_gap=rng.choice([0, 5, 20]),
        min_words=rng.choice([1, 5, 10]),
        max_seeds=rng.choice([50, 1000, 20_000]),
        max_repeat=rng.choice([2, 8]),
    )
    pa = gram_profile(np.array(a, dtype=np.uint64) * np.uint64(7919) + np.uint64(1), params.align_k)
    pb = gram_profile(np.array(b, dtype=np.uint64) * np.uint64(7919) + np.uint64(1), params.align_k)
    seeds_a, seeds_b = _seed_pairs(pa, pb, params)
    seeds = set(zip(seeds_a.tolist(), seeds_b.tolist(), strict=True))
    assert len(seeds) == len(seeds_a)
    assert seeds == reference_seed_pairs(pa, pb, params)
    found = (
        list(zip(*(column.tolist() for column in _fragments(seeds_a, seeds_b, params)), strict=True)) if seeds else []
    )
    assert found == reference_fragments(seeds, params)
