"""Slow, obviously correct reference implementations that the vectorized stages are checked against."""

from __future__ import annotations

import unicodedata

from dedup.normalize import WORD_RE

MASK64 = (1 << 64) - 1
BASE = 0x100000001B3
KGRAM_BASE = 0x9E3779B97F4A7C15
LENGTH_MIX = 0xC2B2AE3D27D4EB4F


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, normalized form) of every word token, one regex match at a time."""
    return [(m.start(), m.end(), unicodedata.normalize("NFKC", m.group()).casefold()) for m in WORD_RE.finditer(text)]


def fmix64(x: int) -> int:
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB93FE53B3A4F) & MASK64
    return x ^ (x >> 33)


def token_hash(token: str) -> int:
    """Hash one normalized token: a polynomial over its UTF-8 bytes (each plus one), then mixed with its length."""
    data = token.encode("utf-8", "surrogatepass")
    total = 0
    for byte in data:
        total = (total * BASE + byte + 1) & MASK64
    return fmix64(total ^ ((len(data) * LENGTH_MIX) & MASK64))


def kgram_hashes(hashes: list[int], k: int) -> list[int]:
    out = []
    for i in range(len(hashes) - k + 1):
        combined = 0
        for h in hashes[i : i + k]:
            combined = (combined * KGRAM_BASE + h) & MASK64
        out.append(fmix64(combined))
    return out


def winnow(hashes: list[int], window: int) -> set[int]:
    """Return the set of window minima (the fingerprint values) of a hash sequence."""
    if not hashes:
        return set()
    if len(hashes) <= window:
        return {min(hashes)}
    return {min(hashes[i : i + window]) for i in range(len(hashes) - window + 1)}


def common_runs(a: list[str], b: list[str], min_len: int) -> list[tuple[int, int, int]]:
    """Return every maximal run of equal tokens (a_start, b_start, length) at least `min_len` long."""
    runs = []
    for i in range(len(a)):
        for j in range(len(b)):
            if a[i] != b[j] or (i > 0 and j > 0 and a[i - 1] == b[j - 1]):
                continue
            length = 0
            while i + length < len(a) and j + length < len(b) and a[i + length] == b[j + length]:
                length += 1
            if length >= min_len:
                runs.append((i, j, length))
    return runs


def oph_minhash(shingles: list[int], num_perm: int, salt: int, chain: int) -> list[int]:
    """One-permutation MinHash with optimal densification, one shingle and one empty bin at a time."""
    empty = 0xFFFFFFFF
    bins: list[int | None] = [None] * num_perm
    for shingle in shingles:
        x = fmix64(shingle ^ salt)
        b = ((x >> 32) * num_perm) >> 32
        value = x & 0xFFFFFFFF
        current = bins[b]
        if current is None or value < current:
            bins[b] = value
    if not shingles:
        return [empty] * num_perm
    result = []
    for b, own in enumerate(bins):
        attempt = 1
        found = own
        while found is None:
            source = ((fmix64(chain ^ ((b << 32) | attempt)) >> 32) * num_perm) >> 32
            found = bins[source]
            attempt += 1
        result.append(found)
    return result


def signatures(
    text: str, k: int, num_perm: int, window: int, salt: int, chain: int, passage_salt: int
) -> tuple[list[int], set[int]]:
    """Return the document MinHash and the fingerprint set of `text`, from the reference tokens up."""
    grams = kgram_hashes([token_hash(form) for _, _, form in tokens(text)], k)
    return oph_minhash(grams, num_perm, salt, chain), winnow([fmix64(g ^ passage_salt) for g in grams], window)


def window_keys(content: list[int], width: int, bands: int, rows: int, salts: list[int]) -> set[int]:
    """Return the set of window band keys: per band, the mixed row minima of every window of `width` words."""
    keys: set[int] = set()
    n = len(content)
    starts = range(max(n - width + 1, 1))
    for band in range(bands):
        band_salt = fmix64(band + 1)
        for i in starts:
            key = band_salt
            for row in range(rows):
                salt = salts[band * rows + row]
                least = min(fmix64(v ^ salt) for v in content[i : i + width])
                key = fmix64((key * LENGTH_MIX + least) & MASK64)
            keys.add(key)
    return keys


SENTENCE_ENDS = ".!?。！？"


def sentence_starts(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Return whether each token (its character span) starts a sentence: the first one, and any token after a full
    stop, question or exclamation mark, or after a blank line (two line ends)."""
    starts = []
    for i, (start, _) in enumerate(spans):
        gap = text[spans[i - 1][1] : start] if i else ""
        starts.append(i == 0 or any(c in SENTENCE_ENDS for c in gap) or gap.count("\n") >= 2)
    return starts


def sentence_keys(
    sentences: list[list[int]], min_words: int, bands: int, rows: int, salts: list[int], band_salts: list[int]
) -> set[int]:
    """Return the set of sentence band keys: per sentence with `min_words` distinct content words and per band, the
    mixed row minima of the words under multiply permutations (word * odd salt, modulo 2**64)."""
    keys: set[int] = set()
    for words in sentences:
        if len(set(words)) < min_words:
            continue
        for band in range(bands):
            key = band_salts[band]
            for row in range(rows):
                salt = salts[band * rows + row]
                least = min((w * salt) & MASK64 for w in words)
                key = fmix64((key * LENGTH_MIX + least) & MASK64)
            keys.add(key)
    return keys
