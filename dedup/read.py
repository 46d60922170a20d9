"""Read articles from JSON lines (files, `.gz`, stdin) and plain-text files or folders.

Every input record becomes an `Article` or a `Rejected` that names its file and line, so a caller can account for
all of them; problems that cost no record (an unparseable date, a skipped file) come as a `Notice`.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson

from dedup.records import Article, Notice, Rejected

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
TEXT_SUFFIXES = (".txt",)
STDIN_NAME = "<stdin>"
BOM = b"\xef\xbb\xbf"
# One million characters is about 170,000 words, far beyond any news article, while a whole site dump saved as one
# "article" (tens of MB) is refused before it costs memory or alignment time (README.md, Limits).
DEFAULT_MAX_TEXT_CHARS = 1_000_000
_SKIP_CHUNK = 1 << 20
# Plain files are read through a 1 MiB buffer: with the default 8 KiB, reading the lines of news-length articles
# took 4.4 us per line, against 1.2 us.
_READ_BUFFER = 1 << 20

Record = Article | Rejected | Notice


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Names of the JSON fields that hold each article attribute."""

    id: str = "id"
    text: str = "text"
    outlet: str = "outlet"
    published: str = "published"
    url: str = "url"
    title: str = "title"


class _SeenIds:
    """Remember where each id was first seen, to reject later duplicates."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def check(self, article_id: str, where: str) -> str | None:
        first = self._first.get(article_id)
        if first is not None:
            return f"duplicate id {_shown_id(article_id)} (first seen at {first})"
        self._first[article_id] = where
        return None


def max_line_bytes(max_text_chars: int) -> int:
    """Return the longest JSON line read for a text limit: 12 bytes per character (an escaped surrogate pair) + 1 MiB.

    So no line whose text is within the limit is refused for its length, however its writer escaped it.
    """
    return 12 * max_text_chars + (1 << 20)


@dataclass(slots=True)
class _Context:
    """What every file of one read shares: field names, the ids seen so far and the size limits."""

    fields: FieldMap
    seen: _SeenIds
    max_text_chars: int

    @property
    def max_line(self) -> int:
        return max_line_bytes(self.max_text_chars)


def read_articles(
    paths: Iterable[str],
    stdin: BinaryIO | None = None,
    fields: FieldMap | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Iterator[Record]:
    """Yield every record of the given paths in order; `-` or no paths at all read `stdin` as JSON lines.

    A text longer than `max_text_chars` characters is rejected, and a JSON line longer than
    `max_line_bytes(max_text_chars)` bytes is rejected without being held in memory.
    """
    if max_text_chars < 1:
        raise ValueError("max_text_chars must be at least 1")
    ctx = _Context(fields or FieldMap(), _SeenIds(), max_text_chars)
    path_list = list(paths)
    if not path_list:
        path_list = ["-"]
    for path in path_list:
        if path == "-":
            if stdin is None:
                raise ValueError("no stdin stream given for '-'")
            yield from _read_jsonl(stdin, STDIN_NAME, ctx)
        elif os.path.isdir(path):
            yield from _read_folder(Path(path), ctx)
        else:
            yield from _read_file(Path(path), ctx)


def input_bytes(paths: Iterable[str]) -> int:
    """Return the bytes of the uncompressed files that `read_articles` reads from `paths` (folders walked, gzipped
    files and stdin not counted, unreadable files skipped): a size hint, not a promise."""
    total = 0
    for path in paths:
        if path == "-":
            continue
        for name in _folder_files(Path(path)) if os.path.isdir(path) else [Path(path)]:
            if name.name.endswith(JSONL_SUFFIXES + TEXT_SUFFIXES) and not name.name.endswith(".gz"):
                try:
                    total += name.stat().st_size
                except OSError:
                    continue
    return total


def _folder_files(folder: Path) -> Iterator[Path]:
    """Yield every file under `folder`, in the order a scan reads them (sorted names, folder by folder)."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def _read_folder(folder: Path, ctx: _Context) -> Iterator[Record]:
    for path in _folder_files(folder):
        if path.name.endswith(JSONL_SUFFIXES + TEXT_SUFFIXES):
            yield from _read_file(path, ctx)
        else:
            yield Notice(str(path), None, "skipped: not a .txt, .jsonl, .ndjson or gzipped JSON lines file")


def _read_file(path: Path, ctx: _Context) -> Iterator[Record]:
    name = str(path)
    try:
        if name.endswith(JSONL_SUFFIXES):
            with gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb", _READ_BUFFER) as stream:
                yield from _read_jsonl(stream, name, ctx)  # type: ignore[arg-type]
        else:
            yield _read_text_file(path, ctx)
    except OSError as err:
        yield Rejected(name, None, f"cannot read file: {err.strerror or err}")


def _read_text_file(path: Path, ctx: _Context) -> Article | Rejected:
    name = str(path)
    # A UTF-8 character takes at most 4 bytes, so a file longer than this is over the limit whatever it holds.
    most = 4 * ctx.max_text_chars + len(BOM)
    with path.open("rb") as stream:
        data = stream.read(most + 1)
    if len(data) > most:
        return Rejected(
            name, None, f"file is larger than the maximum article size of {ctx.max_text_chars:,} characters"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return Rejected(name, None, f"invalid UTF-8 at byte {err.start}")
    if len(text) > ctx.max_text_chars:
        return Rejected(name, None, _too_long(text, ctx.max_text_chars))
    duplicate = ctx.seen.check(path.name, name)
    if duplicate:
        return Rejected(name, None, duplicate)
    return Article(id=path.name, text=text, source=name)


def _read_jsonl(stream: BinaryIO, name: str, ctx: _Context) -> Iterator[Record]:
    line_no = 0
    try:
        for line_no, raw in enumerate(_bounded_lines(stream, ctx.max_line), 1):
            if isinstance(raw, int):
                yield Rejected(name, line_no, f"line is {raw:,} bytes, longer than the limit of {ctx.max_line:,}")
                continue
            if raw.startswith(BOM):
                raw = raw[3:]  # a UTF-8 byte order mark, as some editors write (also where files were concatenated)
            if not raw.strip():
                continue
            yield from _parse_line(raw, name, line_no, ctx)
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        yield Rejected(name, line_no + 1, f"truncated or corrupt gzip data ({err}); the rest of the file is lost")


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | int]:
    """Yield each line, or the length in bytes (line end not counted) of a line longer than `limit`, read in chunks.

    A long line is never held whole: its bytes are skipped in 1 MiB pieces.
    """
    while raw := stream.readline(limit + 1):
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        length = len(raw)
        while raw and not raw.endswith(b"\n"):
            raw = stream.readline(_SKIP_CHUNK)
            length += len(raw)
        yield length - raw.endswith(b"\n")


def _too_long(text: str, max_text_chars: int) -> str:
    return f"text is {len(text):,} characters, longer than the maximum article size of {max_text_chars:,}"


def _parse_line(raw: bytes, name: str, line_no: int, ctx: _Context) -> Iterator[Record]:
    fields, seen = ctx.fields, ctx.seen
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        yield Rejected(name, line_no, _undecodable(raw) or f"invalid JSON: {err}")
        return
    if not isinstance(obj, dict):
        yield Rejected(name, line_no, f"not a JSON object but {type(obj).__name__}")
        return
    for key in (fields.id, fields.text):
        if key not in obj:
            yield Rejected(name, line_no, f'missing "{key}"')
            return
        if not isinstance(obj[key], str):
            yield Rejected(name, line_no, f'"{key}" must be a string, not {_json_type(obj[key])}')
            return
    article_id, text = obj[fields.id], obj[fields.text]
    if not article_id.strip():
        yield Rejected(name, line_no, f'"{fields.id}" is empty')
        return
    if len(text) > ctx.max_text_chars:
        yield Rejected(name, line_no, _too_long(text, ctx.max_text_chars))
        return
    duplicate = seen.check(article_id, f"{name}:{line_no}")
    if duplicate:
        yield Rejected(name, line_no, duplicate)
        return
    optional: dict[str, str | None] = {}
    for attr in ("outlet", "published", "url", "title"):
        key = getattr(fields, attr)
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            yield Notice(name, line_no, f'"{key}" must be a string or null, not {_json_type(value)}; ignored')
            value = None
        optional[attr] = value
    published_at = None
    if optional["published"] is not None:
        published_at = parse_published(optional["published"])
        if published_at is None:
            yield Notice(
                name,
                line_no,
                f'"{fields.published}" {_shown(optional["published"])} is not an ISO 8601 date; ignored',
            )
            optional["published"] = None
    yield Article(
        id=article_id,
        text=text,
        outlet=optional["outlet"],
        published=optional["published"],
        published_at=published_at,
        url=optional["url"],
        title=optional["title"],
        source=name,
        line_no=line_no,
    )


def _undecodable(raw: bytes) -> str | None:
    """Say where a line is not UTF-8, if it is not; orjson rejects such lines with a less useful message."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"invalid UTF-8 at byte {err.start}"
    return None


def parse_published(value: str) -> datetime | None:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime; a naive value is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _shown_id(value: str) -> str:
    """Quote an id for a one-line message: JSON-escaped (no raw line breaks or control codes), cut after 80 chars."""
    return orjson.dumps(value[:80]).decode() + ("…" if len(value) > 80 else "")


def _shown(value: str) -> str:
    """Quote a field value for a one-line message, cut after 80 characters."""
    return repr(value[:80]) + ("…" if len(value) > 80 else "")


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
