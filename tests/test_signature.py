from __future__ import annotations

import itertools

import numpy as np
import pytest

from dedup.normalize import normalize_text
from dedup.shingle import hash_tokens, kgram_hashes, tokenize
from dedup.signature import (
    EMPTY_HASH,
    Sentencer,
    Signer,
    Windower,
    content_words,
    document_minhash,
    document_salts,
    key_set,
    passage_fingerprints,
    passage_salts,
    sentence_breaks,
    shared_density,
    shares_near,
    window_signatures,
)
from tests import reference

TEXT = (
    "Iran's Foreign Ministry spokesman Nasser Kanaani expressed optimism that Albania would make up for its mistake "
    "of hosting this terrorist cult, saying the group will always pose a threat to the security of its host."
)

PINNED = [1648305052, 1648305052, 673741978, 1400505521]


def shingles(text: str, k: int = 5) -> np.ndarray:
    return kgram_hashes(hash_tokens(normalize_text(text)), k)


def test_document_minhash_equals_the_reference() -> None:
    values = shingles(TEXT)
    salt, chain = document_salts(7)
    expected = reference.oph_minhash([int(v) for v in values], 128, int(salt), int(chain))
    assert document_minhash(values, 128, 7).tolist() == expected


def test_document_minhash_is_pinned() -> None:
    assert document_minhash(shingles(TEXT), 128, 1)[:4].tolist() == PINNED


def test_signer_gives_the_same_signatures_as_the_functions() -> None:
    values = shingles(TEXT)
    signature = Signer(5, 128, 6, 2, 1).sign(hash_tokens(normalize_text(TEXT)))
    assert np.array_equal(signature.shingles, values)
    assert np.array_equal(signature.minhash, document_minhash(values, 128, 1))
    assert np.array_equal(signature.fingerprints, passage_fingerprints(values, 6, 2, 1))


def test_a_short_text_fills_every_bin_from_its_few_shingles() -> None:
    values = shingles("one two three four five six seven")
    signature = document_minhash(values, 128, 1)
    assert len(values) == 3 and len(set(signature.tolist())) <= 3 and EMPTY_HASH not in signature


def test_empty_text_has_the_empty_signature() -> None:
    assert (document_minhash(shingles("too short"), 16, 1) == EMPTY_HASH).all()


def test_different_seeds_give_different_signatures() -> None:
    values = shingles(TEXT)
    assert not np.array_equal(document_minhash(values, 64, 1), document_minhash(values, 64, 2))


def test_fingerprints_are_the_winnowing_minima_of_the_reference() -> None:
    values = shingles(TEXT)
    fingerprints = passage_fingerprints(values, 6, 1, 1)
    assert set(fingerprints.tolist()) == reference.winnow(reference_permuted(values), 6)
    assert all(a != b for a, b in itertools.pairwise(fingerprints.tolist()))


def reference_permuted(values: np.ndarray) -> list[int]:
    salt = int(passage_salts(1, 1)[0])
    return [reference.fmix64(int(v) ^ salt) for v in values]


def test_short_text_yields_one_fingerprint_per_permutation() -> None:
    values = shingles("one two three four five six")
    fingerprints = passage_fingerprints(values, 6, 3, 1)
    assert len(values) == 2 and len(fingerprints) == 3


def test_kernel_cache_is_keyed_by_the_package_source() -> None:
    from dedup import compiled

    assert compiled.source_digest() in compiled.cache_dir().name
    assert len(compiled.source_digest()) == 16


def test_key_set_holds_exactly_its_keys() -> None:
    keys = np.array([0, 1, 7, 2**32 - 1, 12345], dtype=np.uint32)
    table = key_set(keys)
    assert all(shared_density(*table, np.array([k], dtype=np.uint32), 1, 1, 1) == (True, True) for k in keys)
    assert shared_density(*table, np.array([2, 3, 8, 99999], dtype=np.uint32), 4, 1, 1) == (False, False)
    assert shared_density(*key_set(np.zeros(0, dtype=np.uint32)), keys, 5, 1, 1) == (False, False)
    # The bitmap holds the low 16 bits; a key that shares them with a member is still told apart.
    assert shared_density(*table, np.array([7 + 2**16, 12345 + 2**20], dtype=np.uint32), 2, 1, 1) == (False, False)


def test_shares_near_counts_every_occurrence_within_the_span() -> None:
    table = key_set(np.array([5, 6], dtype=np.uint32))
    other = np.array([5, 9, 5, 2**16 + 5, 6], dtype=np.uint32)
    assert shares_near(*table, other, 5, 3)
    assert not shares_near(*table, other, 5, 4)
    assert not shares_near(*table, other, 4, 3)  # the three found occurrences stand five keys apart
    assert shares_near(*table, other[:0], 5, 0)


def test_shared_density_counts_keys_within_a_span_and_finds_runs() -> None:
    table = key_set(np.array([1, 2, 3, 4], dtype=np.uint32))
    other = np.array([1, 9, 2, 9, 9, 9, 3, 4], dtype=np.uint32)
    assert shared_density(*table, other, 3, 2, 5) == (True, False)  # 1 and 2 within 3 keys
    assert shared_density(*table, other, 2, 2, 5) == (True, False)  # 3 and 4 side by side
    assert shared_density(*table, other[:6], 2, 2, 5) == (False, False)
    assert shared_density(*table, other, 8, 4, 2) == (True, True)  # 3, 4: a run of two


@pytest.mark.parametrize(("width", "bands", "rows"), [(12, 1, 4), (5, 2, 2), (1, 1, 1), (40, 1, 3)])
def test_window_signatures_equal_the_reference(width: int, bands: int, rows: int) -> None:
    content = content_words(tokenize(TEXT + " " + TEXT.upper()[::-1]).hashes)
    salts = [int(s) for s in passage_salts(rows * bands, 1 ^ 0x5EED)]
    keys = window_signatures(content, width, bands, 1, rows)
    assert len(set(keys.tolist())) == len(keys)
    assert set(keys.tolist()) == reference.window_keys([int(c) for c in content], width, bands, rows, salts)


@pytest.mark.parametrize(("width", "bands", "rows"), [(12, 1, 4), (11, 2, 4), (3, 0, 2)])
@pytest.mark.parametrize("text", [TEXT, "", "the of and", "one word"])
def test_windower_gives_the_window_signatures_of_the_content_words(
    text: str, width: int, bands: int, rows: int
) -> None:
    hashes = tokenize(text).hashes
    expected = window_signatures(content_words(hashes), width, bands, 7, rows)
    assert Windower(width, bands, rows, 7).keys(hashes).tolist() == expected.tolist()


def test_content_words_leave_out_function_words_only() -> None:
    tokens = tokenize("The spokesman said that the group would always pose a threat to its host")
    kept = content_words(tokens.hashes).tolist()
    assert kept == tokenize("spokesman group always pose threat host").hashes.tolist()


def test_sentences_start_after_end_marks_and_blank_lines() -> None:
    text = "One two. Three four? Five\nsix\n\nSeven eight! Nine 東京。十"
    tokens = tokenize(text)
    starts = sentence_breaks(text, tokens.starts, tokens.ends)
    words = [text[s:e] for s, e in zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)]
    assert [w for w, first in zip(words, starts.tolist(), strict=True) if first] == [
        "One",
        "Three",
        "Five",
        "Seven",
        "Nine",
        "十",
    ]


def test_sentence_keys_ignore_word_order_and_skip_short_sentences() -> None:
    sentencer = Sentencer(8, 4, 5, 1)

    def keys(text: str) -> set[int]:
        tokens = tokenize(text)
        return set(sentencer.keys(tokens.hashes, sentence_breaks(text, tokens.starts, tokens.ends)).tolist())

    sentence = "Albanian police raided the camp of the group near Durres on Tuesday."
    shuffled = "On Tuesday the group near Durres: Albanian police raided the camp."
    assert len(keys(sentence)) == 8 and keys(sentence) == keys(shuffled)
    assert keys("The camp was raided on Tuesday.") == set()  # three content words
    assert keys(sentence).isdisjoint(keys("The prime minister told a German magazine about the guests."))
