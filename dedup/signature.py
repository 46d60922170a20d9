"""Per-article signatures from one shingle array: the document MinHash and the passage fingerprints.

The document MinHash uses datasketch's `affine32` permutations (same seed, same values as
`datasketch.MinHash(num_perm, seed).update_batch` fed the low 32 bits of our shingle hashes), so it can be
indexed by `datasketch.MinHashLSH`. Passage fingerprints are winnowing minima (Schleimer, Wilkerson and Aiken,
SIGMOD 2003): the least hash in every window of `window` consecutive shingles, under `passage_perms` independent
hash permutations. Two texts sharing a verbatim run of `window + k - 1` tokens share at least one fingerprint.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

from dedup.records import U64Array
from dedup.shingle import fmix64

U32Array = npt.NDArray[np.uint32]
EMPTY_HASH = np.uint32(0xFFFFFFFF)
_ROWS_PER_BLOCK = 4096


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32Array, U32Array]:
    """Return datasketch's affine32 permutation parameters (a, b) for `num_perm` and `seed`."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


@lru_cache(maxsize=8)
def passage_salts(passage_perms: int, seed: int) -> U64Array:
    """Return one 64-bit salt per passage permutation, derived from `seed` alone."""
    state = np.random.RandomState(seed)
    return state.randint(0, 2**63, size=passage_perms, dtype=np.int64).astype(np.uint64) * np.uint64(2) + 1


def fmix32(values: U32Array) -> U32Array:
    """Apply the MurmurHash3 32-bit finalizer, as datasketch does before its affine32 permutations."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def document_minhash(shingles: U64Array, num_perm: int, seed: int) -> U32Array:
    """Return the MinHash hash values of the set of `shingles` (all 0xFFFFFFFF for an empty set)."""
    a, b = permutations(num_perm, seed)
    result = np.full(num_perm, EMPTY_HASH, dtype=np.uint32)
    mixed = fmix32((shingles & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    for start in range(0, len(mixed), _ROWS_PER_BLOCK):
        block = mixed[start : start + _ROWS_PER_BLOCK, None] * a + b
        np.minimum(result, block.min(axis=0), out=result)
    return result


def passage_fingerprints(shingles: U64Array, window: int, passage_perms: int, seed: int) -> U64Array:
    """Return the distinct winnowing fingerprints of a shingle array, sorted, over every permutation.

    A text with fewer shingles than `window` yields its single least shingle per permutation.
    """
    n = len(shingles)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    width = max(n - window + 1, 1)
    minima: list[U64Array] = []
    for salt in passage_salts(passage_perms, seed):
        permuted = fmix64(shingles ^ salt)
        smallest = permuted[:width].copy()
        for offset in range(1, min(window, n)):
            np.minimum(smallest, permuted[offset : offset + width], out=smallest)
        minima.append(smallest)
    return np.unique(np.concatenate(minima))


# ---------------------------------------------------------------------------------------------------------------
# Window signatures: a second candidate source for reworded passages.
#
# Passage fingerprints need a verbatim run of `min_words` words; a passage with a word changed every few words has
# none. Window signatures are MinHash bands over the *set* of content words in every window of `width` consecutive
# content words (function words left out): the key of a window under one band is its least word under two salted
# permutations, so two windows collide with a probability that grows with their word-set Jaccard, whatever the
# word order. Consecutive windows share most keys, so an article yields few distinct keys per band.

# Frequent English function words: they occur in nearly every window and would make unrelated windows look alike.
STOP_WORDS = (
    "a about after all also an and any are as at be been before being but by can could did do does for from had "
    "has have he her his i if in into is it its more most no not of on one or other our out over said says she "
    "so some such than that the their them then there these they this those to up was we were what when which "
    "who will with would you"
)


@lru_cache(maxsize=1)
def stop_word_hashes() -> U64Array:
    """Return the sorted token hashes of `STOP_WORDS`, hashed exactly as article tokens are."""
    from dedup.normalize import normalize_text
    from dedup.shingle import hash_tokens

    return np.unique(hash_tokens(normalize_text(STOP_WORDS)))


def content_words(token_hashes: U64Array) -> U64Array:
    """Return the token hashes that are not function words, in text order."""
    return token_hashes[~np.isin(token_hashes, stop_word_hashes())]


def window_signatures(content: U64Array, width: int, bands: int, seed: int, rows: int = 2) -> U64Array:
    """Return the distinct band keys of every window of `width` content words, sorted, over `bands` bands.

    A text with fewer content words than `width` is one window.
    """
    n = len(content)
    if n == 0 or bands == 0:
        return np.zeros(0, dtype=np.uint64)
    count = max(n - width + 1, 1)
    salts = passage_salts(rows * bands, seed ^ 0x5EED)
    keys: list[U64Array] = []
    for band in range(bands):
        minima = []
        for salt in salts[rows * band : rows * band + rows]:
            permuted = fmix64(content ^ salt)
            smallest = permuted[:count].copy()
            for offset in range(1, min(width, n)):
                np.minimum(smallest, permuted[offset : offset + count], out=smallest)
            minima.append(smallest)
        band_salt = fmix64(np.array([band + 1], dtype=np.uint64))[0]
        key = np.full(count, band_salt, dtype=np.uint64)
        for smallest in minima:
            key = fmix64(key * np.uint64(0xC2B2AE3D27D4EB4F) + smallest)
        keys.append(key)
    return np.unique(np.concatenate(keys))
