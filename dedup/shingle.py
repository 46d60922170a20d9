"""Hash tokens and word k-grams (shingles) into uint64 arrays, in compiled single passes.

A token's hash is a polynomial over its normalized UTF-8 bytes (each plus one), mixed with its length and passed
through the MurmurHash3 64-bit finalizer; a k-gram's hash combines k token hashes by Horner's rule and is mixed the
same way. Pure-ASCII text (most news) is tokenized, lower-cased and hashed in one pass over its bytes; other text is
normalized first (`dedup.normalize`) and its token bytes hashed in one pass.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from numba import njit

import dedup.compiled  # noqa: F401  (decides where the kernels below are cached)
from dedup.normalize import CJK, Normalized
from dedup.records import Tokens, U64Array

BASE = np.uint64(0x100000001B3)  # the 64-bit FNV prime; odd, so powers never vanish modulo 2**64
KGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
LENGTH_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB93FE53B3A4F)
_S33 = np.uint64(33)
_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _fmix64(x: np.uint64) -> np.uint64:
    x ^= x >> _S33
    x *= _M1
    x ^= x >> _S33
    x *= _M2
    return x ^ (x >> _S33)


@njit(cache=True)
def _fmix64_array(values: U64Array) -> U64Array:
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = _fmix64(values[i])
    return out


@njit(cache=True)
def distinct(values: U64Array) -> U64Array:
    """Return the distinct values in order of first occurrence (a hash set, no sort)."""
    size = 16
    while size < 2 * len(values):
        size *= 2
    mask = size - 1
    seen = np.zeros(size, dtype=np.uint64)
    has_zero = False
    out = np.empty(len(values), dtype=np.uint64)
    n = 0
    previous = np.uint64(0)
    for i, value in enumerate(values):
        # Half of an article's window keys repeat their neighbour: those need no lookup.
        if i > 0 and value == previous:
            continue
        previous = value
        if value == 0:
            if not has_zero:
                has_zero = True
                out[n] = value
                n += 1
            continue
        slot = np.int64((value ^ (value >> np.uint64(29))) & np.uint64(mask))
        while seen[slot] != 0 and seen[slot] != value:
            slot = (slot + 1) & mask
        if seen[slot] == 0:
            seen[slot] = value
            out[n] = value
            n += 1
    return out[:n]


def fmix64(values: U64Array) -> U64Array:
    """Apply the MurmurHash3 64-bit finalizer, an avalanching bijection on uint64, to every value."""
    return _fmix64_array(np.ascontiguousarray(values, dtype=np.uint64))


_NONWORD, _WORD, _SINGLE = 0, 1, 2  # code point classes: not in a token, in a word token, a token by itself


@lru_cache(maxsize=1)
def code_point_classes() -> npt.NDArray[np.uint8]:
    """Return the token class of every code point, as `normalize.WORD_RE` defines tokens (built once, ~0.1 s)."""
    chars = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    classes = np.zeros(0x110000, dtype=np.uint8)
    for match in re.finditer(r"\w+", chars):
        classes[match.start() : match.end()] = _WORD
    for match in re.finditer(f"[{CJK}]+", chars):
        classes[match.start() : match.end()] = _SINGLE
    return classes


@njit(cache=True, inline="always")
def _decode(raw: npt.NDArray[np.uint8], i: int, n: int) -> tuple[int, int]:
    """Return the code point starting at byte `i` and its width in bytes."""
    c = int(raw[i])
    if c < 0x80:
        return c, 1
    if c >= 0xF0:
        width, c = 4, c & 0x07
    elif c >= 0xE0:
        width, c = 3, c & 0x0F
    else:
        width, c = 2, c & 0x1F
    for j in range(i + 1, min(i + width, n)):
        c = (c << 6) | (int(raw[j]) & 0x3F)
    return min(c, 0x10FFFF), width


_OTHER_BYTE = 0xFF  # `byte_kinds` of a byte of a non-ASCII character


@lru_cache(maxsize=1)
def byte_kinds() -> npt.NDArray[np.uint8]:
    """Return, for each byte, its lower-case form if it is an ASCII word character, 0 if it is another ASCII byte,
    and `_OTHER_BYTE` if it belongs to a non-ASCII character."""
    classes = code_point_classes()
    kinds = np.full(256, _OTHER_BYTE, dtype=np.uint8)
    kinds[:128] = [ord(chr(b).lower()) if classes[b] == _WORD else 0 for b in range(128)]
    return kinds


@njit(cache=True)
def _utf8_tokens(
    raw: npt.NDArray[np.uint8], classes: npt.NDArray[np.uint8], kinds: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], U64Array, npt.NDArray[np.bool_], int]:
    """Tokenize UTF-8 bytes: character spans, hashes of lower-cased ASCII tokens, which tokens hold other
    characters (those still need NFKC and case folding, and get their hash afterwards), and how many.

    The first pass takes every run of bytes that are ASCII word characters or part of a non-ASCII character as a
    token, and hashes it, without a branch on the bytes: a token's end is as unpredictable as its text, and a
    mispredicted branch costs more than the pass's arithmetic on every byte. Runs that hold non-ASCII bytes (few)
    are then split exactly as `normalize.WORD_RE` would, and byte offsets become character offsets."""
    n = len(raw)
    capacity = n // 2 + 2
    run_starts = np.empty(capacity, dtype=np.int32)
    run_ends = np.empty(capacity, dtype=np.int32)
    run_hashes = np.empty(capacity, dtype=np.uint64)
    run_other = np.empty(capacity, dtype=np.uint8)
    one = np.uint64(1)
    began = ended = 0  # runs begun, runs ended
    inside = np.uint64(0)
    total = np.uint64(0)
    other = np.uint8(0)
    for i in range(n):
        kind = kinds[raw[i]]
        word = np.uint64(kind != 0)
        # Each store lands in the next free entry, which only moves on when a run begins (ends): no branch.
        run_starts[began] = i
        began += int(word & ~inside & one)
        run_ends[ended] = i
        run_hashes[ended] = total
        run_other[ended] = other
        ended += int(inside & ~word & one)
        keep = np.uint64(0) - word
        total = (total * BASE + np.uint64(kind) + one) & keep
        other = (other | np.uint8(kind == _OTHER_BYTE)) & np.uint8(word)
        inside = word
    if inside:
        run_ends[ended], run_hashes[ended], run_other[ended] = n, total, other
        ended += 1
    mixed = False
    for t in range(ended):
        run_hashes[t] = _fmix64(run_hashes[t] ^ (np.uint64(run_ends[t] - run_starts[t]) * LENGTH_MIX))
        mixed |= run_other[t] != 0
    if not mixed:  # ASCII only: byte offsets are character offsets
        return (
            run_starts[:ended].copy(),
            run_ends[:ended].copy(),
            run_hashes[:ended].copy(),
            np.zeros(ended, dtype=np.bool_),
            0,
        )
    starts = np.empty(capacity, dtype=np.int32)
    ends = np.empty(capacity, dtype=np.int32)
    hashes = np.empty(capacity, dtype=np.uint64)
    flags = np.zeros(capacity, dtype=np.bool_)
    flagged_tokens = 0
    count = 0
    shift = 0  # bytes minus characters before the current byte
    for t in range(ended):
        if run_other[t] == 0:
            starts[count], ends[count], hashes[count] = run_starts[t] - shift, run_ends[t] - shift, run_hashes[t]
            count += 1
            continue
        i, end = int(run_starts[t]), int(run_ends[t])
        while i < end:
            if raw[i] < 0x80:
                c, width = int(raw[i]), 1
            else:
                c, width = _decode(raw, i, n)
                kind = classes[c]
                if kind == _NONWORD:
                    i += width
                    shift += width - 1
                    continue
                if kind == _SINGLE:
                    starts[count] = i - shift
                    i += width
                    shift += width - 1
                    ends[count] = i - shift
                    flags[count] = True
                    flagged_tokens += 1
                    count += 1
                    continue
            starts[count] = i - shift
            total = np.uint64(0)
            length = 0
            flagged = False
            while True:
                if c < 0x80:
                    total = total * BASE + np.uint64(kinds[c]) + one
                    length += 1
                else:
                    flagged = True
                    shift += width - 1
                i += width
                if i >= end:
                    break
                if raw[i] < 0x80:
                    c, width = int(raw[i]), 1
                else:
                    c, width = _decode(raw, i, n)
                    if classes[c] != _WORD:
                        break
            ends[count] = i - shift
            flags[count] = flagged
            if flagged:
                flagged_tokens += 1
            else:
                hashes[count] = _fmix64(total ^ (np.uint64(length) * LENGTH_MIX))
            count += 1
    # Copies, so that a remembered article holds its tokens only, not the buffers sized for the worst case.
    return starts[:count].copy(), ends[:count].copy(), hashes[:count].copy(), flags[:count], flagged_tokens


@njit(cache=True)
def _span_hashes(
    data: npt.NDArray[np.uint8], byte_starts: npt.NDArray[np.int64], byte_ends: npt.NDArray[np.int64]
) -> U64Array:
    hashes = np.empty(len(byte_starts), dtype=np.uint64)
    for t in range(len(byte_starts)):
        total = np.uint64(0)
        for j in range(byte_starts[t], byte_ends[t]):
            total = total * BASE + np.uint64(data[j]) + _ONE
        hashes[t] = _fmix64(total ^ (np.uint64(byte_ends[t] - byte_starts[t]) * LENGTH_MIX))
    return hashes


@njit(cache=True)
def _kgrams(token_hashes: U64Array, k: int) -> U64Array:
    m = len(token_hashes) - k + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.empty(m, dtype=np.uint64)
    # Horner's rule over every k-gram at once (mod 2**64), one pass per term: the passes have no dependency from one
    # k-gram to the next, so the compiler vectorizes them, where a rolling hash would wait on each multiply in turn.
    out[:] = token_hashes[:m]
    for j in range(1, k):
        for i in range(m):
            out[i] = out[i] * KGRAM_BASE + token_hashes[i + j]
    for i in range(m):
        out[i] = _fmix64(out[i])
    return out


def hash_tokens(tokens: Normalized) -> U64Array:
    """Return one uint64 hash per token, a function of the token's normalized bytes only."""
    return _span_hashes(tokens.data, tokens.byte_starts, tokens.byte_ends)


def kgram_hashes(token_hashes: U64Array, k: int) -> U64Array:
    """Return the hash of every run of `k` consecutive tokens (len(token_hashes) - k + 1 of them)."""
    return _kgrams(np.ascontiguousarray(token_hashes, dtype=np.uint64), k)


_form_hashes: dict[str, int] = {}
_MAX_FORMS = 1 << 17


def tokenize(text: str, utf8: bytes | None = None) -> Tokens:
    """Return the tokens of `text`: character spans (int32) and hashes; equal to `normalize_text` + `hash_tokens`.
    `utf8`, if given, is `text` encoded (with "surrogatepass").

    One compiled pass over the UTF-8 bytes finds every token and hashes the ASCII ones; a token with other
    characters is NFKC-normalized and case-folded on its own, its hash remembered for the next time it occurs.
    """
    raw = np.frombuffer(text.encode("utf-8", "surrogatepass") if utf8 is None else utf8, dtype=np.uint8)
    starts, ends, hashes, other, flagged = _utf8_tokens(raw, code_point_classes(), byte_kinds())
    if flagged:
        forms = _form_hashes
        for i in np.flatnonzero(other).tolist():
            token = text[starts[i] : ends[i]]
            value = forms.get(token)
            if value is None:
                if len(forms) >= _MAX_FORMS:
                    forms.clear()
                value = forms[token] = _form_hash(token)
            hashes[i] = value
    return Tokens(starts, ends, hashes)


def _form_hash(token: str) -> int:
    data = np.frombuffer(unicodedata.normalize("NFKC", token).casefold().encode("utf-8", "surrogatepass"), np.uint8)
    return int(_span_hashes(data, np.zeros(1, dtype=np.int64), np.full(1, len(data), dtype=np.int64))[0])
