from __future__ import annotations

import numpy as np
from datasketch import MinHash

from dedup.normalize import normalize_text
from dedup.shingle import hash_tokens, kgram_hashes
from dedup.signature import EMPTY_HASH, document_minhash, passage_fingerprints, passage_salts
from tests import reference

TEXT = (
    "Iran's Foreign Ministry spokesman Nasser Kanaani expressed optimism that Albania would make up for its mistake "
    "of hosting this terrorist cult, saying the group will always pose a threat to the security of its host."
)


def shingles(text: str, k: int = 5) -> np.ndarray:
    return kgram_hashes(hash_tokens(normalize_text(text)), k)


def test_document_minhash_equals_datasketch_on_the_same_shingles() -> None:
    values = shingles(TEXT)
    theirs = MinHash(num_perm=128, seed=7, hashfunc=lambda v: v)
    theirs.update_batch([int(v) & 0xFFFFFFFF for v in values])
    assert np.array_equal(document_minhash(values, 128, 7), theirs.hashvalues)


def test_document_minhash_is_pinned() -> None:
    assert document_minhash(shingles(TEXT), 128, 1)[:4].tolist() == [44123906, 76692755, 83146628, 114755696]


def test_empty_text_has_the_empty_signature() -> None:
    assert (document_minhash(shingles("too short"), 16, 1) == EMPTY_HASH).all()


def test_different_seeds_give_different_signatures() -> None:
    values = shingles(TEXT)
    assert not np.array_equal(document_minhash(values, 64, 1), document_minhash(values, 64, 2))


def test_fingerprints_are_the_winnowing_minima_of_the_reference() -> None:
    values = shingles(TEXT)
    fingerprints = passage_fingerprints(values, 6, 1, 1)
    assert fingerprints.tolist() == sorted(reference.winnow(reference_permuted(values), 6))


def reference_permuted(values: np.ndarray) -> list[int]:
    salt = int(passage_salts(1, 1)[0])
    return [reference.fmix64(int(v) ^ salt) for v in values]


def test_short_text_yields_one_fingerprint_per_permutation() -> None:
    values = shingles("one two three four five six")
    fingerprints = passage_fingerprints(values, 6, 3, 1)
    assert len(values) == 2 and len(fingerprints) == 3
