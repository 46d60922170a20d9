from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import normalize_text
from dedup.shingle import distinct, hash_tokens, kgram_hashes, tokenize
from tests import reference


def token_hashes(text: str) -> list[int]:
    return [int(h) for h in hash_tokens(normalize_text(text))]


def test_token_hash_matches_reference() -> None:
    text = "The Albanian police visited the Ashraf-3 camp; Тирана ответила. 東京"
    assert token_hashes(text) == [reference.token_hash(form) for _, _, form in reference.tokens(text)]


def test_token_hash_is_pinned() -> None:
    # A change here changes every signature and index a user has saved: make it on purpose only.
    assert token_hashes("hello") == [4467896904097046618]


def test_same_token_same_hash_whatever_its_case_or_position() -> None:
    hashes = token_hashes("Rama said RAMA rama")
    assert hashes[0] == hashes[2] == hashes[3] != hashes[1]


def test_kgram_hashes_match_reference_and_depend_on_order() -> None:
    hashes = hash_tokens(normalize_text("a b c d e f a b c"))
    grams = kgram_hashes(hashes, 3)
    assert [int(g) for g in grams] == reference.kgram_hashes([int(h) for h in hashes], 3)
    assert grams[0] == grams[6]
    assert len(set(grams.tolist())) == 6


def test_too_few_tokens_give_no_kgrams() -> None:
    assert kgram_hashes(np.zeros(2, dtype=np.uint64), 3).size == 0
    assert hash_tokens(normalize_text("")).size == 0


@pytest.mark.parametrize(
    "text",
    [
        "Hello, World! foo_bar 3,000",
        "Iran’s “terrorist” cult — MKO",
        "ﬁne ＡＢＣ Straße 𝐁𝐨𝐥𝐝",
        "Тегеран ЗАЯВИЛ: «нет»",
        "طهران أعلنت ١٢٣",
        "東京に行く。ｶﾀｶﾅ 豈",
        "한국 외교부 🙂 e\u0301cole",
        "lone \ud800 surrogate\udfff x",
        "",
    ],
    ids=["ascii", "punctuation", "nfkc", "cyrillic", "arabic", "cjk", "hangul-emoji", "surrogates", "empty"],
)
def test_one_pass_tokenizer_equals_the_reference(text: str) -> None:
    tokens = tokenize(text)
    expected = reference.tokens(text)
    assert list(zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)) == [(s, e) for s, e, _ in expected]
    assert tokens.hashes.tolist() == [reference.token_hash(form) for _, _, form in expected]


def test_one_pass_tokenizer_splits_scripts_sensibly() -> None:
    text = "Тегеран заявил, طهران أعلنت, 東京"
    assert [text[s:e] for s, e in zip(tokenize(text).starts, tokenize(text).ends, strict=True)] == [
        "Тегеран",
        "заявил",
        "طهران",
        "أعلنت",
        "東",
        "京",
    ]


@given(st.lists(st.sampled_from([0, 1, 2, 2**63, 2**64 - 1, 12345, 99]) | st.integers(0, 2**64 - 1), max_size=80))
def test_distinct_keeps_first_occurrences_in_order(values: list[int]) -> None:
    assert distinct(np.array(values, dtype=np.uint64)).tolist() == list(dict.fromkeys(values))
