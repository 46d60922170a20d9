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
    assert index.candidates(fingerprints(3, 9)).tolist() == [0, 1]
    assert index.candidates(fingerprints(4, 5)).tolist() == [1, 2]
    assert index.candidates(fingerprints(9)).tolist() == []


def test_a_fingerprint_held_by_max_df_articles_stops_matching() -> None:
    index = FingerprintIndex(max_df=3)
    for seq in range(3):
        index.insert(seq, fingerprints(7, 100 + seq))
    assert index.candidates(fingerprints(7)).tolist() == []
    assert index.candidates(fingerprints(7, 101)).tolist() == [1]


def test_document_index_finds_a_near_duplicate_and_not_a_stranger() -> None:
    index = DocumentIndex(threshold=0.8, num_perm=128)
    original = np.arange(1000, dtype=np.uint64)
    near = np.concatenate((original[:950], np.arange(5000, 5050, dtype=np.uint64)))
    index.insert(0, document_minhash(original, 128, 1))
    index.insert(1, document_minhash(np.arange(9000, 10000, dtype=np.uint64), 128, 1))
    assert index.query(document_minhash(near, 128, 1)) == [0]


def test_index_grows_past_its_initial_capacity_and_keeps_every_posting() -> None:
    index = FingerprintIndex(max_df=10, capacity=4)
    for seq in range(300):
        index.insert(seq, fingerprints(seq, seq + 1, 10**6))
    assert len(index) == 302
    assert index.candidates(fingerprints(150)).tolist() == [149, 150]
    assert index.candidates(fingerprints(10**6)).tolist() == []
    assert index.nbytes() > 0


def test_a_fingerprint_repeated_in_one_article_is_one_posting() -> None:
    index = FingerprintIndex(max_df=2)
    index.insert(0, fingerprints(5, 6, 5, 5))
    index.insert(1, fingerprints(6))
    assert index.candidates(fingerprints(5)).tolist() == [0]
    assert index.candidates(fingerprints(6)).tolist() == []
