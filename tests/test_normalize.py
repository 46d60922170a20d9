from __future__ import annotations

import pytest

from dedup.normalize import normalize_text
from tests import reference


def forms(text: str) -> list[str]:
    normalized = normalize_text(text)
    return [normalized.token(i) for i in range(len(normalized))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("Iran’s “terrorist” cult", ["iran", "s", "terrorist", "cult"]),
        ('Iran\'s "terrorist" cult', ["iran", "s", "terrorist", "cult"]),
        ("MKO—MEK – 3,000", ["mko", "mek", "3", "000"]),
        ("ﬁne ＡＢＣ", ["fine", "abc"]),
        ("Straße", ["strasse"]),
        ("Тегеран ЗАЯВИЛ", ["тегеран", "заявил"]),
        ("طهران أعلنت", ["طهران", "أعلنت"]),
        ("東京に行く", ["東", "京", "に", "行", "く"]),
        ("한국 외교부", ["한국", "외교부"]),
        ("", []),
        ("  \n\t— “” …", []),
    ],
    ids=[
        "ascii",
        "curly-quotes",
        "straight-quotes",
        "dashes-numbers",
        "nfkc",
        "casefold",
        "cyrillic",
        "arabic",
        "cjk",
        "hangul",
        "empty",
        "no-words",
    ],
)
def test_tokens_are_normalized_words(text: str, expected: list[str]) -> None:
    assert forms(text) == expected


@pytest.mark.parametrize("text", ["Albania’s PM Edi Rama said", "TEHRAN – The prime minister", "ÉCOLE ﬁne 東京"])
def test_spans_index_the_original_text(text: str) -> None:
    normalized = normalize_text(text)
    assert [(s, e, f) for s, e, f in reference.tokens(text)] == [
        (int(normalized.starts[i]), int(normalized.ends[i]), normalized.token(i)) for i in range(len(normalized))
    ]


def test_ascii_and_unicode_paths_agree_on_ascii_words() -> None:
    ascii_text = 'He said: "Albania\'s MEK-camp was raided" (June 20).'
    curly_text = ascii_text.replace('"', "“", 1)
    assert forms(ascii_text) == forms(curly_text)
