"""Indexes of earlier articles: passage fingerprints (hash -> articles) and document MinHash-LSH (datasketch).

Both keep articles by their sequence number in the stream. The fingerprint index stops growing a hash's posting
list at `max_df` articles and ignores that hash from then on, so boilerplate and stock phrases stop producing
candidate pairs.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from dedup.records import U64Array
from dedup.signature import U32Array, permutations


class FingerprintIndex:
    """Map each passage fingerprint to the articles that hold it.

    Most fingerprints belong to one article only, so a posting is a plain int until a second article shares it:
    that saves a list object per fingerprint, the larger part of the index's memory.
    """

    def __init__(self, max_df: int) -> None:
        if max_df < 2:
            raise ValueError("max_df must be at least 2")
        self.max_df = max_df
        self._postings: dict[int, int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._postings)

    def nbytes(self) -> int:
        """Return the memory the index holds: the table, its keys and its posting lists."""
        total = sys.getsizeof(self._postings)
        for key, posting in self._postings.items():
            total += sys.getsizeof(key) + sys.getsizeof(posting)
        return total

    def candidates(self, fingerprints: U64Array) -> list[int]:
        """Return the articles (sorted) that share at least one fingerprint that is not saturated."""
        found: set[int] = set()
        for value in fingerprints.tolist():
            posting = self._postings.get(value)
            if isinstance(posting, int):
                found.add(posting)
            elif posting is not None and len(posting) < self.max_df:
                found.update(posting)
        return sorted(found)

    def insert(self, seq: int, fingerprints: U64Array) -> None:
        """Add article `seq` (newer than every article already in) under each of its fingerprints."""
        postings = self._postings
        for value in fingerprints.tolist():
            posting = postings.setdefault(value, seq)
            if isinstance(posting, int):
                if posting != seq:
                    postings[value] = [posting, seq]
            elif len(posting) < self.max_df and posting[-1] != seq:
                posting.append(seq)


@lru_cache(maxsize=8)
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return datasketch's (bands, rows) for a threshold, computed once: the optimization integrates numerically."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


class DocumentIndex:
    """Whole-document MinHash signatures in a datasketch `MinHashLSH`, queried for near-duplicate candidates."""

    def __init__(self, threshold: float, num_perm: int, seed: int) -> None:
        self.num_perm, self.seed = num_perm, seed
        self._lsh: Any = MinHashLSH(threshold=threshold, num_perm=num_perm, params=band_params(threshold, num_perm))

    def _minhash(self, hashvalues: U32Array) -> Any:
        return MinHash(
            seed=self.seed,
            hashvalues=hashvalues,
            permutations=permutations(self.num_perm, self.seed),
            scheme="affine32",
        )

    def query(self, hashvalues: U32Array) -> list[int]:
        """Return the articles (sorted) whose signatures collide with `hashvalues` in at least one LSH band."""
        return sorted(self._lsh.query(self._minhash(hashvalues)))

    def insert(self, seq: int, hashvalues: U32Array) -> None:
        """Add article `seq`'s signature."""
        self._lsh.insert(seq, self._minhash(hashvalues), check_duplication=False)


class WindowIndex:
    """Map each window signature key to the articles that hold it, and count the keys a new article shares.

    One shared key between two articles is weak evidence (two content words that happen to be the minima of a
    window in both); a reworded passage shares a key in many of its windows. So an earlier article is a candidate
    only when it shares at least `min_shared` keys that are not saturated (held by `max_df` articles or more).
    """

    def __init__(self, max_df: int, min_shared: int) -> None:
        if max_df < 2 or min_shared < 1:
            raise ValueError("max_df must be at least 2 and min_shared at least 1")
        self.max_df, self.min_shared = max_df, min_shared
        self._postings: dict[int, int | list[int]] = {}  # a plain int until a second article holds the key

    def __len__(self) -> int:
        return len(self._postings)

    def nbytes(self) -> int:
        """Return the memory the index holds: the table, its keys and its posting lists."""
        total = sys.getsizeof(self._postings)
        for key, posting in self._postings.items():
            total += sys.getsizeof(key) + sys.getsizeof(posting)
        return total

    def candidates(self, keys: U64Array) -> list[int]:
        """Return the articles (sorted) sharing at least `min_shared` unsaturated keys with `keys` (distinct)."""
        hits: list[int] = []
        get = self._postings.get
        for value in keys.tolist():
            posting = get(value)
            if isinstance(posting, int):
                hits.append(posting)
            elif posting is not None and len(posting) < self.max_df:
                hits += posting
        if not hits:
            return []
        articles, counts = np.unique(np.asarray(hits, dtype=np.int64), return_counts=True)
        return articles[counts >= self.min_shared].tolist()  # type: ignore[no-any-return]

    def insert(self, seq: int, keys: U64Array) -> None:
        """Add article `seq` (newer than every article already in) under each of its distinct keys."""
        postings = self._postings
        for value in keys.tolist():
            posting = postings.setdefault(value, seq)
            if isinstance(posting, int):
                if posting != seq:
                    postings[value] = [posting, seq]
            elif len(posting) < self.max_df:
                posting.append(seq)
