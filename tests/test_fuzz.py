"""Hostile and broken input: `dedup scan`, `read_articles` and `Scanner` never crash and never lose a record silently.

The adversarial lines come from `benchmarks.corpus.broken_lines`, each labelled with what the scan must do with it
(the table in README.md); every test checks the labels against the stderr messages, the account and the exit code.
"""

from __future__ import annotations

import gzip
import io
import random
import tracemalloc
import zlib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import BROKEN_KINDS, BrokenLine, broken_lines, broken_stream, hostile_stream_texts
from dedup import Article, ScanConfig, Scanner
from dedup.cli import cli
from dedup.read import BOM, max_line_bytes, read_articles
from dedup.records import Rejected

MAX_CHARS = 2000
TEXTS = hostile_stream_texts(40, seed=3, words=(20, 90))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_scan(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["scan", "--max-article-chars", str(MAX_CHARS), *args], input=stdin)


def check_scan(result: Result, lines: list[BrokenLine], source: str = "<stdin>") -> None:
    """Check a scan of `lines` against their labels: messages, exact account, exit code, clean output."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    messages: dict[int, list[str]] = {}
    *located, summary = result.stderr.splitlines()
    for message in located:
        prefix, _, rest = message.partition(f"dedup: {source}:")
        assert prefix == "", message
        number, _, text = rest.partition(": ")
        messages.setdefault(int(number), []).append(text)
    for line_no, line in enumerate(lines, 1):
        got = messages.pop(line_no, [])
        if line.expect == "rejected":
            assert len(got) == 1 and got[0].startswith("rejected: "), (line.kind, got)
        elif line.expect == "skipped" or not line.message:
            assert got == [], (line.kind, got)
        if line.message:
            assert len(got) == 1 and line.message in got[0], (line.kind, line.message, got)
    assert messages == {}
    scanned = sum(line.expect == "scanned" for line in lines)
    rejected = sum(line.expect == "rejected" for line in lines)
    assert summary.startswith(f"dedup: read={scanned + rejected} scanned={scanned} rejected={rejected} matched=")
    assert result.exit_code == (1 if rejected else 0)
    records = [orjson.loads(text) for text in result.stdout_bytes.splitlines()]
    assert records[0]["record"] == "run"
    assert {r["record"] for r in records[1:]} <= {"cluster"}


def joined(lines: list[BrokenLine]) -> bytes:
    return b"".join(line.raw + b"\n" for line in lines)


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_each_input_class_gets_its_documented_outcome_and_its_neighbours_are_scanned(kind: str) -> None:
    lines = list(broken_lines(["good", "good", kind, "good"], TEXTS, max_text_chars=MAX_CHARS))
    assert lines[2].kind == kind

    check_scan(run_scan(stdin=joined(lines)), lines)


def test_the_labels_match_the_documented_outcome_of_each_class() -> None:
    lines = broken_lines(["good", *BROKEN_KINDS], TEXTS, max_text_chars=MAX_CHARS)
    outcome = {line.kind: line.expect for line in lines if line.kind != "good"}
    scanned = {
        "bom",
        "crlf",
        "escaped_nul",
        "empty_text",
        "whitespace_text",
        "no_word_text",
        "multi_script",
        "extra_fields",
        "bad_date",
        "optional_wrong_type",
    }

    assert {k for k, v in outcome.items() if v == "scanned"} == scanned
    assert {k for k, v in outcome.items() if v == "skipped"} == {"blank"}


@SETTINGS
@given(st.lists(st.sampled_from(("good", *BROKEN_KINDS)), max_size=25), st.integers(0, 2**32 - 1))
def test_any_mix_of_broken_lines_on_stdin_is_fully_accounted_for(kinds: list[str], seed: int) -> None:
    lines = list(broken_lines(kinds, TEXTS, seed, MAX_CHARS))

    check_scan(run_scan(stdin=joined(lines)), lines)


def test_a_generated_stream_in_a_file_and_in_a_gzip_file_is_fully_accounted_for(tmp_path: Path) -> None:
    lines = list(broken_stream(TEXTS * 5, 300, broken_share=0.5, seed=11, max_text_chars=MAX_CHARS))
    plain, packed = tmp_path / "feed.jsonl", tmp_path / "feed.jsonl.gz"
    plain.write_bytes(joined(lines))
    packed.write_bytes(gzip.compress(joined(lines)))

    check_scan(run_scan(str(plain)), lines, str(plain))
    check_scan(run_scan(str(packed)), lines, str(packed))


def test_the_same_stream_gives_byte_identical_output() -> None:
    stdin = joined(list(broken_stream(TEXTS * 5, 200, broken_share=0.5, seed=5, max_text_chars=MAX_CHARS)))

    first, second = run_scan(stdin=stdin), run_scan(stdin=stdin)

    assert first.stdout_bytes == second.stdout_bytes
    assert first.stderr == second.stderr


@SETTINGS
@given(st.data())
def test_a_gzip_file_cut_anywhere_keeps_every_complete_line_and_counts_the_cut_once(data: st.DataObject) -> None:
    lines = list(broken_lines(["good"] * 30, TEXTS, seed=2, max_text_chars=MAX_CHARS))
    packed = gzip.compress(joined(lines), mtime=0)
    cut = data.draw(st.integers(1, len(packed) - 1))
    complete = zlib.decompressobj(wbits=31).decompress(packed[:cut]).count(b"\n")
    stream = io.BytesIO(packed[:cut])

    with gzip.open(stream, "rb") as unpacked:
        records = list(read_articles(["-"], stdin=unpacked, max_text_chars=MAX_CHARS))  # type: ignore[arg-type]

    assert [r.line_no for r in records] == list(range(1, complete + 2))
    assert all(isinstance(r, Article) for r in records[:-1])
    last = records[-1]
    assert isinstance(last, Rejected)
    assert last.reason.startswith("truncated or corrupt gzip data")


def test_a_truncated_gzip_file_among_others_rejects_one_record_and_the_rest_is_scanned(tmp_path: Path) -> None:
    lines = list(broken_lines(["good"] * 40, TEXTS, seed=4, max_text_chars=MAX_CHARS))
    packed = gzip.compress(joined(lines[:20]))
    cut = tmp_path / "a.jsonl.gz"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    rest = tmp_path / "b.jsonl"
    rest.write_bytes(joined(lines[20:]))
    complete = zlib.decompressobj(wbits=31).decompress(packed[: len(packed) * 2 // 3]).count(b"\n")

    result = run_scan(str(cut), str(rest))

    assert result.exit_code == 1
    rejected, summary = result.stderr.splitlines()
    assert rejected.startswith(f"dedup: {cut}:{complete + 1}: rejected: truncated or corrupt gzip data")
    assert summary.startswith(f"dedup: read={complete + 21} scanned={complete + 20} rejected=1 ")


# --- the reader on arbitrary bytes --------------------------------------------------------------------------------

line_bytes = st.one_of(
    st.binary(max_size=120),
    st.sampled_from([line.raw for line in broken_lines(BROKEN_KINDS, TEXTS, max_text_chars=100)]),
    st.builds(
        lambda raw, cut: raw[:cut], st.sampled_from([b'{"id": "x", "text": "\xc3\xa9t\xc3\xa9"}']), st.integers()
    ),
).map(lambda raw: raw.replace(b"\n", b" "))


@settings(max_examples=200, deadline=None)
@given(st.lists(line_bytes, max_size=20))
def test_every_non_blank_line_of_any_bytes_gives_exactly_one_record(raws: list[bytes]) -> None:
    stdin = io.BytesIO(b"\n".join(raws) + b"\n")

    records = [r for r in read_articles([], stdin=stdin, max_text_chars=100) if not hasattr(r, "message")]

    expected = [n for n, raw in enumerate(raws, 1) if raw.removeprefix(BOM).strip()]
    assert [r.line_no for r in records] == expected


class _EndlessLine(io.RawIOBase):
    """A stream holding one JSON line of `size` bytes, then a good line; made as it is read, never held whole."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.tail = b'"}\n{"id": "after", "text": "still read"}\n'

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left > 0:
            n = min(len(buffer), self.left)
            buffer[:n] = b"a" * n
            self.left -= n
            return n
        n = min(len(buffer), len(self.tail))
        buffer[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_a_64_mb_line_is_rejected_without_being_held_in_memory() -> None:
    stream = io.BufferedReader(_EndlessLine(64 << 20))
    tracemalloc.start()
    try:
        records = list(read_articles([], stdin=stream, max_text_chars=1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    limit = max_line_bytes(1000)
    assert records[0] == Rejected("<stdin>", 1, f"line is {(64 << 20) + 2:,} bytes, longer than the limit of {limit:,}")
    assert isinstance(records[1], Article) and records[1].id == "after"
    assert peak < 4 * limit  # the line is 64 times the limit; reading it whole would show


def test_a_line_just_within_the_limit_is_read_and_one_byte_more_is_rejected() -> None:
    limit = max_line_bytes(10)
    fits = b'{"id": "a", "text": "short"}'.ljust(limit)  # the line end is not counted
    over = b'{"id": "b", "text": "short"}'.ljust(limit + 1)

    records = list(read_articles([], stdin=io.BytesIO(fits + b"\n" + over + b"\n"), max_text_chars=10))

    assert isinstance(records[0], Article)
    assert records[1] == Rejected("<stdin>", 2, f"line is {limit + 1:,} bytes, longer than the limit of {limit:,}")


def test_a_txt_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    small, big, wide = tmp_path / "small.txt", tmp_path / "big.txt", tmp_path / "wide.txt"
    small.write_text("x" * 10, encoding="utf-8")
    big.write_text("x" * 44, encoding="utf-8")  # more than 4 bytes per allowed character (and the BOM)
    wide.write_text("é" * 11, encoding="utf-8")

    records = list(read_articles([str(small), str(big), str(wide)], max_text_chars=10))

    assert isinstance(records[0], Article)
    assert records[1] == Rejected(str(big), None, "file is larger than the maximum article size of 10 characters")
    assert records[2] == Rejected(str(wide), None, "text is 11 characters, longer than the maximum article size of 10")


def test_ids_and_dates_in_messages_are_escaped_and_cut_to_one_short_line() -> None:
    long_id = "line\nbreak" + "x" * 200
    stdin = b"\n".join(
        orjson.dumps(r)
        for r in [
            {"id": long_id, "text": "one"},
            {"id": long_id, "text": "two"},
            {"id": "d", "text": "three", "published": "\x1b[31m" + "y" * 200},
        ]
    )

    result = run_scan(stdin=stdin)

    duplicate, warning, _ = result.stderr.splitlines()
    assert (
        duplicate
        == 'dedup: <stdin>:2: rejected: duplicate id "line\\nbreak' + "x" * 70 + '"… (first seen at <stdin>:1)'
    )
    assert "\x1b" not in warning and len(warning) < 160


# --- the library ---------------------------------------------------------------------------------------------------

hostile_chars = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),
    st.sampled_from(list("ab東京ءبтя🙂 \n\t\x00\u200b\ufeff.,")),
)
hostile_texts = st.one_of(st.text(hostile_chars, max_size=200), st.sampled_from(TEXTS))


@SETTINGS
@given(st.lists(hostile_texts, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_scanner_takes_any_text_within_the_limit_and_every_offset_is_inside_its_text(
    texts: list[str], rng: random.Random
) -> None:
    texts = [*texts, rng.choice(texts)]  # one copy, so that some runs match
    scanner = Scanner(ScanConfig(max_text_chars=10_000))

    for i, text in enumerate(texts):
        scanner.add(Article(id=str(i), text=text))

    for match in scanner.matches:
        assert 0 <= match.a_start <= match.a_end <= len(texts[match.a])
        assert 0 <= match.b_start <= match.b_end <= len(texts[match.b])
    for cluster in scanner.clusters():
        for member in cluster.members:
            assert 0 <= member.start <= member.end <= len(texts[member.seq])


def test_scanner_refuses_a_text_over_the_limit_and_stays_usable() -> None:
    scanner = Scanner(ScanConfig(max_text_chars=100))
    text = TEXTS[0][:100]

    with pytest.raises(ValueError, match="text is 101 characters, longer than the maximum article size of 100"):
        scanner.add(Article(id="big", text=text + "x"))
    scanner.add(Article(id="a", text=text))
    scanner.add(Article(id="big", text=text))

    assert [a.id for a in scanner.articles] == ["a", "big"]
    assert scanner.config.as_dict()["max_text_chars"] == 100


@pytest.mark.parametrize("value", [0, -5])
def test_max_text_chars_below_1_is_a_usage_error(value: int) -> None:
    with pytest.raises(ValueError, match="max_text_chars must be at least 1"):
        ScanConfig(max_text_chars=value)

    result = CliRunner().invoke(cli, ["scan", "--max-article-chars", str(value)], input=b"")

    assert result.exit_code == 2
    assert "max_text_chars must be at least 1" in result.stderr
