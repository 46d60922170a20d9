"""Indexes of earlier articles: passage fingerprints (hash -> articles), document MinHash-LSH bands, window keys,
and every article's trigram keys.

All keep articles by their sequence number in the stream. The fingerprint index stops growing a hash's posting
list at `max_df` articles and ignores that hash from then on, so boilerplate and stock phrases stop producing
candidate pairs.
"""

from __future__ import annotations

import sys
from functools import lru_cache

import numpy as np
from numba import njit

import dedup.compiled  # noqa: F401  (decides where the kernels below are cached)
from dedup.records import BoolArray, I32Array, I64Array, U64Array
from dedup.shingle import KGRAM_BASE, _fmix64, distinct
from dedup.signature import U32Array, key_set, shared_density, shares_near

_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
# The low half of a slot: 0 (empty), the article + 1 (a key one article holds), _CHAIN | the head posting, or
# _SATURATED (a key `max_df` articles hold, ignored from then on).
_CHAIN = np.uint64(1 << 31)
_SATURATED = _LOW32
_TAG_MIX = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _tag(key: np.uint64) -> np.uint64:
    """Return the 32 bits of `key` the table keeps: the high half of `key` times an odd constant, which depends on
    every bit of `key` (fingerprints are window minima, so their own high bits lean to zero)."""
    return (key * _TAG_MIX) >> _S32


@njit(cache=True, inline="always")
def _home(tag: np.uint64, mask: int) -> np.int64:
    """Return the first slot tried for `tag`."""
    return np.int64(tag & np.uint64(mask))


@njit(cache=True)
def _slot(table: U64Array, tag: np.uint64) -> np.int64:
    """Return the slot holding `tag`, or the empty slot where it belongs (linear probing)."""
    mask = len(table) - 1
    slot = _home(tag, mask)
    while (table[slot] & _LOW32) != 0 and (table[slot] >> _S32) != tag:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def _touch(table: U64Array, tags: U64Array) -> np.uint64:
    """Load the home slot of every tag, with no branch between the loads.

    Each tag's slot is a cache miss in a large table. A probe loop waits for each miss in turn (its branches depend
    on the loaded slot); these independent loads run many misses at once, so the probes that follow hit the cache.
    The returned value only keeps the loads from being optimized away.
    """
    mask = len(table) - 1
    acc = np.uint64(0)
    for tag in tags:
        acc ^= table[_home(tag, mask)]
    return acc


@njit(cache=True)
def _tags(keys: U64Array, unique: bool) -> U64Array:
    """Return the tags of `keys`, distinct if `unique` (sorting them costs about as much as the probes' loads)."""
    tags = np.empty(len(keys), dtype=np.uint64)
    for i in range(len(keys)):
        tags[i] = _tag(keys[i])
    return distinct(tags) if unique else tags


@njit(cache=True)
def _probe(
    table: U64Array,
    postings: I32Array,
    used: int,
    count: int,
    seq: int,
    keys: U64Array,
    max_df: int,
    fanout: int,
    collect: bool,
    insert: bool,
    rare: int = 0,
) -> tuple[I32Array, I32Array, int, int]:
    """Collect the (at most `fanout` most recent) articles under each key that is not saturated, each twice under a
    key that at most `rare` of them hold, then (if `insert`) add `seq` under each key.

    A slot is 8 bytes: the key's 32-bit tag, and either its one article (as most keys have) or the head of a
    posting chain, each posting an article, the next posting and the chain's length from there. Returns the
    articles found (sorted, distinct), and the new numbers of used slots and postings; the caller keeps room for
    `len(keys)` more slots and `2 * len(keys)` more postings.
    """
    found = np.empty(64 if collect else 0, dtype=np.int32)
    n = 0
    # When inserting, a tag seen again in `keys` finds `seq` already under it, and is skipped like that.
    tags = _tags(keys, not insert)
    if _touch(table, tags) == np.uint64(1):
        n = 0  # n is 0 already: the test only makes the loads count
    for tag in tags:
        slot = _slot(table, tag)
        value = table[slot] & _LOW32
        if value == 0:
            if insert:
                table[slot] = (tag << _S32) | np.uint64(seq + 1)
                used += 1
            continue
        if value == _SATURATED:
            continue
        ref = np.int64(value) - 1  # the key's one article, when it has one
        if (value & _CHAIN) == 0:
            if collect and ref != seq:
                found, n = _collect(found, n, ref, 2 if rare >= 1 else 1)  # the key's one article
            if not insert or ref == seq:
                continue
            head, length = np.int64(-1), np.int64(1)
        else:
            head = np.int64(value & ~_CHAIN)
            if postings[head, 0] == seq:
                continue
            length = np.int64(postings[head, 2])
            if collect:
                posting = head
                walked = 0
                weight = 2 if length <= rare else 1
                while posting >= 0 and walked < fanout:
                    walked += 1
                    doc = postings[posting, 0]
                    if doc != seq:
                        found, n = _collect(found, n, doc, weight)
                    posting = postings[posting, 1]
            if not insert:
                continue
        if length + 1 >= max_df:
            table[slot] = (tag << _S32) | _SATURATED
            continue
        if head < 0:  # the key's one article becomes the chain's first posting
            postings[count, 0], postings[count, 1], postings[count, 2] = ref, -1, 1
            head = np.int64(count)
            count += 1
        postings[count, 0], postings[count, 1], postings[count, 2] = seq, head, length + 1
        table[slot] = (tag << _S32) | _CHAIN | np.uint64(count)
        count += 1
    docs, shared = _runs(np.sort(found[:n]))
    return docs, shared, used, count


@njit(cache=True, inline="always")
def _collect(found: I32Array, n: int, doc: np.int64, copies: int) -> tuple[I32Array, int]:
    """Append `doc` `copies` times to the first `n` entries of `found`, growing it when full."""
    for _ in range(copies):
        if n == len(found):
            found = _grown(found)
        found[n] = doc
        n += 1
    return found, n


@njit(cache=True)
def _grown(found: I32Array) -> I32Array:
    grown = np.empty(2 * len(found), dtype=np.int32)
    grown[: len(found)] = found
    return grown


@njit(cache=True)
def _runs(values: I32Array) -> tuple[I32Array, I32Array]:
    """Return the distinct values of a sorted array and how often each occurs."""
    distinct = np.empty(len(values), dtype=np.int32)
    counts = np.zeros(len(values), dtype=np.int32)
    n = 0
    for i in range(len(values)):
        if n == 0 or distinct[n - 1] != values[i]:
            distinct[n] = values[i]
            n += 1
        counts[n - 1] += 1
    return distinct[:n], counts[:n]


def _empty_table(size: int) -> U64Array:
    """Return a zero-filled table of `size` slots whose pages are written in order now.

    With `np.zeros` the fresh pages are faulted in by the rehash and the probes that follow, which on Linux with huge
    pages cost several times more than one sequential fill (a rehash into a fresh 512 MB table: 0.2-0.7 s with the
    fill, 0.9-2.0 s without).
    """
    table = np.empty(size, dtype=np.uint64)
    table.fill(0)
    return table


@njit(cache=True)
def _rehash(table: U64Array, new_table: U64Array) -> None:
    for slot in range(len(table)):
        if (table[slot] & _LOW32) != 0:
            new_table[_slot(new_table, table[slot] >> _S32)] = table[slot]


class FingerprintIndex:
    """Map each passage fingerprint to the articles that hold it, in flat arrays.

    An open-addressing table of 8-byte slots (a 32-bit tag of the key; its one article, or the head of its posting
    chain) points into one array of 12-byte postings (article, next posting, chain length): one cache line per
    probe, no Python object per entry, and no posting at all for the many keys that only one article holds.

    Keys are told apart by their tags, so two keys with the same tag share one posting list. Among the 20 million
    keys of a 100,000-article stream, about one key in 200 shares its tag with another; the merged key only adds a
    candidate pair that alignment then checks (two articles sharing a fingerprint or window key by chance), while
    the table is half the size of one holding whole keys, on a path whose cost is memory. An article found under a
    key that at most `rare` articles hold is counted twice (`WindowIndex`).
    """

    def __init__(self, max_df: int, capacity: int = 1 << 16, fanout: int | None = None, rare: int = 0) -> None:
        if max_df < 2:
            raise ValueError("max_df must be at least 2")
        self.max_df, self.rare = max_df, rare
        self.fanout = max_df if fanout is None else fanout
        size = 1 << max(capacity - 1, 1).bit_length()
        self._table = _empty_table(size)
        self._postings = np.zeros((min(size, 1 << 16), 3), dtype=np.int32)
        self._used = 0
        self._count = 0

    def __len__(self) -> int:
        return self._used

    def nbytes(self) -> int:
        """Return the memory the index holds: the table and the posting array."""
        return self._table.nbytes + self._postings.nbytes + sys.getsizeof(self)

    def candidates(self, fingerprints: U64Array) -> I32Array:
        """Return the articles (sorted) that share at least one fingerprint that is not saturated."""
        return self.counted(fingerprints)[0]

    def counted(self, fingerprints: U64Array) -> tuple[I32Array, I32Array]:
        """Return the articles (sorted) sharing unsaturated fingerprints, and how many each shares."""
        docs, shared, _, _ = _probe(
            self._table, self._postings, 0, 0, -1, fingerprints, self.max_df, self.fanout, True, False, self.rare
        )
        return docs, shared

    def insert(self, seq: int, fingerprints: U64Array) -> None:
        """Add article `seq` (newer than every article already in) under each of its fingerprints."""
        self.add(seq, fingerprints, collect=False)

    def add(self, seq: int, fingerprints: U64Array, *, collect: bool = True) -> tuple[I32Array, I32Array]:
        """Return `candidates(fingerprints)` (without `seq` itself), with how many distinct unsaturated
        fingerprints each shares, and insert `seq`: one probe per key."""
        self._reserve(len(fingerprints))
        docs, shared, self._used, self._count = _probe(
            self._table,
            self._postings,
            self._used,
            self._count,
            seq,
            fingerprints,
            self.max_df,
            self.fanout,
            collect,
            True,
            self.rare,
        )
        return docs, shared

    def _reserve(self, extra: int) -> None:
        if self._count + 2 * extra > len(self._postings):
            size = max(len(self._postings) * 3 // 2, self._count + 2 * extra)
            grown = np.empty((size, 3), dtype=np.int32)
            grown[: self._count] = self._postings[: self._count]
            self._postings = grown
        if 4 * (self._used + extra) > 3 * len(self._table):
            size = 2 * len(self._table)
            while 4 * (self._used + extra) > 3 * size:
                size *= 2
            table = _empty_table(size)
            _rehash(self._table, table)
            self._table = table


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

    def add(self, seq: int, hashvalues: U32Array) -> list[int]:
        """Return `query(hashvalues)` and insert article `seq`, in one pass over the bands."""
        return list(self._table.add(seq, self.band_keys(hashvalues))[0].tolist())


class WindowIndex:
    """Map each window signature key to the articles that hold it, and count the keys a new article shares.

    One shared key between two articles is weak evidence (two content words that happen to be the minima of a
    window in both); a reworded passage shares a key in many of its windows. So an earlier article is a candidate
    only when it shares at least `min_shared` keys that are not saturated (held by `max_df` articles or more). A key
    that at most `rare` earlier articles hold (0: none) counts twice: the words of a passage, not of a topic.
    The keys live in the same flat table as the fingerprints.
    """

    def __init__(self, max_df: int, min_shared: int, capacity: int = 1 << 12, rare: int = 0) -> None:
        if max_df < 2 or min_shared < 1:
            raise ValueError("max_df must be at least 2 and min_shared at least 1")
        self.max_df, self.min_shared = max_df, min_shared
        self._table = FingerprintIndex(max_df, capacity=capacity, rare=rare)

    def __len__(self) -> int:
        return len(self._table)

    def nbytes(self) -> int:
        """Return the memory the index holds."""
        return self._table.nbytes()

    def candidates(self, keys: U64Array) -> list[int]:
        """Return the articles (sorted) sharing at least `min_shared` unsaturated keys with `keys`."""
        docs, shared = self._table.counted(keys)
        return list(docs[shared >= self.min_shared].tolist())

    def insert(self, seq: int, keys: U64Array) -> None:
        """Add article `seq` (newer than every article already in) under each of its distinct keys."""
        self._table.insert(seq, keys)

    def add_counted(self, seq: int, keys: U64Array) -> tuple[I32Array, I32Array]:
        """Return every article (sorted, without `seq`) sharing unsaturated keys with `keys`, with how many each
        shares, and insert `seq`, probing each key once."""
        return self._table.add(seq, keys)


@njit(cache=True)
def summed_counts(
    docs: I32Array, counts: I32Array, more_docs: I32Array, more_counts: I32Array
) -> tuple[I32Array, I32Array]:
    """Merge two (articles, key counts) pairs, articles sorted and distinct in each, adding the counts of an article
    found in both."""
    out_docs = np.empty(len(docs) + len(more_docs), dtype=np.int32)
    out_counts = np.empty(len(out_docs), dtype=np.int32)
    n = i = j = 0
    while i < len(docs) or j < len(more_docs):
        if j == len(more_docs) or (i < len(docs) and docs[i] < more_docs[j]):
            out_docs[n], out_counts[n] = docs[i], counts[i]
            i += 1
        elif i == len(docs) or more_docs[j] < docs[i]:
            out_docs[n], out_counts[n] = more_docs[j], more_counts[j]
            j += 1
        else:
            out_docs[n], out_counts[n] = docs[i], counts[i] + more_counts[j]
            i += 1
            j += 1
        n += 1
    return out_docs[:n], out_counts[:n]


class GramStore:
    """Every article's trigram keys (`Signature.trigrams`), end to end in one array, so that the articles sharing a
    passage with a new one, verbatim or reworded, are told from those sharing one stock phrase in one compiled pass,
    however many there are.

    A pair sharing a single fingerprint mostly shares a stock 5-gram; such pairs grow with the square of the stream
    (2.5 per article at the end of a 100,000-article stream), and each is checked against this store. Sized from
    the input (files), the array never grows; otherwise (stdin) it doubles, and while it is copied both copies are
    resident (on a 100,000-article stream, 2,588 MB peak RSS against 2,460 MB with one array per article). A list
    of arrays was 1.04 times slower on that stream, and a numba typed list of blocks took half a second to set up.
    """

    def __init__(self, capacity: int = 1 << 16, articles: int = 1 << 10) -> None:
        self._keys = np.empty(max(capacity, 1), dtype=np.uint32)
        self._starts = np.zeros(max(articles, 1) + 1, dtype=np.int64)
        self._articles = 0

    def __len__(self) -> int:
        return self._articles

    def nbytes(self) -> int:
        """Return the memory the stored keys take (the array is only resident as far as it is filled)."""
        return int(self._starts[self._articles]) * 4 + self._starts.nbytes + sys.getsizeof(self)

    def append(self, trigrams: U32Array) -> None:
        """Store the trigram keys of the next article."""
        end = int(self._starts[self._articles])
        if end + len(trigrams) > len(self._keys):
            grown = np.empty(max(2 * len(self._keys), end + len(trigrams)), dtype=np.uint32)
            grown[:end] = self._keys[:end]
            self._keys = grown
        if self._articles + 2 > len(self._starts):
            starts = np.zeros(2 * len(self._starts), dtype=np.int64)
            starts[: self._articles + 1] = self._starts[: self._articles + 1]
            self._starts = starts
        self._keys[end : end + len(trigrams)] = trigrams
        self._articles += 1
        self._starts[self._articles] = end + len(trigrams)

    def trigrams(self, seq: int) -> U32Array:
        """Return the trigram keys of article `seq`."""
        return self._keys[self._starts[seq] : self._starts[seq + 1]]

    def confirmed(
        self, trigrams: U32Array, docs: I32Array, shared: I32Array, min_words: int, span: int, least: int
    ) -> tuple[BoolArray, BoolArray]:
        """For each earlier article in `docs`, whether it is worth aligning with the new article (`trigrams`), and
        whether by a verbatim run: it shares two or more fingerprints (`shared`; counted as verbatim), or a verbatim
        run of `min_words` words, or (reworded) `least` of any `span` consecutive trigrams of its own."""
        run = min_words - 2
        if run < 1:  # a run too short to hold a trigram: one shared fingerprint is the run
            return np.ones(len(docs), dtype=np.bool_), np.ones(len(docs), dtype=np.bool_)
        return _confirmed(trigrams, docs, shared, self._keys, self._starts, span, min(least, run), run)

    def sharing(self, trigrams: U32Array, docs: I32Array, ask: BoolArray, span: int, least: int) -> BoolArray:
        """For each earlier article in `docs`: whether at least `least` of any `span` consecutive trigram keys of its
        own are among the new article's `trigrams`; an article whose `ask` is False is not looked at (True)."""
        return _sharing(trigrams, docs, ask, self._keys, self._starts, span, least)


@njit(cache=True)
def _sharing(
    trigrams: U32Array, docs: I32Array, ask: BoolArray, keys: U32Array, starts: I64Array, span: int, least: int
) -> BoolArray:
    out = np.ones(len(docs), dtype=np.bool_)
    bits, table = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32)
    for i in range(len(docs)):
        if not ask[i]:
            continue
        if len(table) == 0:
            bits, table = key_set(trigrams)
        doc = docs[i]
        out[i] = shares_near(bits, table, keys[starts[doc] : starts[doc + 1]], span, least)
    return out


@njit(cache=True)
def _confirmed(
    trigrams: U32Array,
    docs: I32Array,
    shared: I32Array,
    keys: U32Array,
    starts: I64Array,
    span: int,
    least: int,
    run: int,
) -> tuple[BoolArray, BoolArray]:
    confirmed = np.empty(len(docs), dtype=np.bool_)
    verbatim = np.empty(len(docs), dtype=np.bool_)
    bits, table = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32)
    for i in range(len(docs)):
        if shared[i] >= 2:
            confirmed[i] = verbatim[i] = True
            continue
        if len(table) == 0:
            bits, table = key_set(trigrams)
        doc = docs[i]
        confirmed[i], verbatim[i] = shared_density(bits, table, keys[starts[doc] : starts[doc + 1]], span, least, run)
    return confirmed, verbatim
