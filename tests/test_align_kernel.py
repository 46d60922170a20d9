"""The compiled chaining loop against a pure Python reference of the same rule."""

from __future__ import annotations

import random

import pytest

from dedup.align import _Chain, _chain, _unshadowed


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
