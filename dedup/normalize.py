"""Split a text into word tokens, normalized for comparison, each with its span in the original text.

Tokens are runs of word characters (Unicode `\\w`); CJK ideographs and kana, which are written without spaces, are
one token each. A token is compared after NFKC and case folding, so quotes, dashes, spacing and case never decide
a match, while every reported span still indexes the text exactly as the user gave it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.records import I64Array

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
WORD_RE = re.compile(f"[{CJK}]|[^\\W{CJK}]+")
_SPLIT_RE = re.compile(f"({WORD_RE.pattern})")
_SEPARATOR = "\x00"  # not a word character, and unchanged by NFKC and case folding

# For pure-ASCII text (most news) a byte lookup table replaces the regex: \w on ASCII is [A-Za-z0-9_].
_ASCII_WORD = np.zeros(256, dtype=np.bool_)
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_":
    _ASCII_WORD[_c] = True
_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[ord("A") : ord("Z") + 1] += 32


# Punctuation that closes a sentence, quote or bracket belongs to the passage it ends.
CLOSING = frozenset(".!?\u2026)]}\u00bb\"'\u201d\u2019")
_MAX_CLOSING = 3


@dataclass(frozen=True, slots=True)
class Normalized:
    """Tokens of a text: character spans in the original, and byte ranges of their normalized form in `data`."""

    starts: I64Array
    ends: I64Array
    byte_starts: I64Array
    byte_ends: I64Array
    data: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.starts)

    def token(self, i: int) -> str:
        """Return the normalized form of token `i` (for tests and debugging)."""
        return bytes(self.data[self.byte_starts[i] : self.byte_ends[i]]).decode("utf-8")


def normalize_text(text: str) -> Normalized:
    """Tokenize and normalize `text`, keeping each token's character span in it."""
    if text.isascii():
        return _normalize_ascii(text)
    return _normalize_unicode(text)


def _normalize_ascii(text: str) -> Normalized:
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    is_word = _ASCII_WORD[raw].astype(np.int8)
    edges = np.diff(is_word, prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1).astype(np.int64)
    ends = np.flatnonzero(edges == -1).astype(np.int64)
    return Normalized(starts, ends, starts, ends, _ASCII_LOWER[raw])


def _normalize_unicode(text: str) -> Normalized:
    # split() with a capturing group alternates gap, token, gap, ..., gap, so piece lengths give every span;
    # normalizing all tokens joined by a separator costs one call instead of one per token.
    pieces = _SPLIT_RE.split(text)
    bounds = np.concatenate(([0], np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))))
    joined = unicodedata.normalize("NFKC", _SEPARATOR.join(pieces[1::2])).casefold()
    data = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if len(pieces) == 1:
        empty = np.zeros(0, dtype=np.int64)
        return Normalized(empty, empty, empty, empty, data[:0])
    separators = np.flatnonzero(data == 0)
    byte_starts = np.concatenate(([0], separators + 1)).astype(np.int64)
    byte_ends = np.concatenate((separators, [len(data)])).astype(np.int64)
    return Normalized(bounds[1:-1:2].copy(), bounds[2::2].copy(), byte_starts, byte_ends, data)


def close_span(text: str, end: int) -> int:
    """Return `end` moved past the closing punctuation (at most three marks, such as `.”`) that follows it."""
    limit = min(len(text), end + _MAX_CLOSING)
    while end < limit and text[end] in CLOSING:
        end += 1
    return end
