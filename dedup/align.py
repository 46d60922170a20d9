"""Verify a candidate pair: find the passages two token sequences share, exactly, as token ranges.

Seeds are the word k-grams (`align_k`) the two texts have in common; seeds on one diagonal that touch become exact
fragments; fragments close to each other in both texts (gaps of at most `max_gap` tokens, as a changed word, a
dropped clause or a moved phrase leave) are chained into one passage. A passage is kept when at least `min_words`
of its tokens are matched on each side and the matched share is at least `min_similarity`. Passages of the pair
within `merge_gap` words of each other in both texts, in either order, are then joined while the joined passage
stays `min_similarity` matched (a reworded or moved sentence splits one reused passage into pieces).
`refine_pair` aligns a pair again with shorter seeds when its passages are reworded. `snap` extends a reworded
passage to whole sentences where the words it would add on the two sides share a content word. `stitch` joins
reworded passages that lie side by side in one text and far apart in the other (a summary or rewrite), keeping them
as the joined passage's pieces.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

import dedup.compiled  # noqa: F401  (decides where the kernels below are cached)
from dedup.records import BoolArray, I32Array, I64Array, Passage, U64Array
from dedup.shingle import kgram_hashes
from dedup.signature import stop_word_hashes


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Alignment parameters; see the module docstring. `Scanner` passes its `ScanConfig` values.

    `max_repeat`: a k-gram occurring more often than this in either text makes no seeds (a repeated phrase would
    pair every occurrence with every other). `max_seeds`: at most this many seed matches are examined per pair,
    the rarest k-grams first, so that one pathological pair (two huge texts sharing most words) costs about a
    second, not minutes; a verbatim copy of a 20,000-word text still gets every seed.
    """

    align_k: int = 3
    max_gap: int = 20
    min_words: int = 10
    min_similarity: float = 0.25
    max_repeat: int = 8
    merge_gap: int = 60
    max_seeds: int = 20_000


@dataclass(slots=True)
class _Chain:
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    fragments: list[tuple[int, int, int]]  # (a_start, a_end, diagonal)
    matched: int  # sum of fragment lengths: an upper bound of the tokens matched


class Fragments(NamedTuple):
    """Exact fragments as arrays, sorted by (start, end, diagonal): a_start, a_end, and b - a."""

    starts: I64Array
    ends: I64Array
    diags: I64Array


@dataclass(frozen=True, slots=True)
class GramProfile:
    """An article's alignment k-grams sorted once, so that each candidate pair costs a lookup, not a sort."""

    values: U64Array  # distinct k-gram hashes, sorted
    first: I32Array  # where each value's positions start in `order`
    counts: I32Array
    order: I32Array  # k-gram positions sorted by value
    k: int


def gram_profile(token_hashes: U64Array, k: int) -> GramProfile:
    """Return the sorted k-gram profile of one token-hash sequence."""
    grams = kgram_hashes(token_hashes, k)
    return GramProfile(*_profile(grams, _stable_order(grams)), k)


@njit(cache=True)
def _profile(grams: U64Array, order: I32Array) -> tuple[U64Array, I32Array, I32Array, I32Array]:
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


def shared_grams(a: GramProfile, b: GramProfile) -> int:
    """Return how many distinct k-grams two profiles have in common (a merge of their sorted values)."""
    return int(_shared_values(a.values, b.values))


@njit(cache=True)
def _shared_values(a: U64Array, b: U64Array) -> int:
    i = j = shared = 0
    while i < len(a) and j < len(b):
        if a[i] < b[j]:
            i += 1
        elif b[j] < a[i]:
            j += 1
        else:
            shared += 1
            i += 1
            j += 1
    return shared


def _stable_order(values: U64Array) -> I32Array:
    """Return the positions of `values` sorted by value, equal values by position (a stable argsort).

    Each value's high bits and its position are packed into one word, and the words are sorted as plain integers by
    numpy's vectorized sort (12-14 us per news-length article against 30-31 us for a compiled merge-sort argsort);
    values whose high bits are equal (rare for hashes) are then put in full order by an insertion pass.
    """
    packed, low = _packed(values)
    packed.sort()
    return _unpacked_order(values, packed, low)


@njit(cache=True)
def _packed(values: U64Array) -> tuple[U64Array, np.uint64]:
    n = len(values)
    bits = 1
    while (1 << bits) < n:
        bits += 1
    low = np.uint64((1 << bits) - 1)
    packed = np.empty(n, dtype=np.uint64)
    for i in range(n):
        packed[i] = (values[i] & ~low) | np.uint64(i)
    return packed, low


@njit(cache=True)
def _unpacked_order(values: U64Array, packed: U64Array, low: np.uint64) -> I32Array:
    n = len(values)
    order = np.empty(n, dtype=np.int32)
    for i in range(n):
        order[i] = np.int32(packed[i] & low)
    for i in range(1, n):
        j = i
        while j > 0 and (packed[j - 1] & ~low) == (packed[j] & ~low) and values[order[j - 1]] > values[order[j]]:
            order[j - 1], order[j] = order[j], order[j - 1]
            packed[j - 1], packed[j] = packed[j], packed[j - 1]
            j -= 1
    return order


def align_pair(a: GramProfile, b: GramProfile, params: AlignParams) -> list[Passage]:
    """Return the passages shared by two texts, given their k-gram profiles, sorted by their start in `a`."""
    seeds_a, seeds_b = _seed_pairs(a, b, params)
    if len(seeds_a) == 0:
        return []
    fragments = _fragments(seeds_a, seeds_b, params)
    chains = _chain(fragments, params.max_gap, params.min_similarity, params.min_words)
    passages = []
    for chain in _merge_overlapping(chains):
        kept = _unshadowed(chain.fragments)
        matched_a = _covered([(s, e) for s, e, _ in kept])
        matched_b = _covered([(s + d, e + d) for s, e, d in kept])
        a_start, a_end = min(s for s, _, _ in kept), max(e for _, e, _ in kept)
        b_start, b_end = min(s + d for s, _, d in kept), max(e + d for _, e, d in kept)
        passage = Passage(a_start, a_end, b_start, b_end, matched_a, matched_b)
        if min(matched_a, matched_b) >= params.min_words and passage.similarity >= params.min_similarity:
            passages.append(passage)
    passages = sorted(_one_to_one(passages), key=lambda p: (p.a_start, p.b_start))
    if params.merge_gap > 0:
        passages = _merge_near(passages, params.merge_gap, params.min_similarity)
    return passages


def refine_pair(found: list[Passage], a: GramProfile, b: GramProfile, params: AlignParams) -> list[Passage]:
    """Align a pair that shares passages again with shorter seeds (profiles `a`, `b` of k-grams shorter than
    `params.align_k`), which catch more of a reworded text.

    Only pairs already known to share a passage pay for this. A passage of the first alignment that no refined
    passage contains is joined to the refined passage it overlaps in both texts, or else kept as it was, so every
    verbatim run the first alignment found is still inside a reported passage.
    """
    refined = align_pair(a, b, replace(params, align_k=a.k))
    for p in found:
        if any(_contains(q, p) for q in refined):
            continue
        for i, q in enumerate(refined):
            overlap_a = min(p.a_end, q.a_end) - max(p.a_start, q.a_start)
            overlap_b = min(p.b_end, q.b_end) - max(p.b_start, q.b_start)
            if overlap_a > 0 and overlap_b > 0:
                a_start, a_end = min(p.a_start, q.a_start), max(p.a_end, q.a_end)
                b_start, b_end = min(p.b_start, q.b_start), max(p.b_end, q.b_end)
                matched_a = max(q.matched_a, min(q.matched_a + p.matched_a - overlap_a, a_end - a_start))
                matched_b = max(q.matched_b, min(q.matched_b + p.matched_b - overlap_b, b_end - b_start))
                refined[i] = Passage(a_start, a_end, b_start, b_end, matched_a, matched_b)
                break
        else:
            refined.append(p)
    return sorted(refined, key=lambda p: (p.a_start, p.b_start))


# A passage at least this similar is a (near) verbatim copy, the rest are reworded: a verbatim pair gains nothing
# from shorter seeds, a verbatim passage keeps the exact bounds of its copy (`snap`), and two verbatim passages side
# by side in one text are two quotes, never stitched.
NEAR_VERBATIM = 0.9
# Two reworded passages side by side that both have this many words (in the shorter text) are two passages taken
# from two places, not one summary: a summary condenses, so its pieces are short.
_STITCH_LONG = 50


def stitch(passages: list[Passage], gap: int) -> list[Passage]:
    """Join passages of one pair that follow each other within `gap` words in one text, however far apart they
    lie in the other, when at least one of the two is reworded: one text rewrites or summarizes pieces taken from
    all over the other.

    The joined passage spans, in the other text, everything from the first piece to the last, and keeps the
    passages it joins as its `pieces`. Two (near) verbatim pieces side by side are two quotes and stay apart, and
    so are two long ones (`_STITCH_LONG` words each): a summary condenses.
    """
    for side in ("a", "b"):
        ordered = sorted(passages, key=lambda p: (p.a_start, p.b_start) if side == "a" else (p.b_start, p.a_start))
        out: list[Passage] = []
        for p in ordered:
            if out:
                last = out[-1]
                between = p.a_start - last.a_end if side == "a" else p.b_start - last.b_end
                before = max(last.aligned, key=lambda q: q.a_end if side == "a" else q.b_end)
                after = min(p.aligned, key=lambda q: q.a_start if side == "a" else q.b_start)
                if (
                    between <= gap
                    and min(last.similarity, p.similarity) < NEAR_VERBATIM
                    and min(_words(before), _words(after)) < _STITCH_LONG
                ):
                    joined = _join(last, p, 1 << 62)
                    if joined is not None:
                        pieces = sorted((*last.aligned, *p.aligned), key=lambda q: (q.a_start, q.b_start))
                        out[-1] = replace(joined, pieces=tuple(pieces))
                        continue
            out.append(p)
        passages = out
    return sorted(passages, key=lambda p: (p.a_start, p.b_start))


def snap(
    passages: list[Passage],
    a_breaks: BoolArray,
    b_breaks: BoolArray,
    a_words: U64Array,
    b_words: U64Array,
    reach: int,
) -> list[Passage]:
    """Extend each reworded passage (similarity below 0.9) to the start and the end of the sentences it begins and
    ends in, where that adds at most `reach` words in each text, meets no other passage, and the words added on the
    two sides share a content word.

    Seeds of a reworded passage stop at the last words the two texts share verbatim, a few words short of a
    sentence both rewrote; a shared content word in the rest of the sentence says that it, too, was taken.
    `a_breaks`, `b_breaks`: whether a sentence starts at each token (`signature.sentence_breaks`); `a_words`,
    `b_words`: the token hashes.
    """
    a_sentences, b_sentences = np.flatnonzero(a_breaks).tolist(), np.flatnonzero(b_breaks).tolist()
    a_ends, b_ends = sorted(p.a_end for p in passages), sorted(p.b_end for p in passages)
    a_starts, b_starts = sorted(p.a_start for p in passages), sorted(p.b_start for p in passages)
    out = []
    for p in passages:
        if p.similarity >= NEAR_VERBATIM:
            out.append(p)
            continue
        a_start = _sentence_start(a_sentences, p.a_start, max(_last_at_most(a_ends, p.a_start), p.a_start - reach))
        b_start = _sentence_start(b_sentences, p.b_start, max(_last_at_most(b_ends, p.b_start), p.b_start - reach))
        if not _share_content_word(a_words[a_start : p.a_start], b_words[b_start : p.b_start]):
            a_start, b_start = p.a_start, p.b_start
        a_most = min(_first_at_least(a_starts, p.a_end, len(a_breaks)), p.a_end + reach)
        b_most = min(_first_at_least(b_starts, p.b_end, len(b_breaks)), p.b_end + reach)
        a_end = _sentence_end(a_sentences, len(a_breaks), p.a_end, a_most)
        b_end = _sentence_end(b_sentences, len(b_breaks), p.b_end, b_most)
        if not _share_content_word(a_words[p.a_end : a_end], b_words[p.b_end : b_end]):
            a_end, b_end = p.a_end, p.b_end
        out.append(replace(p, a_start=a_start, a_end=a_end, b_start=b_start, b_end=b_end))
    return out


def _last_at_most(ordered: list[int], at: int) -> int:
    """Return the largest value of `ordered` that is at most `at`, or 0."""
    i = bisect_right(ordered, at)
    return ordered[i - 1] if i else 0


def _first_at_least(ordered: list[int], at: int, default: int) -> int:
    """Return the smallest value of `ordered` that is at least `at`, or `default`."""
    i = bisect_left(ordered, at)
    return ordered[i] if i < len(ordered) else default


def _sentence_start(sentences: list[int], at: int, least: int) -> int:
    """Return the start of the sentence token `at` is in, or `at` if that lies before `least`."""
    start = _last_at_most(sentences, at)
    return start if start >= least else at


def _sentence_end(sentences: list[int], tokens: int, at: int, most: int) -> int:
    """Return the end of the sentence that ends at or after token boundary `at` (the last one ends at `tokens`), or
    `at` if that lies past `most`."""
    end = _first_at_least(sentences, at, tokens)
    return end if end <= most else at


def _share_content_word(a: U64Array, b: U64Array) -> bool:
    """Tell whether two runs of token hashes have a word in common that is not a function word."""
    if len(a) == 0 or len(b) == 0:
        return False
    return not (set(a.tolist()) & set(b.tolist())) <= _function_words()


@lru_cache(maxsize=1)
def _function_words() -> frozenset[int]:
    return frozenset(stop_word_hashes().tolist())


def _words(p: Passage) -> int:
    """Return the passage's length in words in the text where it is shorter."""
    return min(p.a_end - p.a_start, p.b_end - p.b_start)


def _contains(outer: Passage, inner: Passage) -> bool:
    return (
        outer.a_start <= inner.a_start
        and inner.a_end <= outer.a_end
        and outer.b_start <= inner.b_start
        and inner.b_end <= outer.b_end
    )


_MERGE_PASSES = 4
_MERGE_LOOKBACK = 8


def _merge_near(passages: list[Passage], merge_gap: int, min_similarity: float) -> list[Passage]:
    """Join passages of one pair that lie within `merge_gap` words of each other in both texts, in either order.

    A reworded stretch splits one reused passage into pieces, and a moved sentence puts two pieces in a different
    order in each text; joining them keeps it one passage, as long as the joined passage is still at least
    `min_similarity` matched on each side. Matched tokens of overlapping pieces are counted once (assuming the
    overlap matched).
    """
    merged = sorted(passages, key=lambda p: (p.a_start, p.b_start))
    for _ in range(_MERGE_PASSES):
        out: list[Passage] = []
        for p in merged:
            # Pieces of one passage are neighbours in `a`'s order: looking a few passages back is enough, and it
            # bounds the work on a pair with thousands of passages.
            for k in range(len(out) - 1, max(len(out) - _MERGE_LOOKBACK, 0) - 1, -1):
                joined = _join(out[k], p, merge_gap)
                if joined is not None and _dense(joined, min_similarity):
                    out[k] = joined
                    break
            else:
                out.append(p)
        if len(out) == len(merged):
            break
        merged = sorted(out, key=lambda p: (p.a_start, p.b_start))
    return merged


def _dense(p: Passage, min_similarity: float) -> bool:
    """Tell whether at least `min_similarity` of the passage is matched on each side (not just on both together)."""
    return min(p.matched_a / (p.a_end - p.a_start), p.matched_b / (p.b_end - p.b_start)) >= min_similarity


def _join(p: Passage, q: Passage, merge_gap: int) -> Passage | None:
    """Return the passage spanning p and q if they are within `merge_gap` words of each other in both texts."""
    overlap_a = min(p.a_end, q.a_end) - max(p.a_start, q.a_start)
    overlap_b = min(p.b_end, q.b_end) - max(p.b_start, q.b_start)
    if -overlap_a > merge_gap or -overlap_b > merge_gap:
        return None
    a_start, a_end = min(p.a_start, q.a_start), max(p.a_end, q.a_end)
    b_start, b_end = min(p.b_start, q.b_start), max(p.b_end, q.b_end)
    matched_a = max(p.matched_a, q.matched_a, p.matched_a + q.matched_a - max(overlap_a, 0))
    matched_b = max(p.matched_b, q.matched_b, p.matched_b + q.matched_b - max(overlap_b, 0))
    return Passage(a_start, a_end, b_start, b_end, min(matched_a, a_end - a_start), min(matched_b, b_end - b_start))


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
    """Return positions (i, j) with equal k-grams, leaving out k-grams repeated more than `max_repeat` times.

    At most `max_seeds` pairs are returned: past that, the rarest k-grams (fewest position pairs, then first in
    `a`) are kept up to the cap. The loops run compiled (`_seed_kernel`).
    """
    if len(a.values) == 0 or len(b.values) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return _seed_kernel(
        a.values, a.first, a.counts, a.order, b.values, b.first, b.counts, b.order,
        params.max_repeat, params.align_k, params.min_words, params.max_seeds,
    )  # fmt: skip


@njit(cache=True)
def _seed_kernel(
    a_values: U64Array,
    a_first: I32Array,
    a_counts: I32Array,
    a_order: I32Array,
    b_values: U64Array,
    b_first: I32Array,
    b_counts: I32Array,
    b_order: I32Array,
    max_repeat: int,
    align_k: int,
    min_words: int,
    max_seeds: int,
) -> tuple[I64Array, I64Array]:  # pragma: no cover - compiled; checked against a pure reference in tests
    """Merge the two sorted value lists and expand each shared k-gram into its position pairs."""
    in_a = np.empty(min(len(a_values), len(b_values)), dtype=np.int64)
    in_b = np.empty(len(in_a), dtype=np.int64)
    n = i = j = 0
    positions = 0
    while i < len(a_values) and j < len(b_values):
        if a_values[i] < b_values[j]:
            i += 1
        elif a_values[i] > b_values[j]:
            j += 1
        else:
            if a_counts[i] <= max_repeat and b_counts[j] <= max_repeat:
                in_a[n], in_b[n] = i, j
                positions += a_counts[i]
                n += 1
            i += 1
            j += 1
    empty = np.zeros(0, dtype=np.int64)
    # Shared k-grams at fewer positions than this cannot cover min_words words of `a`.
    if positions * align_k < min_words:
        return empty, empty
    in_a, in_b = in_a[:n], in_b[:n]
    pairs = a_counts[in_a].astype(np.int64) * b_counts[in_b].astype(np.int64)
    if pairs.sum() > max_seeds:
        # Bound the work on one pair: keep the rarest k-grams (fewest positions, then first in `a`) up to the cap.
        rarest = np.argsort(pairs, kind="mergesort")
        total = kept = 0
        while kept < len(rarest) and total + pairs[rarest[kept]] <= max_seeds:
            total += pairs[rarest[kept]]
            kept += 1
        keep = np.sort(rarest[:kept])
        in_a, in_b, pairs = in_a[keep], in_b[keep], pairs[keep]
    seeds_a = np.empty(pairs.sum(), dtype=np.int64)
    seeds_b = np.empty(len(seeds_a), dtype=np.int64)
    m = 0
    for g in range(len(in_a)):
        fa, fb = a_first[in_a[g]], b_first[in_b[g]]
        for x in range(a_counts[in_a[g]]):
            for y in range(b_counts[in_b[g]]):
                seeds_a[m], seeds_b[m] = a_order[fa + x], b_order[fb + y]
                m += 1
    return seeds_a, seeds_b


def _fragments(seeds_a: I64Array, seeds_b: I64Array, params: AlignParams) -> Fragments:
    """Merge seeds that touch on one diagonal into exact fragments (a_start, a_end, b - a), sorted by a_start.

    Fragments that no chain could grow into a passage are dropped here, in bulk: a chain never spans a stretch of
    `a` where fragments are more than `max_gap` apart, so a stretch with fewer than `min_words` matched words in
    all its fragments yields nothing.
    """
    return Fragments(*_fragment_kernel(seeds_a, seeds_b, params.align_k, params.max_gap, params.min_words))


@njit(cache=True)
def _fragment_kernel(
    seeds_a: I64Array, seeds_b: I64Array, k: int, max_gap: int, min_words: int
) -> tuple[I64Array, I64Array, I64Array]:  # pragma: no cover - compiled; checked against a pure reference in tests
    """Return the fragments' starts, ends and diagonals, sorted by (start, end, diagonal)."""
    diagonals = seeds_b - seeds_a
    order = np.argsort(seeds_a, kind="mergesort")
    order = order[np.argsort(diagonals[order], kind="mergesort")]
    n = len(order)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    diag = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        pos, d = seeds_a[order[i]], diagonals[order[i]]
        if count > 0 and diag[count - 1] == d and pos - (ends[count - 1] - k) <= k:
            ends[count - 1] = pos + k
        else:
            starts[count], ends[count], diag[count] = pos, pos + k, d
            count += 1
    starts, ends, diag = starts[:count], ends[:count], diag[:count]
    by_start = np.argsort(diag, kind="mergesort")
    by_start = by_start[np.argsort(ends[by_start], kind="mergesort")]
    by_start = by_start[np.argsort(starts[by_start], kind="mergesort")]
    starts, ends, diag = starts[by_start], ends[by_start], diag[by_start]
    # Stretches of `a` whose fragments lie within max_gap of each other; keep those matching min_words words.
    keep = np.zeros(count, dtype=np.bool_)
    first = matched = reach = 0
    for i in range(count + 1):
        if i == count or (i > 0 and starts[i] > reach + max_gap):
            if matched >= min_words:
                keep[first:i] = True
            if i == count:
                break
            first, matched = i, 0
        matched += ends[i] - starts[i]
        reach = ends[i] if i == first else max(reach, ends[i])
    return starts[keep], ends[keep], diag[keep]


def _chain(fragments: Fragments, max_gap: int, min_similarity: float, min_matched: int = 0) -> list[_Chain]:
    """Group fragments into chains whose neighbours lie within `max_gap` tokens in both texts.

    A fragment joins the nearest open chain that stays at least `min_similarity` dense with it, so two passages
    with unrelated text between them stay two passages instead of becoming one too sparse to report. The loop runs
    compiled (`_chain_kernel`); this wraps its arrays back into chains, leaving out those with fewer than
    `min_matched` matched tokens.
    """
    if len(fragments.starts) == 0:
        return []
    order, assign, bounds = _chain_kernel(*fragments, max_gap, min_similarity)
    order = order[bounds[order, 4] >= min_matched]
    members: dict[int, list[tuple[int, int, int]]] = {c: [] for c in order.tolist()}
    wanted = np.zeros(len(bounds), dtype=np.bool_)
    wanted[order] = True
    chosen = np.flatnonzero(wanted[assign])
    for c, s, e, d in zip(
        assign[chosen].tolist(),
        fragments.starts[chosen].tolist(),
        fragments.ends[chosen].tolist(),
        fragments.diags[chosen].tolist(),
        strict=True,
    ):
        members[c].append((s, e, d))
    return [
        _Chain(
            int(bounds[c, 0]), int(bounds[c, 1]), int(bounds[c, 2]), int(bounds[c, 3]), members[c], int(bounds[c, 4])
        )
        for c in order.tolist()
    ]


@njit(cache=True)
def _chain_kernel(
    starts: I64Array, ends: I64Array, diags: I64Array, max_gap: int, min_similarity: float
) -> tuple[I64Array, I64Array, I64Array]:  # pragma: no cover - compiled; checked against a pure reference in tests
    """Assign each fragment (sorted by start) to a chain; return the chains in closing order, each fragment's
    chain, and per chain (a_start, a_end, b_start, b_end, matched)."""
    n = len(starts)
    bounds = np.zeros((n, 5), dtype=np.int64)
    assign = np.zeros(n, dtype=np.int64)
    head = np.full(n, -1, dtype=np.int64)  # each chain's fragments as a linked list through `link`
    link = np.full(n, -1, dtype=np.int64)
    open_ids = np.zeros(n, dtype=np.int64)
    order = np.zeros(n, dtype=np.int64)
    n_open = n_done = n_chains = 0
    for f in range(n):
        a0, a1, d = starts[f], ends[f], diags[f]
        b0, b1 = a0 + d, a1 + d
        kept = 0
        for i in range(n_open):
            c = open_ids[i]
            if bounds[c, 1] + max_gap >= a0:
                open_ids[kept] = c
                kept += 1
            else:
                order[n_done] = c
                n_done += 1
        n_open = kept
        best, best_gap = -1, 2 * max_gap + 1
        for i in range(n_open):
            c = open_ids[i]
            ca0, ca1, cb0, cb1, matched = bounds[c, 0], bounds[c, 1], bounds[c, 2], bounds[c, 3], bounds[c, 4]
            gap_a = max(a0 - ca1, 0)
            gap_b = max(b0 - cb1, cb0 - b1, 0)
            span = max(max(a1, ca1) - ca0, max(b1, cb1) - min(b0, cb0))
            dense = matched + a1 - a0 >= min_similarity * span
            if gap_b <= max_gap and gap_a + gap_b < best_gap and dense:
                # Skip a fragment that re-covers, on either side, most of one the chain already holds: a phrase
                # occurring twice in one text would stretch the passage over unrelated text.
                repeats = False
                g = head[c]
                while g >= 0:
                    s, e, fd = starts[g], ends[g], diags[g]
                    shorter = min(a1 - a0, e - s)
                    overlap_a = min(a1, e) - max(a0, s)
                    overlap_b = min(a1 + d, e + fd) - max(a0 + d, s + fd)
                    if 2 * max(overlap_a, overlap_b) > shorter:
                        repeats = True
                        break
                    g = link[g]
                if not repeats:
                    best, best_gap = c, gap_a + gap_b
        if best < 0:
            c = n_chains
            n_chains += 1
            bounds[c, 0], bounds[c, 1], bounds[c, 2], bounds[c, 3], bounds[c, 4] = a0, a1, b0, b1, a1 - a0
            open_ids[n_open] = c
            n_open += 1
        else:
            c = best
            bounds[c, 1] = max(bounds[c, 1], a1)
            bounds[c, 2], bounds[c, 3] = min(bounds[c, 2], b0), max(bounds[c, 3], b1)
            bounds[c, 4] += a1 - a0
        assign[f] = c
        link[f] = head[c]
        head[c] = f
    for i in range(n_open):
        order[n_done] = open_ids[i]
        n_done += 1
    return order[:n_done], assign, bounds[:n_chains]


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


def _unshadowed(fragments: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the fragments that do not mostly lie, in either text, on words that a longer fragment of the passage
    already matched (the longest are taken first).

    Such a fragment is a phrase the passage repeats ("the Youth Sports Complex") matched with its other
    occurrence: it adds no matched words, yet it would stretch the passage over text before or after the reuse.
    """
    if len(fragments) == 1:
        return fragments
    frags = np.asarray(fragments, dtype=np.int64)
    keep = _unshadowed_kernel(frags[:, 0], frags[:, 1], frags[:, 2])
    return [f for f, k in zip(fragments, keep.tolist(), strict=True) if k]


@njit(cache=True)
def _unshadowed_kernel(
    starts: I64Array, ends: I64Array, diags: I64Array
) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled; checked against a pure reference in tests
    """Mark the fragments kept by `_unshadowed`, marking each kept fragment's words as taken in both texts."""
    a0, b0 = starts.min(), (starts + diags).min()
    taken_a = np.zeros(ends.max() - a0, dtype=np.bool_)
    taken_b = np.zeros((ends + diags).max() - b0, dtype=np.bool_)
    keep = np.zeros(len(starts), dtype=np.bool_)
    for f in np.argsort(starts - ends, kind="mergesort"):
        s, e, d = starts[f] - a0, ends[f] - a0, starts[f] + diags[f] - b0
        if 2 * taken_a[s:e].sum() <= e - s and 2 * taken_b[d : d + e - s].sum() <= e - s:
            keep[f] = True
            taken_a[s:e] = True
            taken_b[d : d + e - s] = True
    return keep


def _covered(intervals: list[tuple[int, int]]) -> int:
    """Return how many positions the union of half-open intervals covers."""
    total, reach = 0, -1
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total
