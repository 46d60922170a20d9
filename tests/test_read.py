"""Tests of `dedup.read.read_articles`: input formats, rejected lines, notices and field remapping."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dedup.read import ArticleStore, FieldMap, InputChangedError, Record, input_bytes, read_articles
from dedup.records import Article, LineOrigin, Notice, Rejected

STDIN = "<stdin>"


def line(**fields: object) -> bytes:
    """Return one JSON line (without its newline) holding `fields`."""
    return json.dumps(fields).encode()


def read_stdin(*lines: bytes, fields: FieldMap | None = None) -> list[Record]:
    """Read `lines` as a JSON-lines stdin stream."""
    return list(read_articles([], stdin=io.BytesIO(b"\n".join(lines) + b"\n"), fields=fields))


def write(path: Path, *lines: bytes) -> str:
    """Write JSON `lines` to `path` and return the path as a string."""
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def articles(records: list[Record]) -> list[Article]:
    return [r for r in records if isinstance(r, Article)]


# --- formats -----------------------------------------------------------------------------------------------------


def test_jsonl_line_becomes_an_article_with_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news.jsonl",
        line(
            id="a1",
            text="Some text.",
            outlet="Tehran Times",
            published="2023-06-30",
            url="https://example.com/a1",
            title="A title",
        ),
    )

    assert list(read_articles([path])) == [
        Article(
            id="a1",
            text="Some text.",
            outlet="Tehran Times",
            published="2023-06-30",
            published_at=datetime(2023, 6, 30, tzinfo=UTC),
            url="https://example.com/a1",
            title="A title",
            source=path,
            line_no=1,
            origin=LineOrigin(0, len(Path(path).read_bytes()), "id", "text"),
        )
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"], ids=["jsonl", "ndjson"])
def test_json_lines_suffixes_are_read(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path / f"news{suffix}", line(id="a", text="x"), line(id="b", text="y"))

    assert [(a.id, a.text, a.line_no) for a in articles(list(read_articles([path])))] == [("a", "x", 1), ("b", "y", 2)]


def test_gzipped_json_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    path.write_bytes(gzip.compress(line(id="a", text="x") + b"\n" + line(id="b", text="y") + b"\n"))

    assert [(a.id, a.source, a.line_no) for a in articles(list(read_articles([str(path)])))] == [
        ("a", str(path), 1),
        ("b", str(path), 2),
    ]


@pytest.mark.parametrize("paths", [[], ["-"]], ids=["no-paths", "dash"])
def test_stdin_is_read_when_no_paths_or_dash(paths: list[str]) -> None:
    stdin = io.BytesIO(line(id="a", text="x") + b"\n")

    assert list(read_articles(paths, stdin=stdin)) == [Article(id="a", text="x", source=STDIN, line_no=1)]


def test_files_and_stdin_are_read_in_the_order_given(tmp_path: Path) -> None:
    first = write(tmp_path / "first.jsonl", line(id="a", text="x"))
    last = write(tmp_path / "last.jsonl", line(id="c", text="z"))
    stdin = io.BytesIO(line(id="b", text="y") + b"\n")

    records = list(read_articles([first, "-", last], stdin=stdin))

    assert [(a.id, a.source) for a in articles(records)] == [("a", first), ("b", STDIN), ("c", last)]


def test_txt_file_is_one_article_whose_id_is_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Line one.\nLine two.\n", encoding="utf-8")

    assert list(read_articles([str(path)])) == [
        Article(id="story.txt", text="Line one.\nLine two.\n", source=str(path))
    ]


def test_folder_is_read_recursively_in_sorted_order_and_other_files_give_a_notice(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("bee", encoding="utf-8")
    (tmp_path / "a.txt").write_text("ay", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not news", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.jsonl", line(id="c", text="see"))
    (tmp_path / "sub" / "d.jsonl.gz").write_bytes(gzip.compress(line(id="d", text="dee") + b"\n"))

    records = list(read_articles([str(tmp_path)]))

    assert [r.id if isinstance(r, Article) else type(r).__name__ for r in records] == [
        "a.txt",
        "b.txt",
        "Notice",
        "c",
        "d",
    ]
    notice = records[2]
    assert isinstance(notice, Notice)
    assert notice.source == str(tmp_path / "notes.md")
    assert notice.message.startswith("skipped: ")


def test_same_file_name_in_two_folders_is_a_duplicate_id(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("two", encoding="utf-8")

    records = list(read_articles([str(tmp_path)]))

    assert records[1] == Rejected(
        str(tmp_path / "sub" / "a.txt"), None, f'duplicate id "a.txt" (first seen at {tmp_path / "a.txt"})'
    )


# --- line handling -----------------------------------------------------------------------------------------------


def test_blank_lines_are_skipped_but_still_counted_in_line_numbers() -> None:
    records = read_stdin(b"", line(id="a", text="x"), b"   ", b"\t", line(id="b", text="y"), b"")

    assert [(a.id, a.line_no) for a in articles(records)] == [("a", 2), ("b", 5)]
    assert len(records) == 2


def test_utf8_bom_on_the_first_line_is_tolerated() -> None:
    records = read_stdin(b"\xef\xbb\xbf" + line(id="a", text="x"), line(id="b", text="y"))

    assert [a.id for a in articles(records)] == ["a", "b"]
    assert len(records) == 2


def test_utf8_bom_in_a_txt_file_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello.")

    assert articles(list(read_articles([str(path)])))[0].text == "Hello."


def test_crlf_line_ends_are_read() -> None:
    stdin = io.BytesIO(line(id="a", text="x") + b"\r\n\r\n" + line(id="b", text="y") + b"\r\n")

    records = list(read_articles([], stdin=stdin))

    assert [(a.id, a.text, a.line_no) for a in articles(records)] == [("a", "x", 1), ("b", "y", 3)]
    assert len(records) == 2


# --- rejected lines ----------------------------------------------------------------------------------------------

BAD_LINES = [
    pytest.param(b"[1, 2]", "not a JSON object but list", id="array"),
    pytest.param(b'"just a string"', "not a JSON object but str", id="string"),
    pytest.param(line(text="x"), 'missing "id"', id="missing-id"),
    pytest.param(line(id="b"), 'missing "text"', id="missing-text"),
    pytest.param(line(id=7, text="x"), '"id" must be a string, not a number', id="number-id"),
    pytest.param(line(id=None, text="x"), '"id" must be a string, not null', id="null-id"),
    pytest.param(line(id="b", text=["x"]), '"text" must be a string, not an array', id="array-text"),
    pytest.param(line(id="b", text=True), '"text" must be a string, not a boolean', id="boolean-text"),
    pytest.param(line(id="", text="x"), '"id" is empty', id="empty-id"),
    pytest.param(line(id=" \t", text="x"), '"id" is empty', id="whitespace-id"),
    pytest.param(line(id="a", text="again"), 'duplicate id "a" (first seen at <stdin>:1)', id="duplicate-id"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_LINES)
def test_bad_line_is_rejected_with_its_line_number_and_neighbours_are_read(bad: bytes, reason: str) -> None:
    records = read_stdin(line(id="a", text="x"), bad, line(id="c", text="z"))

    assert records == [
        Article(id="a", text="x", source=STDIN, line_no=1),
        Rejected(STDIN, 2, reason),
        Article(id="c", text="z", source=STDIN, line_no=3),
    ]


def test_invalid_json_line_is_rejected_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path / "news.jsonl", line(id="a", text="x"), b'{"id": "b", "text": ', line(id="c", text="z"))

    records = list(read_articles([path]))

    assert [type(r).__name__ for r in records] == ["Article", "Rejected", "Article"]
    rejected = records[1]
    assert isinstance(rejected, Rejected)
    assert (rejected.source, rejected.line_no) == (path, 2)
    assert rejected.reason.startswith("invalid JSON")


def test_invalid_utf8_is_rejected_with_the_byte_offset() -> None:
    prefix = b'{"id": "b", "text": "caf'
    records = read_stdin(line(id="a", text="x"), prefix + b'\xe9"}', line(id="c", text="z"))

    assert records[1] == Rejected(STDIN, 2, f"invalid UTF-8 at byte {len(prefix)}")
    assert [a.id for a in articles(records)] == ["a", "c"]


def test_duplicate_id_in_a_later_file_names_the_first_file_and_line(tmp_path: Path) -> None:
    first = write(tmp_path / "one.jsonl", line(id="x", text="t"), line(id="dup", text="first"))
    second = write(tmp_path / "two.jsonl", line(id="dup", text="second"))

    records = list(read_articles([first, second]))

    assert records[-1] == Rejected(second, 1, f'duplicate id "dup" (first seen at {first}:2)')
    assert [a.text for a in articles(records)] == ["t", "first"]


@pytest.mark.parametrize("kind", ["jsonl", "txt"])
def test_same_path_given_twice_rejects_the_second_copy_as_duplicate_ids(tmp_path: Path, kind: str) -> None:
    if kind == "jsonl":
        path = write(tmp_path / "news.jsonl", line(id="a", text="x"))
        expected = Rejected(path, 1, f'duplicate id "a" (first seen at {path}:1)')
    else:
        path = str(tmp_path / "a.txt")
        Path(path).write_text("x", encoding="utf-8")
        expected = Rejected(path, None, f'duplicate id "a.txt" (first seen at {path})')

    records = list(read_articles([path, path]))

    assert records[1] == expected


def test_truncated_gzip_keeps_complete_lines_and_rejects_the_rest(tmp_path: Path) -> None:
    lines = [line(id=f"a{i}", text=f"article {i} " * 400) for i in range(200)]
    data = gzip.compress(b"\n".join(lines) + b"\n")
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    complete = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2]).count(b"\n")

    records = list(read_articles([str(path)]))

    assert [a.id for a in articles(records)] == [f"a{i}" for i in range(complete)]
    last = records[-1]
    assert isinstance(last, Rejected)
    assert (last.source, last.line_no) == (str(path), complete + 1)
    assert last.reason.startswith("truncated or corrupt gzip data")
    assert len(records) == complete + 1


# --- optional fields ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "json_type"),
    [
        ("outlet", 5, "a number"),
        ("published", 20230630, "a number"),
        ("url", ["https://example.com"], "an array"),
        ("title", {"en": "Title"}, "an object"),
    ],
    ids=["outlet", "published", "url", "title"],
)
def test_non_string_optional_field_gives_a_notice_and_the_article_is_kept_without_it(
    field: str, value: object, json_type: str
) -> None:
    records = read_stdin(line(id="z", text="x"), line(id="a", text="x", **{field: value}))

    notice, article = records[1:]
    assert notice == Notice(STDIN, 2, f'"{field}" must be a string or null, not {json_type}; ignored')
    assert isinstance(article, Article)
    assert article.id == "a"
    assert getattr(article, field) is None
    assert article.published_at is None


def test_published_that_is_not_iso_8601_gives_a_notice_and_the_article_is_kept_without_it() -> None:
    records = read_stdin(line(id="a", text="x", published="last Tuesday", outlet="Tasnim"))

    assert records == [
        Notice(STDIN, 1, "\"published\" 'last Tuesday' is not an ISO 8601 date; ignored"),
        Article(id="a", text="x", outlet="Tasnim", published=None, published_at=None, source=STDIN, line_no=1),
    ]


def test_null_optional_fields_give_no_notice() -> None:
    records = read_stdin(line(id="a", text="x", outlet=None, published=None, url=None, title=None))

    assert records == [Article(id="a", text="x", source=STDIN, line_no=1)]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2023-06-30", datetime(2023, 6, 30, tzinfo=UTC)),
        ("2023-06-30T10:00:00", datetime(2023, 6, 30, 10, tzinfo=UTC)),
        ("2023-06-30T10:00:00+02:00", datetime(2023, 6, 30, 8, tzinfo=UTC)),
        ("2023-06-30T01:30:00-03:00", datetime(2023, 6, 30, 4, 30, tzinfo=UTC)),
    ],
    ids=["date", "naive-datetime", "plus-two", "minus-three"],
)
def test_published_parses_to_an_aware_utc_datetime(published: str, expected: datetime) -> None:
    (article,) = read_stdin(line(id="a", text="x", published=published))

    assert isinstance(article, Article)
    assert article.published == published
    assert article.published_at == expected
    assert article.published_at is not None
    assert article.published_at.utcoffset() == timedelta(0)


# --- field map ---------------------------------------------------------------------------------------------------


def test_field_map_remaps_every_field_name() -> None:
    fields = FieldMap(id="doc_id", text="body", outlet="source", published="date", url="link", title="headline")
    raw = line(doc_id="d1", body="Text.", source="IRNA", date="2023-06-30", link="https://x", headline="H")

    assert read_stdin(raw, fields=fields) == [
        Article(
            id="d1",
            text="Text.",
            outlet="IRNA",
            published="2023-06-30",
            published_at=datetime(2023, 6, 30, tzinfo=UTC),
            url="https://x",
            title="H",
            source=STDIN,
            line_no=1,
        )
    ]


def test_field_map_names_the_remapped_field_in_reasons_and_ignores_default_names() -> None:
    fields = FieldMap(id="doc_id", text="body", published="date")

    records = read_stdin(
        line(id="a", text="x"),
        line(doc_id="b", text="x"),
        line(doc_id="c", body="y", date="soon", published="2023-06-30"),
        fields=fields,
    )

    assert records == [
        Rejected(STDIN, 1, 'missing "doc_id"'),
        Rejected(STDIN, 2, 'missing "body"'),
        Notice(STDIN, 3, "\"date\" 'soon' is not an ISO 8601 date; ignored"),
        Article(id="c", text="y", source=STDIN, line_no=3),
    ]


def test_input_bytes_counts_the_plain_files_read(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"y" * 30)
    (tmp_path / "sub" / "c.jsonl.gz").write_bytes(b"z" * 50)
    (tmp_path / "notes.md").write_bytes(b"w" * 7)
    assert input_bytes([str(tmp_path)]) == 130
    assert input_bytes([str(tmp_path / "a.jsonl"), "-", str(tmp_path / "missing.jsonl")]) == 100


# --- texts read again from their files ---------------------------------------------------------------------------


def stored(records: list[Record], keep_texts: bool = False) -> ArticleStore:
    store = ArticleStore(keep_texts)
    for article in articles(records):
        store.append(article)
    return store


def test_a_text_left_in_its_file_reads_back_the_same(tmp_path: Path) -> None:
    texts = ["Iran’s “terrorist” cult — MKO", "Тегеран заявил: «нет»", "東京に行く 🙂", "plain ascii"]
    raw = b"\xef\xbb\xbf" + line(id="a", text=texts[0]) + b"\r\n\n"  # a byte order mark, CRLF, a blank line
    raw += b"\n".join(line(id=f"x{i}", text=t, outlet="o") for i, t in enumerate(texts[1:])) + b"\n"
    (tmp_path / "news.jsonl").write_bytes(raw)
    records = list(read_articles([str(tmp_path / "news.jsonl")], fields=FieldMap()))
    store = stored(records)

    assert [store.about(i).text for i in range(len(store))] == ["", "", "", ""]  # nothing kept
    assert [a.text for a in store] == texts
    assert store[1:3] == articles(records)[1:3]
    assert [store.length(i) for i in range(len(store))] == [len(t) for t in texts]
    store.close()
    assert store.text(3) == "plain ascii"  # opened again


def test_texts_of_gzip_files_and_stdin_stay_in_memory(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "news.jsonl.gz", "wb") as stream:
        stream.write(line(id="g", text="gzipped text") + b"\n")
    records = list(read_articles([str(tmp_path / "news.jsonl.gz"), "-"], stdin=io.BytesIO(line(id="s", text="piped"))))
    store = stored(records)

    assert [a.origin for a in articles(records)] == [None, None]
    assert [store.about(i).text for i in range(2)] == ["gzipped text", "piped"]


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda raw: raw.replace(b"first text", b"other text"),  # same length, other id at the offset
        lambda raw: raw.replace(b'"a"', b'"z"'),  # another id
        lambda raw: raw.replace(b"first text", b"first text, longer now"),
        lambda raw: b"",  # emptied
    ],
    ids=["moved", "other-id", "longer", "emptied"],
)
def test_a_file_changed_during_the_scan_is_an_error_not_another_text(
    tmp_path: Path, rewrite: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(line(id="b", text="second") + b"\n" + line(id="a", text="first text") + b"\n")
    assert stored(list(read_articles([str(path)]))).text(1) == "first text"  # unchanged, it reads back
    store = stored(list(read_articles([str(path)])))  # a new store: nothing read back yet
    path.write_bytes(rewrite(path.read_bytes()))

    with pytest.raises(InputChangedError, match=f"{path}:2"):
        store.text(1)


def test_keep_texts_keeps_them(tmp_path: Path) -> None:
    path = write(tmp_path / "news.jsonl", line(id="a", text="kept"))
    store = stored(list(read_articles([path])), keep_texts=True)
    Path(path).unlink()

    assert store.about(0).text == store.text(0) == "kept"
