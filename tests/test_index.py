from __future__ import annotations

import numpy as np

from dedup.index import DocumentIndex, FingerprintIndex
from dedup.signature import document_minhash


def fingerprints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_candidates_are_the_articles_sharing_a_fingerprint() -> None:
    index = FingerprintIndex(max_df=10)
    index.insert(0, fingerprints(1, 2, 3))
    index.insert(1, fingerprints(3, 4))
    index.insert(2, fingerprints(5))
    assert index.candidates(fingerprints(3, 9)) == [0, 1]
    assert index.candidates(fingerprints(4, 5)) == [1, 2]
    assert index.candidates(fingerprints(9)) == []


def test_a_fingerprint_held_by_max_df_articles_stops_matching() -> None:
    index = FingerprintIndex(max_df=3)
    for seq in range(3):
        index.insert(seq, fingerprints(7, 100 + seq))
    assert index.candidates(fingerprints(7)) == []
    assert index.candidates(fingerprints(7, 101)) == [1]


def test_document_index_finds_a_near_duplicate_and_not_a_stranger() -> None:
    index = DocumentIndex(threshold=0.8, num_perm=128, seed=1)
    original = np.arange(1000, dtype=np.uint64)
    near = np.concatenate((original[:950], np.arange(5000, 5050, dtype=np.uint64)))
    index.insert(0, document_minhash(original, 128, 1))
    index.insert(1, document_minhash(np.arange(9000, 10000, dtype=np.uint64), 128, 1))
    assert index.query(document_minhash(near, 128, 1)) == [0]
