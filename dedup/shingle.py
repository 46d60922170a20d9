"""Hash tokens and word k-grams (shingles) into uint64 arrays with vectorized integer arithmetic.

A token's hash is a polynomial over its normalized bytes, summed per token with `np.add.reduceat`, then passed
through the MurmurHash3 64-bit finalizer; a k-gram's hash combines k token hashes by Horner's rule. No string is
joined and no Python code runs per token or per shingle.
"""

from __future__ import annotations

import numpy as np

from dedup.normalize import Normalized
from dedup.records import U64Array

_BASE = np.uint64(0x100000001B3)  # the 64-bit FNV prime; odd, so powers never vanish modulo 2**64
_KGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
_LENGTH_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
_powers = np.ones(1, dtype=np.uint64)


def fmix64(values: U64Array) -> U64Array:
    """Apply the MurmurHash3 64-bit finalizer, an avalanching bijection on uint64 (wrapping arithmetic)."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB93FE53B3A4F)
    return values ^ (values >> np.uint64(33))


def _power_table(length: int) -> U64Array:
    """Return _BASE**i modulo 2**64 for i < length, growing a cached table as needed."""
    global _powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        table = np.full(size, _BASE, dtype=np.uint64)
        table[0] = 1
        _powers = np.cumprod(table, dtype=np.uint64)
    return _powers[:length]


def hash_tokens(tokens: Normalized) -> U64Array:
    """Return one uint64 hash per token, a function of the token's normalized bytes only."""
    n = len(tokens)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    lengths = tokens.byte_ends - tokens.byte_starts
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(offsets, lengths)
    byte_index = np.repeat(tokens.byte_starts, lengths) + within
    exponents = np.repeat(lengths - 1, lengths) - within
    terms = (tokens.data[byte_index].astype(np.uint64) + np.uint64(1)) * _power_table(int(lengths.max()))[exponents]
    sums = np.add.reduceat(terms, offsets).astype(np.uint64)
    return fmix64(sums ^ (lengths.astype(np.uint64) * _LENGTH_MIX))


def kgram_hashes(token_hashes: U64Array, k: int) -> U64Array:
    """Return the hash of every run of `k` consecutive tokens (len(token_hashes) - k + 1 of them)."""
    m = len(token_hashes) - k + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    combined = token_hashes[:m].copy()
    for offset in range(1, k):
        combined = combined * _KGRAM_BASE + token_hashes[offset : offset + m]
    return fmix64(combined)
