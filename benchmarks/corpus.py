"""Deterministic benchmark corpora: PAN training articles when present, else variants generated from seeds/."""

from __future__ import annotations

import gzip
import json
import os
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
SEEDS = REPO / "seeds"


def eval_dir(option: Path | None = None) -> Path:
    """Return the evaluation data folder: the option, else $DEDUP_EVAL_DIR, else ../shared/eval beside the repo."""
    return option or Path(os.environ.get("DEDUP_EVAL_DIR") or DEFAULT_EVAL_DIR)


def pan_texts(limit: int) -> list[str] | None:
    """Return the first `limit` PAN training texts, or None when ../shared/eval is absent."""
    path = eval_dir() / "pan13-train" / "articles.jsonl.gz"
    if not path.is_file():
        return None
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            texts.append(json.loads(line)["text"])
            if len(texts) == limit:
                break
    return texts


def seed_texts(count: int, seed: int = 1) -> list[str]:
    """Return `count` news-length texts made from the seed articles: random paragraph picks with words dropped."""
    rng = random.Random(seed)
    paragraphs = [
        p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n") if p.strip()
    ]
    texts = []
    for _ in range(count):
        words = " ".join(rng.sample(paragraphs, 8)).split()
        texts.append(" ".join(w for w in words if rng.random() > 0.05))
    return texts


# --- hostile and broken input --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokenLine:
    """One generated JSON line with what `dedup scan` must do with it.

    `expect` is "scanned", "rejected" or "skipped" (a blank line, not a record); `message` is a piece of the stderr
    message the line must give ("" for none), as `rejected: ...` or `warning: ...`.
    """

    kind: str
    raw: bytes
    expect: str
    message: str = ""


class _BrokenState:
    """The ids accepted so far, so that duplicates can be made of them."""

    def __init__(self, texts: Sequence[str], rng: random.Random, max_text_chars: int) -> None:
        self.texts = texts
        self.rng = rng
        self.max_text_chars = max_text_chars
        self.accepted: list[tuple[str, str]] = []
        self.serial = 0

    def new_id(self) -> str:
        self.serial += 1
        return f"r{self.serial}"

    def text(self) -> str:
        return self.rng.choice(self.texts)


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _good(state: _BrokenState, **extra: object) -> bytes:
    article_id, text = state.new_id(), state.text()
    state.accepted.append((article_id, text))
    return _dumps({"id": article_id, "text": text, "outlet": f"outlet{state.rng.randrange(20)}", **extra})


def _scanned(state: _BrokenState, text: str, **extra: object) -> bytes:
    article_id = state.new_id()
    state.accepted.append((article_id, text))
    return _dumps({"id": article_id, "text": text, **extra})


def _cut_json(state: _BrokenState) -> BrokenLine:
    raw = _dumps({"id": state.new_id(), "text": state.text()})
    cut = raw[: state.rng.randrange(1, len(raw) - 1)]
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError:
        return BrokenLine("invalid_json", cut, "rejected", "rejected: invalid UTF-8")
    return BrokenLine("invalid_json", cut, "rejected", "rejected: invalid JSON")


def _duplicate(state: _BrokenState, same_text: bool) -> BrokenLine:
    if not state.accepted:
        return BrokenLine("good", _good(state), "scanned")
    article_id, text = state.rng.choice(state.accepted)
    if not same_text:
        text = state.text() + " A different ending."
    kind = "duplicate_id_same_text" if same_text else "duplicate_id_other_text"
    return BrokenLine(kind, _dumps({"id": article_id, "text": text}), "rejected", "rejected: duplicate id")


def _not_object(state: _BrokenState) -> BrokenLine:
    value, name = state.rng.choice([(b"[1, 2]", "list"), (b'"text"', "str"), (b"42", "int"), (b"null", "NoneType")])
    return BrokenLine("not_an_object", value, "rejected", f"rejected: not a JSON object but {name}")


def _too_long_text(state: _BrokenState) -> BrokenLine:
    text = ("word " * (state.max_text_chars // 5 + 2))[: state.max_text_chars + 1 + state.rng.randrange(100)]
    return BrokenLine(
        "text_too_long", _dumps({"id": state.new_id(), "text": text}), "rejected", "longer than the maximum article"
    )


def _too_long_line(state: _BrokenState) -> BrokenLine:
    limit = 12 * state.max_text_chars + (1 << 20)
    raw = b'{"id": "' + state.new_id().encode() + b'", "text": "' + b"x" * limit + b'"}'
    return BrokenLine("line_too_long", raw, "rejected", f"longer than the limit of {limit:,}")


MULTI_SCRIPT = (
    "Новости дня: 東京で会議が開かれた。 وقال المتحدث إن الاجتماع ناجح। नई दिल्ली में बैठक हुई। "
    "Ένας υπουργός είπε ότι 🙂 the meeting in Tirana went well, Žižek wrote."
)

# Each kind: a weight and a maker. The weights give every class a fair share and keep the costly long lines rare.
_KINDS: dict[str, tuple[float, Callable[[_BrokenState], BrokenLine]]] = {
    "invalid_json": (4, _cut_json),
    "not_an_object": (4, _not_object),
    "id_wrong_type": (
        3,
        lambda s: BrokenLine(
            "id_wrong_type",
            _dumps({"id": s.rng.choice([7, 1.5, True, ["a"]]), "text": s.text()}),
            "rejected",
            '"id" must be a string',
        ),
    ),
    "text_wrong_type": (
        3,
        lambda s: BrokenLine(
            "text_wrong_type",
            _dumps({"id": s.new_id(), "text": s.rng.choice([None, 3, {"body": "x"}, ["x"]])}),
            "rejected",
            '"text" must be a string',
        ),
    ),
    "id_missing": (
        3,
        lambda s: BrokenLine("id_missing", _dumps({"text": s.text()}), "rejected", 'rejected: missing "id"'),
    ),
    "text_missing": (
        3,
        lambda s: BrokenLine(
            "text_missing", _dumps({"id": s.new_id(), "body": s.text()}), "rejected", 'rejected: missing "text"'
        ),
    ),
    "id_empty": (
        2,
        lambda s: BrokenLine("id_empty", _dumps({"id": " ", "text": s.text()}), "rejected", '"id" is empty'),
    ),
    "latin1": (
        3,
        lambda s: BrokenLine(
            "latin1",
            b'{"id": "'
            + s.new_id().encode()
            + b'", "text": "'
            + s.text()[:200].encode("latin-1", "replace")
            + b'\xe9"}',
            "rejected",
            "rejected: invalid UTF-8",
        ),
    ),
    "surrogate_bytes": (
        2,
        lambda s: BrokenLine(
            "surrogate_bytes",
            b'{"id": "' + s.new_id().encode() + b'", "text": "bad \xed\xa0\x80 bytes"}',
            "rejected",
            "rejected: invalid UTF-8",
        ),
    ),
    "lone_surrogate_escape": (
        2,
        lambda s: BrokenLine(
            "lone_surrogate_escape",
            b'{"id": "' + s.new_id().encode() + b'", "text": "lone \\ud800 escape"}',
            "rejected",
            "rejected: invalid JSON",
        ),
    ),
    "raw_nul": (
        2,
        lambda s: BrokenLine(
            "raw_nul",
            b'{"id": "' + s.new_id().encode() + b'", "text": "a\x00b"}',
            "rejected",
            "rejected: invalid JSON",
        ),
    ),
    "duplicate_id_same_text": (3, lambda s: _duplicate(s, True)),
    "duplicate_id_other_text": (3, lambda s: _duplicate(s, False)),
    "text_too_long": (1, _too_long_text),
    "line_too_long": (0.25, _too_long_line),
    "bom": (2, lambda s: BrokenLine("bom", b"\xef\xbb\xbf" + _good(s), "scanned")),
    "crlf": (3, lambda s: BrokenLine("crlf", _good(s) + b"\r", "scanned")),
    "escaped_nul": (2, lambda s: BrokenLine("escaped_nul", _scanned(s, s.text() + "\x00 end"), "scanned")),
    "empty_text": (2, lambda s: BrokenLine("empty_text", _scanned(s, ""), "scanned")),
    "whitespace_text": (2, lambda s: BrokenLine("whitespace_text", _scanned(s, " \t\r\n\u00a0\u3000 "), "scanned")),
    "no_word_text": (2, lambda s: BrokenLine("no_word_text", _scanned(s, "!!! ... --- *** ??? «» — …"), "scanned")),
    "multi_script": (3, lambda s: BrokenLine("multi_script", _scanned(s, MULTI_SCRIPT + " " + s.text()), "scanned")),
    "extra_fields": (
        3,
        lambda s: BrokenLine("extra_fields", _good(s, tags=["a", 1], meta={"x": None}, html="<p>hi</p>"), "scanned"),
    ),
    "bad_date": (
        3,
        lambda s: BrokenLine(
            "bad_date",
            _good(s, published=s.rng.choice(["June 30", "30/06/2023", "2023-13-45", "yesterday", ""])),
            "scanned",
            'warning: "published"',
        ),
    ),
    "optional_wrong_type": (
        3,
        lambda s: BrokenLine(
            "optional_wrong_type", _good(s, title=s.rng.choice([5, ["t"], {"en": "t"}])), "scanned", 'warning: "title"'
        ),
    ),
    "blank": (2, lambda s: BrokenLine("blank", s.rng.choice([b"", b"   ", b"\t", b"\r"]), "skipped")),
}
BROKEN_KINDS = tuple(_KINDS)


def broken_lines(
    kinds: Iterable[str], texts: Sequence[str], seed: int = 1, max_text_chars: int = 1_000_000
) -> Iterator[BrokenLine]:
    """Yield one line of each kind in `kinds`, in order ("good" for a plain article); deterministic for a seed."""
    state = _BrokenState(texts, random.Random(seed), max_text_chars)
    for kind in kinds:
        yield _KINDS[kind][1](state) if kind != "good" else _good_line(state)


def broken_stream(
    texts: Sequence[str], count: int, broken_share: float = 0.2, seed: int = 1, max_text_chars: int = 1_000_000
) -> Iterator[BrokenLine]:
    """Yield `count` JSON lines: good articles made of `texts`, and a `broken_share` of them hostile or broken.

    Every class of broken or unusual input that `dedup scan` documents appears, each line labelled with what the
    scan must do with it, so that a run's account can be checked exactly. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    state = _BrokenState(texts, rng, max_text_chars)
    names = list(_KINDS)
    weights = [_KINDS[name][0] for name in names]
    for _ in range(count):
        if rng.random() >= broken_share:
            yield _good_line(state)
        else:
            yield _KINDS[rng.choices(names, weights)[0]][1](state)


def _good_line(state: _BrokenState) -> BrokenLine:
    published = f"2023-{state.rng.randrange(1, 13):02d}-{state.rng.randrange(1, 29):02d}"
    return BrokenLine("good", _good(state, published=published), "scanned")


def news_texts(count: int, seed: int = 1, words: tuple[int, int] = (150, 450)) -> list[str]:
    """Return `count` news-length texts cut from real text: windows of PAN training articles, else of seeds/.

    Windows overlap now and then, as reprints and shared quotes do, so a scan of them finds passages but every
    text is its own article. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    sources = pan_texts(10_000) or [f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt"))]
    tokens = [source.split() for source in sources]
    texts = []
    for _ in range(count):
        source = rng.choice(tokens)
        size = min(len(source), rng.randint(*words))
        start = rng.randrange(len(source) - size + 1)
        window = source[start : start + size]
        if len(sources) < 100:
            # Few sources (the seeds): shuffle the window's sentences-sized pieces so texts rarely coincide.
            pieces = [window[i : i + 12] for i in range(0, len(window), 12)]
            rng.shuffle(pieces)
            window = [word for piece in pieces for word in piece]
        texts.append(" ".join(window))
    return texts
