from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given
from hypothesis import strategies as st

from dedup.index import DocumentIndex, FingerprintIndex, GramStore, WindowIndex, band_params, summed_counts
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


def test_a_key_repeated_in_a_new_article_is_counted_and_posted_once() -> None:
    index = FingerprintIndex(max_df=10)
    index.insert(0, fingerprints(5, 7))
    index.insert(1, fingerprints(5))
    docs, shared = index.add(2, fingerprints(5, 7, 5, 7, 5, 9, 9))
    assert (docs.tolist(), shared.tolist()) == ([0, 1], [2, 1])
    docs, shared = index.add(3, fingerprints(5, 9))
    assert (docs.tolist(), shared.tolist()) == ([0, 1, 2], [1, 1, 2])


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128])
def test_bands_are_the_ones_datasketch_chooses(threshold: float, num_perm: int) -> None:
    theirs = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert band_params(threshold, num_perm) == (theirs.b, theirs.r)


PERMS = MinHash(num_perm=128, scheme="affine32").permutations


def test_document_index_agrees_with_datasketch_lsh_on_the_same_signatures() -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**63, 400, dtype=np.uint64)
    sets = [np.concatenate((base[: 400 - 10 * i], rng.integers(0, 2**63, 10 * i, dtype=np.uint64))) for i in range(30)]
    signatures = [document_minhash(values, 128, 1) for values in sets]
    ours = DocumentIndex(threshold=0.8, num_perm=128)
    # Only the hash values are compared; the scheme and permutations passed are placeholders datasketch requires.
    theirs = MinHashLSH(threshold=0.8, num_perm=128)
    for seq, signature in enumerate(signatures[:-10]):
        ours.insert(seq, signature)
        theirs.insert(seq, MinHash(num_perm=128, hashvalues=signature, scheme="affine32", permutations=PERMS))
    for signature in signatures[-10:] + signatures[:3]:
        assert ours.query(signature) == sorted(
            theirs.query(MinHash(num_perm=128, hashvalues=signature, scheme="affine32", permutations=PERMS))
        )


@given(st.lists(st.lists(st.integers(0, 40), max_size=12), max_size=40), st.integers(2, 5), st.integers(1, 6))
def test_index_answers_as_a_dict_of_posting_lists_would(articles: list[list[int]], max_df: int, fanout: int) -> None:
    index = FingerprintIndex(max_df=max_df, capacity=2, fanout=fanout)
    postings: dict[int, list[int]] = {}
    for seq, keys in enumerate(articles):
        hits = [d for k in set(keys) if len(postings.get(k, [])) < max_df for d in postings.get(k, [])[-fanout:]]
        docs, shared = index.add(seq, fingerprints(*keys))
        assert docs.tolist() == sorted(set(hits))
        assert shared.tolist() == [hits.count(d) for d in sorted(set(hits))]
        for k in keys:
            posting = postings.setdefault(k, [])
            if len(posting) < max_df and seq not in posting:
                posting.append(seq)
    assert len(index) == len(postings)


def test_window_index_needs_min_shared_keys_and_leaves_out_saturated_ones() -> None:
    index = WindowIndex(max_df=3, min_shared=2)
    index.insert(0, fingerprints(1, 2, 3))
    assert index.candidates(fingerprints(1, 9)) == []  # one key in common is chance
    docs, shared = index.add_counted(1, fingerprints(1, 9))
    assert (docs.tolist(), shared.tolist()) == ([0], [1])
    assert index.candidates(fingerprints(1, 2)) == [0]
    docs, shared = index.add_counted(2, fingerprints(1, 2))
    assert (docs.tolist(), shared.tolist()) == ([0, 1], [2, 1])
    # Key 1 is held by 3 articles (max_df): saturated, so 0 and 2 now share one key each.
    assert index.candidates(fingerprints(1, 2, 9)) == []
    index.insert(3, fingerprints(3, 9))
    assert index.candidates(fingerprints(3, 9)) == [3]
    assert len(index) == 4 and index.nbytes() > 0


@pytest.mark.parametrize("rare", [0, 1, 2])
def test_a_key_few_earlier_articles_hold_counts_twice(rare: int) -> None:
    index = WindowIndex(max_df=64, min_shared=2, rare=rare)
    index.insert(0, fingerprints(1, 2))
    index.insert(1, fingerprints(2))
    # Key 1 is held by one earlier article, key 2 by two.
    docs, shared = index.add_counted(2, fingerprints(1, 9))
    assert (docs.tolist(), shared.tolist()) == ([0], [2 if rare >= 1 else 1])
    assert index.candidates(fingerprints(2)) == ([0, 1] if rare >= 2 else [])
    docs, shared = index.add_counted(3, fingerprints(1))  # now held by articles 0 and 2
    assert (docs.tolist(), shared.tolist()) == ([0, 2], [2, 2] if rare >= 2 else [1, 1])


@given(
    st.dictionaries(st.integers(0, 50), st.integers(1, 9), max_size=15),
    st.dictionaries(st.integers(0, 50), st.integers(1, 9), max_size=15),
)
def test_summed_counts_add_the_counts_of_each_article(a: dict[int, int], b: dict[int, int]) -> None:
    def arrays(d: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        keys = sorted(d)
        return np.array(keys, dtype=np.int32), np.array([d[k] for k in keys], dtype=np.int32)

    docs, counts = summed_counts(*arrays(a), *arrays(b))
    expected = {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}
    assert docs.tolist() == sorted(expected) and counts.tolist() == [expected[k] for k in sorted(expected)]


@given(
    # Keys from 1: `key_set` stores key 0 as 1 (0 marks its empty slots), a conflation of 1 in 2**32 hashes.
    st.lists(st.lists(st.integers(1, 30), max_size=30), min_size=1, max_size=30),
    st.lists(st.integers(1, 30), max_size=30),
    st.integers(2, 7),
    st.integers(1, 8),
    st.integers(1, 5),
    st.data(),
)
def test_gram_store_confirms_two_fingerprints_a_run_or_dense_trigrams(
    articles: list[list[int]],
    trigrams: list[int],
    min_words: int,
    span: int,
    least: int,
    data: st.DataObject,
) -> None:
    # A tiny store, so that appending grows both of its arrays many times.
    store = GramStore(capacity=1, articles=1)
    for keys in articles:
        store.append(np.array(keys, dtype=np.uint32))
    assert len(store) == len(articles)
    assert all(store.trigrams(seq).tolist() == keys for seq, keys in enumerate(articles))
    docs = sorted(data.draw(st.sets(st.integers(0, len(articles) - 1))))
    shared = [data.draw(st.integers(1, 3)) for _ in docs]
    confirmed, verbatim = store.confirmed(
        np.array(trigrams, dtype=np.uint32),
        np.array(docs, dtype=np.int32),
        np.array(shared, dtype=np.int32),
        min_words,
        span,
        least,
    )

    def expected(doc: int, count: int) -> tuple[bool, bool]:
        run = min_words - 2
        if count >= 2 or run < 1:
            return True, True
        hits = [key in trigrams for key in articles[doc]]
        is_run = any(all(hits[i : i + run]) and i + run <= len(hits) for i in range(len(hits)))
        dense = any(sum(hits[max(0, i - span + 1) : i + 1]) >= min(least, run) for i in range(len(hits)))
        return dense or is_run, is_run

    assert list(zip(confirmed.tolist(), verbatim.tolist(), strict=True)) == [
        expected(doc, count) for doc, count in zip(docs, shared, strict=True)
    ]


def test_keys_with_the_same_tag_are_one_key_and_other_keys_stay_apart() -> None:
    # The table keeps 32 bits of each key: the high half of key * an odd constant. Adding that constant's inverse
    # (mod 2**64) to a key adds 1 to the product, which leaves the high half alone.
    mix = 0x9E3779B97F4A7C15
    key = 12345
    twin = (key + pow(mix, -1, 2**64)) % 2**64
    assert (key * mix) % 2**64 >> 32 == (twin * mix) % 2**64 >> 32
    index = FingerprintIndex(max_df=10)
    index.insert(0, fingerprints(key))
    index.insert(1, fingerprints(key + 1))
    assert index.candidates(fingerprints(twin)).tolist() == [0]
    assert index.candidates(fingerprints(key + 1)).tolist() == [1]
    assert len(index) == 2
