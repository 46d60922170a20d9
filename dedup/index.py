"""Indexes of earlier articles: passage fingerprints (hash -> articles) and document MinHash-LSH bands.

Both keep articles by their sequence number in the stream. The fingerprint index stops growing a hash's posting
list at `max_df` articles and ignores that hash from then on, so boilerplate and stock phrases stop producing
candidate pairs.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from dedup.records import I32Array, U64Array
from dedup.shingle import KGRAM_BASE, _fmix64
from dedup.signature import U32Array

_EMPTY = -1


@njit(cache=True)
def _find(keys: U64Array, heads: I32Array, key: np.uint64) -> np.int64:
    """Return the slot holding `key`, or the empty slot where it belongs (linear probing)."""
    mask = len(keys) - 1
    # Fingerprints are window minima, so their high bits lean to zero: the slot comes from the low bits.
    slot = np.int64((key ^ (key >> np.uint64(31))) & np.uint64(mask))
    while heads[slot] != _EMPTY and keys[slot] != key:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def _candidates(
    keys: U64Array, heads: I32Array, counts: I32Array, docs: I32Array, nexts: I32Array, fps: U64Array, max_df: int
) -> I32Array:
    found = np.empty(64, dtype=np.int32)
    n = 0
    for fp in fps:
        slot = _find(keys, heads, fp)
        if heads[slot] == _EMPTY or counts[slot] >= max_df:
            continue
        posting = heads[slot]
        while posting != _EMPTY:
            if n == len(found):
                grown = np.empty(2 * n, dtype=np.int32)
                grown[:n] = found
                found = grown
            found[n] = docs[posting]
            n += 1
            posting = nexts[posting]
    return np.unique(found[:n])


@njit(cache=True)
def _insert(
    keys: U64Array,
    heads: I32Array,
    counts: I32Array,
    docs: I32Array,
    nexts: I32Array,
    used: int,
    postings: int,
    seq: int,
    fps: U64Array,
    max_df: int,
) -> tuple[int, int]:
    """Add `seq` under each fingerprint; return the new numbers of used slots and postings (caller keeps room)."""
    for fp in fps:
        slot = _find(keys, heads, fp)
        head = heads[slot]
        if head == _EMPTY:
            keys[slot] = fp
            used += 1
        elif counts[slot] >= max_df or docs[head] == seq:
            continue
        docs[postings] = seq
        nexts[postings] = head
        heads[slot] = postings
        counts[slot] += 1
        postings += 1
    return used, postings


@njit(cache=True)
def _rehash(
    keys: U64Array, heads: I32Array, counts: I32Array, new_keys: U64Array, new_heads: I32Array, new_counts: I32Array
) -> None:
    for slot in range(len(keys)):
        if heads[slot] != _EMPTY:
            target = _find(new_keys, new_heads, keys[slot])
            new_keys[target] = keys[slot]
            new_heads[target] = heads[slot]
            new_counts[target] = counts[slot]


class FingerprintIndex:
    """Map each passage fingerprint to the articles that hold it, in flat arrays.

    An open-addressing table (64-bit key, head of its posting chain, posting count) points into one array of
    postings (article, next posting): about 40 bytes a fingerprint, with no Python object per entry.
    """

    def __init__(self, max_df: int, capacity: int = 1 << 16) -> None:
        if max_df < 2:
            raise ValueError("max_df must be at least 2")
        self.max_df = max_df
        size = 1 << max(capacity - 1, 1).bit_length()
        self._keys = np.zeros(size, dtype=np.uint64)
        self._heads = np.full(size, _EMPTY, dtype=np.int32)
        self._counts = np.zeros(size, dtype=np.int32)
        self._docs = np.zeros(size, dtype=np.int32)
        self._nexts = np.zeros(size, dtype=np.int32)
        self._used = 0
        self._postings = 0

    def __len__(self) -> int:
        return self._used

    def nbytes(self) -> int:
        """Return the memory the index holds: the table and the posting arrays."""
        arrays = (self._keys, self._heads, self._counts, self._docs, self._nexts)
        return sum(a.nbytes for a in arrays) + sys.getsizeof(self)

    def candidates(self, fingerprints: U64Array) -> I32Array:
        """Return the articles (sorted) that share at least one fingerprint that is not saturated."""
        return _candidates(self._keys, self._heads, self._counts, self._docs, self._nexts, fingerprints, self.max_df)

    def insert(self, seq: int, fingerprints: U64Array) -> None:
        """Add article `seq` (newer than every article already in) under each of its fingerprints."""
        self._reserve(len(fingerprints))
        self._used, self._postings = _insert(
            self._keys,
            self._heads,
            self._counts,
            self._docs,
            self._nexts,
            self._used,
            self._postings,
            seq,
            fingerprints,
            self.max_df,
        )

    def _reserve(self, extra: int) -> None:
        if self._postings + extra > len(self._docs):
            size = max(2 * len(self._docs), self._postings + extra)
            self._docs = _grown(self._docs, size)
            self._nexts = _grown(self._nexts, size)
        if 4 * (self._used + extra) > 3 * len(self._keys):
            size = 2 * len(self._keys)
            while 4 * (self._used + extra) > 3 * size:
                size *= 2
            keys = np.zeros(size, dtype=np.uint64)
            heads = np.full(size, _EMPTY, dtype=np.int32)
            counts = np.zeros(size, dtype=np.int32)
            _rehash(self._keys, self._heads, self._counts, keys, heads, counts)
            self._keys, self._heads, self._counts = keys, heads, counts


def _grown(array: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    grown = np.zeros(size, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


@lru_cache(maxsize=8)
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return the (bands, rows) that minimize the equally weighted false-positive and false-negative areas.

    This is `datasketch.MinHashLSH`'s rule (its default weights), integrated here with Gauss-Legendre quadrature in
    numpy instead of `scipy.integrate.quad`, so that choosing the bands costs no scipy import.
    """
    nodes, weights = np.polynomial.legendre.leggauss(64)
    below = threshold / 2 * (nodes + 1)
    above = threshold + (1 - threshold) / 2 * (nodes + 1)
    best, choice = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = threshold / 2 * float(weights @ (1 - (1 - below**rows) ** bands))
            false_negative = (1 - threshold) / 2 * float(weights @ ((1 - above**rows) ** bands))
            error = 0.5 * false_positive + 0.5 * false_negative
            if error < best:
                best, choice = error, (bands, rows)
    return choice


@njit(cache=True)
def _band_keys(hashvalues: U32Array, bands: int, rows: int) -> U64Array:
    keys = np.empty(bands, dtype=np.uint64)
    for band in range(bands):
        combined = np.uint64(band + 1) * KGRAM_BASE
        for j in range(band * rows, (band + 1) * rows):
            combined = (combined ^ np.uint64(hashvalues[j])) * KGRAM_BASE
        keys[band] = _fmix64(combined)
    return keys


class DocumentIndex:
    """Whole-document MinHash signatures in LSH bands: articles whose signatures agree on every value of at least
    one band become near-duplicate candidates (Leskovec, Rajaraman and Ullman, Mining of Massive Datasets, ch. 3).

    Each band's values are hashed to one 64-bit key and kept in the same flat table as the fingerprints.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.num_perm = num_perm
        self.bands, self.rows = band_params(threshold, num_perm)
        self._table = FingerprintIndex(max_df=2**31 - 1, capacity=1 << 12)

    def nbytes(self) -> int:
        """Return the memory the band table holds."""
        return self._table.nbytes()

    def band_keys(self, hashvalues: U32Array) -> U64Array:
        """Return the key of each band of a signature."""
        return _band_keys(hashvalues, self.bands, self.rows)

    def query(self, hashvalues: U32Array) -> list[int]:
        """Return the articles (sorted) whose signatures collide with `hashvalues` in at least one band."""
        return list(self._table.candidates(self.band_keys(hashvalues)).tolist())

    def insert(self, seq: int, hashvalues: U32Array) -> None:
        """Add article `seq`'s signature."""
        self._table.insert(seq, self.band_keys(hashvalues))
