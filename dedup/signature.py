"""Per-article signatures from one shingle array: the document MinHash and the passage fingerprints.

The document MinHash is one-permutation hashing with optimal densification (Shrivastava, ICML 2017): each shingle
is hashed once, its high bits pick one of `num_perm` bins and its low 32 bits compete for that bin's minimum; an
empty bin copies the value of a bin chosen by a seeded hash chain. Two sets agree in a bin with probability equal
to their Jaccard similarity, as with `num_perm` independent permutations, at the cost of one hash per shingle.
Passage fingerprints are winnowing minima (Schleimer, Wilkerson and Aiken, SIGMOD 2003): the least hash in every
window of `window` consecutive shingles, under `passage_perms` independent hash permutations. Two texts sharing a
verbatim run of `window + k - 1` tokens share at least one fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from numba import njit

import dedup.compiled  # noqa: F401  (decides where the kernels below are cached)
from dedup.records import U64Array
from dedup.shingle import _fmix64, _kgrams, distinct, fmix64

U32Array = npt.NDArray[np.uint32]
EMPTY_HASH = np.uint32(0xFFFFFFFF)
MINHASH_SCHEME = "oph-densified"
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_MAX_PROBES = 1 << 16


@lru_cache(maxsize=8)
def passage_salts(passage_perms: int, seed: int) -> U64Array:
    """Return one 64-bit salt per passage permutation, derived from `seed` alone."""
    state = np.random.RandomState(seed)
    return state.randint(0, 2**63, size=passage_perms, dtype=np.int64).astype(np.uint64) * np.uint64(2) + 1


def document_salts(seed: int) -> tuple[np.uint64, np.uint64]:
    """Return the two salts of the document MinHash (bin hash, densification chain), derived from `seed` alone."""
    mixed = fmix64(np.array([seed, seed ^ 0x5BD1E995], dtype=np.uint64) ^ np.uint64(0x9E3779B97F4A7C15))
    return mixed[0], mixed[1]


@njit(cache=True, inline="always")
def _bin(x: np.uint64, bins: np.uint64) -> int:
    return int(((x >> _S32) * bins) >> _S32)


@njit(cache=True)
def _oph(shingles: U64Array, num_perm: int, salt: np.uint64, chain: np.uint64) -> U32Array:
    result = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    filled = np.zeros(num_perm, dtype=np.bool_)
    bins = np.uint64(num_perm)
    for i in range(len(shingles)):
        x = _fmix64(shingles[i] ^ salt)
        b = _bin(x, bins)
        # No branch: which bin a shingle falls in, and whether it lowers it, cannot be predicted.
        result[b] = min(result[b], np.uint32(x & _LOW32))
        filled[b] = True
    if len(shingles) == 0:
        return result
    for target in np.flatnonzero(~filled):
        for attempt in range(1, _MAX_PROBES):
            source = _bin(_fmix64(chain ^ ((np.uint64(target) << _S32) | np.uint64(attempt))), bins)
            if filled[source]:
                result[target] = result[source]
                break
        else:
            result[target] = result[np.flatnonzero(filled)[0]]
    return result


@njit(cache=True)
def _winnow(shingles: U64Array, window: int, salts: U64Array) -> U64Array:
    n = len(shingles)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    width = max(n - window + 1, 1)
    span = min(window, n)
    out = np.empty(width * len(salts), dtype=np.uint64)
    count = 0
    permuted = np.empty(n, dtype=np.uint64)
    minima = np.empty(width, dtype=np.uint64)
    for salt in salts:
        for i in range(n):
            permuted[i] = _fmix64(shingles[i] ^ salt)
        _sliding_min(permuted, span, minima)
        for i in range(width):
            out[count] = minima[i]
            count += i == 0 or minima[i] != minima[i - 1]
    return out[:count]


def document_minhash(shingles: U64Array, num_perm: int, seed: int) -> U32Array:
    """Return the MinHash hash values of the set of `shingles` (all 0xFFFFFFFF for an empty set)."""
    salt, chain = document_salts(seed)
    return _oph(np.ascontiguousarray(shingles, dtype=np.uint64), num_perm, salt, chain)


def passage_fingerprints(shingles: U64Array, window: int, passage_perms: int, seed: int) -> U64Array:
    """Return the winnowing fingerprints of a shingle array over every permutation (no two neighbours equal).

    A text with fewer shingles than `window` yields its single least shingle per permutation.
    """
    return _winnow(np.ascontiguousarray(shingles, dtype=np.uint64), window, passage_salts(passage_perms, seed))


@dataclass(frozen=True, slots=True)
class Signature:
    """One article's signatures: its shingles, document MinHash, passage fingerprints and trigram keys.

    The trigram keys are the low 32 bits of the hashes of its word trigrams, in text order: where two articles
    share many of them close together in one text, they share a passage, verbatim or reworded (`shared_density`).
    """

    shingles: U64Array
    minhash: U32Array
    fingerprints: U64Array
    trigrams: U32Array


class Signer:
    """Compute the signatures of token-hash arrays for one fixed set of parameters."""

    __slots__ = ("_chain", "_passage_salts", "_salt", "num_perm", "shingle_size", "window")

    def __init__(self, shingle_size: int, num_perm: int, window: int, passage_perms: int, seed: int) -> None:
        self.shingle_size, self.num_perm, self.window = shingle_size, num_perm, window
        self._salt, self._chain = document_salts(seed)
        self._passage_salts = passage_salts(passage_perms, seed)

    def sign(self, token_hashes: U64Array) -> Signature:
        """Return the signatures of one article's token hashes."""
        return Signature(
            *_sign(
                token_hashes,
                self.shingle_size,
                self.num_perm,
                self._salt,
                self._chain,
                self.window,
                self._passage_salts,
            )
        )


@njit(cache=True)
def _sign(
    token_hashes: U64Array, k: int, num_perm: int, salt: np.uint64, chain: np.uint64, window: int, salts: U64Array
) -> tuple[U64Array, U32Array, U64Array, U32Array]:
    """All the signatures in one call: shingles, document MinHash, passage fingerprints, trigram keys."""
    shingles = _kgrams(token_hashes, k)
    trigrams = (_kgrams(token_hashes, 3) & _LOW32).astype(np.uint32)
    return shingles, _oph(shingles, num_perm, salt, chain), _winnow(shingles, window, salts), trigrams


@njit(cache=True)
def key_set(keys: U32Array) -> tuple[U64Array, U32Array]:
    """Return a set of 32-bit keys: a bitmap of their low 16 bits (8 kB, which stays in the first-level cache) and an
    open-addressing table of the keys (0 marks an empty slot, so key 0 is stored as 1). Most keys looked up are not
    in the set, and the bitmap alone answers for nearly all of them."""
    bits = np.zeros(1 << 10, dtype=np.uint64)
    size = 1 << max(1, int(np.ceil(np.log2(2 * len(keys) + 2))))
    table = np.zeros(size, dtype=np.uint32)
    mask = size - 1
    for key in keys:
        bits[(key >> 6) & 0x3FF] |= np.uint64(1) << np.uint64(key & 63)
        value = max(key, np.uint32(1))
        slot = int(value) & mask
        while table[slot] != 0 and table[slot] != value:
            slot = (slot + 1) & mask
        table[slot] = value
    return bits, table


@njit(cache=True, inline="always")
def _in_set(bits: U64Array, table: U32Array, key: np.uint32) -> bool:
    if (bits[(key >> 6) & 0x3FF] >> np.uint64(key & 63)) & np.uint64(1) == 0:
        return False
    mask = len(table) - 1
    value = max(key, np.uint32(1))
    slot = int(value) & mask
    while table[slot] != 0:
        if table[slot] == value:
            return True
        slot = (slot + 1) & mask
    return False


@njit(cache=True)
def shared_density(
    bits: U64Array, table: U32Array, other: U32Array, span: int, least: int, run: int
) -> tuple[bool, bool]:
    """Tell whether `least` of any `span` consecutive keys of `other` are in the set (`bits`, `table`: from
    `key_set`), and whether `run` consecutive ones are (for trigram keys: a verbatim run of `run + 2` words, up to
    32-bit collisions)."""
    last = np.empty(least, dtype=np.int64)  # where the latest `least` keys found stand, in a ring
    found = consecutive = 0
    dense = False
    for i in range(len(other)):
        if not _in_set(bits, table, other[i]):
            consecutive = 0
            continue
        consecutive += 1
        if consecutive >= run:
            return True, True
        last[found % least] = i
        if found >= least - 1 and i - last[(found + 1) % least] < span:
            dense = True
        found += 1
    return dense, False


@njit(cache=True)
def shares_near(bits: U64Array, table: U32Array, other: U32Array, span: int, least: int) -> bool:
    """Tell whether at least `least` of any `span` consecutive keys of `other` are in the set (from `key_set`)."""
    return least <= 0 or shared_density(bits, table, other, span, least, len(other) + 1)[0]


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
    return _content_words(token_hashes, *_stop_table())


@lru_cache(maxsize=1)
def _stop_table() -> tuple[U64Array, int]:
    """Return the function-word hashes in a table where each sits in the slot its own bits name, and the shift that
    picks those bits: a lookup is one load and one comparison, with no branch to mispredict (`_is_stop`). An empty
    slot holds a value whose bits name another slot, so no hash matches it."""
    hashes = stop_word_hashes()
    for bits in range(11, 17):
        mask = np.uint64((1 << bits) - 1)
        for shift in range(64 - bits + 1):
            slots = (hashes >> np.uint64(shift)) & mask
            if len(np.unique(slots)) == len(hashes):
                table = (np.arange(1 << bits, dtype=np.uint64) ^ np.uint64(1)) << np.uint64(shift)
                table[slots] = hashes
                return table, shift
    raise AssertionError("no collision-free slots for the function words")


@njit(cache=True)
def _content_words(token_hashes: U64Array, stop: U64Array, shift: int) -> U64Array:
    keep = np.empty(len(token_hashes), dtype=np.uint64)
    n = 0
    for value in token_hashes:
        keep[n] = value
        n += not _is_stop(value, stop, shift)
    return keep[:n]


@njit(cache=True, inline="always")
def _is_stop(value: np.uint64, stop: U64Array, shift: int) -> bool:
    """Tell whether a token hash is in the function-word table (`_stop_table`)."""
    return bool(stop[np.int64((value >> np.uint64(shift)) & np.uint64(len(stop) - 1))] == value)


def window_signatures(content: U64Array, width: int, bands: int, seed: int, rows: int = 2) -> U64Array:
    """Return the distinct band keys of every window of `width` content words (first occurrence first), over
    `bands` bands.

    A text with fewer content words than `width` is one window.
    """
    if len(content) == 0 or bands == 0:
        return np.zeros(0, dtype=np.uint64)
    return distinct(_window_keys(content, width, bands, rows, *_window_salts(bands, rows, seed)))


def _band_salts(bands: int, rows: int, seed: int, row_tag: int, band_tag: int) -> tuple[U64Array, U64Array]:
    """Return the row salts and the band salts of band keys, derived from `seed` and the tags of one kind of key
    (so that window and sentence keys never share salts)."""
    band_numbers = np.arange(1, bands + 1, dtype=np.uint64) ^ np.uint64(band_tag)
    return passage_salts(rows * bands, seed ^ row_tag), fmix64(band_numbers)


def _window_salts(bands: int, rows: int, seed: int) -> tuple[U64Array, U64Array]:
    """Return the row salts and the band salts of the window signatures."""
    return _band_salts(bands, rows, seed, 0x5EED, 0)


class Windower:
    """Compute the window signature keys of token-hash arrays for one fixed set of parameters, in one compiled call
    (function words dropped, band keys of every window, distinct keys): the same keys as `content_words` followed
    by `window_signatures`."""

    __slots__ = ("_band_salts", "_salts", "_stop", "_stop_shift", "bands", "rows", "width")

    def __init__(self, width: int, bands: int, rows: int, seed: int) -> None:
        self.width, self.bands, self.rows = width, bands, rows
        self._salts, self._band_salts = _window_salts(bands, rows, seed)
        self._stop, self._stop_shift = _stop_table()

    def keys(self, token_hashes: U64Array) -> U64Array:
        """Return the distinct band keys of an article's token hashes (first occurrence first)."""
        return _article_window_keys(
            token_hashes,
            self._stop,
            self._stop_shift,
            self.width,
            self.bands,
            self.rows,
            self._salts,
            self._band_salts,
        )


@njit(cache=True)
def _article_window_keys(
    token_hashes: U64Array,
    stop: U64Array,
    stop_shift: int,
    width: int,
    bands: int,
    rows: int,
    salts: U64Array,
    band_salts: U64Array,
) -> U64Array:
    content = _content_words(token_hashes, stop, stop_shift)
    if len(content) == 0 or bands == 0:
        return np.zeros(0, dtype=np.uint64)
    return distinct(_window_keys(content, width, bands, rows, salts, band_salts))


@njit(cache=True)
def _window_keys(
    content: U64Array, width: int, bands: int, rows: int, salts: U64Array, band_salts: U64Array
) -> U64Array:
    n = len(content)
    count = max(n - width + 1, 1)
    span = min(width, n)
    keys = np.empty(count * bands, dtype=np.uint64)
    permuted = np.empty(n, dtype=np.uint64)
    smallest = np.empty(count, dtype=np.uint64)
    for band in range(bands):
        key = keys[band * count : (band + 1) * count]
        key[:] = band_salts[band]
        for row in range(rows):
            salt = salts[band * rows + row]
            for i in range(n):
                permuted[i] = _fmix64(content[i] ^ salt)
            _sliding_min(permuted, span, smallest)
            for i in range(count):
                key[i] = _fmix64(key[i] * _KEY_MIX + smallest[i])
    return keys


_KEY_MIX = np.uint64(0xC2B2AE3D27D4EB4F)


# ---------------------------------------------------------------------------------------------------------------
# Sentence signatures: a third candidate source, for reuse reworded sentence by sentence.
#
# A paraphrased or round-trip translated sentence keeps about half of its content words in another order, so it
# shares no verbatim run and few window keys. The key of a sentence under one band is the combination of the least
# content word of the sentence under `rows` salted permutations: two sentences collide in a band with probability
# about J**rows, J being the Jaccard similarity of their content-word sets.


def sentence_breaks(text: str, starts: npt.NDArray[np.int32], ends: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
    """Return, for each token (character spans `starts`, `ends` in `text`), whether a sentence starts with it: the
    first token, and any token after a full stop, question or exclamation mark, or a blank line."""
    if text.isascii():  # one byte per character: the same offsets, a quarter of the bytes
        return _sentence_breaks(np.frombuffer(text.encode("ascii"), dtype=np.uint8), starts, ends)
    return _sentence_breaks(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), starts, ends)


@njit(cache=True)
def _sentence_breaks(
    chars: npt.NDArray[np.uint8] | npt.NDArray[np.uint32], starts: npt.NDArray[np.int32], ends: npt.NDArray[np.int32]
) -> npt.NDArray[np.bool_]:
    breaks = np.zeros(len(starts), dtype=np.bool_)
    if len(starts):
        breaks[0] = True
    for t in range(1, len(starts)):
        newlines = 0
        for i in range(ends[t - 1], starts[t]):
            c = chars[i]
            if c == 0x2E or c == 0x21 or c == 0x3F or c == 0x3002 or c == 0xFF01 or c == 0xFF1F:  # .!? and CJK
                breaks[t] = True
                break
            if c == 0x0A:
                newlines += 1
                if newlines == 2:
                    breaks[t] = True
                    break
    return breaks


class Sentencer:
    """Compute the sentence signature keys of an article for one fixed set of parameters: for every sentence with at
    least `min_words` distinct content words, one key per band (the combined minima of `rows` permutations)."""

    __slots__ = ("_band_salts", "_salts", "_stop", "_stop_shift", "bands", "min_words", "rows")

    def __init__(self, bands: int, rows: int, min_words: int, seed: int) -> None:
        self.bands, self.rows, self.min_words = bands, rows, min_words
        self._salts, self._band_salts = _band_salts(bands, rows, seed, 0x5E27, 0x5E27)
        self._stop, self._stop_shift = _stop_table()

    def keys(self, token_hashes: U64Array, breaks: npt.NDArray[np.bool_]) -> U64Array:
        """Return the distinct sentence keys of an article's token hashes, sentences starting where `breaks` says."""
        return _sentence_keys(
            token_hashes,
            breaks,
            self._stop,
            self._stop_shift,
            self.min_words,
            self.bands,
            self.rows,
            self._salts,
            self._band_salts,
        )


@njit(cache=True)
def _sentence_keys(
    token_hashes: U64Array,
    breaks: npt.NDArray[np.bool_],
    stop: U64Array,
    stop_shift: int,
    min_words: int,
    bands: int,
    rows: int,
    salts: U64Array,
    band_salts: U64Array,
) -> U64Array:
    n = len(token_hashes)
    content = np.empty(n, dtype=np.uint64)
    sentence = np.empty(n, dtype=np.int64)
    kept = 0
    current = -1
    for t in range(n):
        if breaks[t]:
            current += 1
        value = token_hashes[t]
        if not _is_stop(value, stop, stop_shift):
            content[kept] = value
            sentence[kept] = current
            kept += 1
    perms = len(salts)
    least = np.empty(perms, dtype=np.uint64)
    keys = np.empty(max(current + 1, 1) * bands, dtype=np.uint64)
    count = 0
    start = 0
    while start < kept:
        end = start + 1
        while end < kept and sentence[end] == sentence[start]:
            end += 1
        if end - start >= min_words and len(distinct(content[start:end])) >= min_words:
            least[:] = np.uint64(0xFFFFFFFFFFFFFFFF)
            for i in range(start, end):
                word = content[i]
                for j in range(perms):
                    # Multiply-shift permutations of the (already mixed) word hashes: one multiply per word and row.
                    least[j] = min(least[j], word * salts[j])
            for band in range(bands):
                key = band_salts[band]
                for row in range(rows):
                    key = _fmix64(key * _KEY_MIX + least[band * rows + row])
                keys[count] = key
                count += 1
        start = end
    return distinct(keys[:count])


# Up to this width the least of each window is found directly, one pass over the windows per position in them (the
# compiler vectorizes each pass); wider windows take van Herk / Gil-Werman's three passes, whose cost does not grow
# with the width.
_DIRECT_MIN_WIDTH = 16


@njit(cache=True)
def _sliding_min(values: U64Array, width: int, out: U64Array) -> None:
    """Write the least of every `width` consecutive values into `out`."""
    if width <= _DIRECT_MIN_WIDTH:
        windows = len(out)
        out[:] = values[:windows]
        for j in range(1, width):
            for i in range(windows):
                out[i] = min(out[i], values[i + j])
        return
    n = len(values)
    ahead = np.empty(n, dtype=np.uint64)  # least from the start of each block to here
    behind = np.empty(n, dtype=np.uint64)  # least from here to the end of each block
    for i in range(n):
        ahead[i] = values[i] if i % width == 0 else min(ahead[i - 1], values[i])
    for i in range(n - 1, -1, -1):
        behind[i] = values[i] if i == n - 1 or (i + 1) % width == 0 else min(behind[i + 1], values[i])
    for i in range(len(out)):
        out[i] = min(behind[i], ahead[i + width - 1])
