"""Read articles from JSON lines (files, `.gz`, stdin) and plain-text files or folders.

Every input record becomes an `Article` or a `Rejected` that names its file and line, so a caller can account for
all of them; problems that cost no record (an unparseable date, a skipped file) come as a `Notice`.
"""

from __future__ import annotations

import gzip
import os
import sys
import weakref
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, overload

import orjson
import xxhash

from dedup.records import Article, LineOrigin, Notice, Rejected

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
# Texts read again from their files that an `ArticleStore` keeps at hand (the articles of one cluster record).
_RECENT_TEXTS = 64

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
        self._first: dict[str, tuple[str, int | None]] = {}

    def check(self, article_id: str, source: str, line_no: int | None = None) -> str | None:
        first = self._first.get(article_id)
        if first is not None:
            where = first[0] if first[1] is None else f"{first[0]}:{first[1]}"
            return f"duplicate id {_shown_id(article_id)} (first seen at {where})"
        self._first[article_id] = (source, line_no)
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


class InputChangedError(Exception):
    """An article's text could not be read again from its file: the file changed (or went) during the scan."""


class ArticleStore(Sequence[Article]):
    """The articles of a scan, in order, as a sequence.

    Unless `keep_texts`, an article read from a plain JSON-lines file (`Article.origin` set) is kept without its
    text, which is read again from its line when asked for: the file's pages are in the page cache already, while a
    text kept as a Python string takes 1 to 4 bytes per character more memory (on a 100,000-article news stream,
    700 MB). The id and a 64-bit digest of the text are checked on every read, so a file changed during the scan
    gives an `InputChangedError`, never another text.
    """

    def __init__(self, keep_texts: bool = True) -> None:
        self.keep_texts = keep_texts
        self._articles: list[Article] = []
        self._lengths = array("q")
        self._digests = array("Q")  # of the UTF-8 text of each article left in its file (0 for the others)
        self._files: dict[str, int] = {}  # file descriptors, closed with the store
        self._recent: OrderedDict[int, Article] = OrderedDict()
        weakref.finalize(self, _close_all, self._files)

    def __len__(self) -> int:
        return len(self._articles)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        article = self._articles[index]
        if article.origin is None or self.keep_texts:
            return article
        seq = index % len(self._articles)
        found = self._recent.get(seq)
        if found is None:
            found = replace(article, text=self._read_again(article, self._digests[seq]))
            self._recent[seq] = found
            if len(self._recent) > _RECENT_TEXTS:
                self._recent.popitem(last=False)
        return found

    def append(self, article: Article, utf8: bytes | None = None) -> None:
        """Add the next article; `utf8`, if given, is its text encoded (which the scanner has at hand)."""
        self._lengths.append(len(article.text))
        if article.origin is not None and not self.keep_texts:
            self._digests.append(_digest(article.text, utf8))
            article = _without_text(article)
        else:
            self._digests.append(0)
        self._articles.append(article)

    def about(self, seq: int) -> Article:
        """Return article `seq` for its id, outlet and dates: its text may be left out (empty)."""
        return self._articles[seq]

    def text(self, seq: int) -> str:
        """Return the text of article `seq`."""
        return self[seq].text

    def length(self, seq: int) -> int:
        """Return the length of article `seq`'s text in characters."""
        return self._lengths[seq]

    def text_bytes(self) -> int:
        """Return the memory the texts kept take."""
        return sum(sys.getsizeof(a.text) for a in self._articles if a.text)  # "" is one shared object

    def close(self) -> None:
        """Close the files texts are read again from (they are opened again if needed)."""
        _close_all(self._files)

    def _read_again(self, article: Article, digest: int) -> str:
        origin = article.origin
        assert origin is not None
        where = f"{article.source}:{article.line_no}"
        try:
            fd = self._files.get(article.source)
            if fd is None:
                fd = self._files[article.source] = os.open(article.source, os.O_RDONLY)  # not inherited (PEP 446)
            obj = orjson.loads(os.pread(fd, origin.length, origin.offset))
            text = obj[origin.text_field]
            same = obj[origin.id_field] == article.id and isinstance(text, str) and _digest(text) == digest
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as err:
            raise InputChangedError(f"{where}: cannot read the article's text again ({err})") from err
        if not same:
            raise InputChangedError(f"{where}: the line no longer holds the text of article {_shown_id(article.id)}")
        return str(text)


def _close_all(files: dict[str, int]) -> None:
    for fd in files.values():
        os.close(fd)
    files.clear()


def _digest(text: str, utf8: bytes | None = None) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass") if utf8 is None else utf8)


def _without_text(a: Article) -> Article:
    return Article(a.id, "", a.outlet, a.published, a.published_at, a.url, a.title, a.source, a.line_no, a.origin)


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
            plain = not name.endswith(".gz")
            with open(path, "rb", _READ_BUFFER) if plain else gzip.open(path, "rb") as stream:
                yield from _read_jsonl(stream, name, ctx, rereadable=plain)  # type: ignore[arg-type]
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


def _read_jsonl(stream: BinaryIO, name: str, ctx: _Context, rereadable: bool = False) -> Iterator[Record]:
    """Yield the records of one JSON-lines stream; with `rereadable` (a plain file), each article carries where its
    line stands (`Article.origin`)."""
    line_no = 0
    offset = 0  # of the current line in the file
    try:
        for line_no, raw in enumerate(_bounded_lines(stream, ctx.max_line), 1):
            if isinstance(raw, int):
                yield Rejected(name, line_no, f"line is {raw:,} bytes, longer than the limit of {ctx.max_line:,}")
                offset += raw + 1
                continue
            start, length = offset, len(raw)
            offset += length
            if raw.startswith(BOM):
                raw = raw[3:]  # a UTF-8 byte order mark, as some editors write (also where files were concatenated)
                start, length = start + 3, length - 3
            if not raw.strip():
                continue
            origin = LineOrigin(start, length, ctx.fields.id, ctx.fields.text) if rereadable else None
            yield from _parse_line(raw, name, line_no, ctx, origin)
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


def _parse_line(raw: bytes, name: str, line_no: int, ctx: _Context, origin: LineOrigin | None) -> tuple[Record, ...]:
    """Return the records of one JSON line: an article (after any notices about its optional fields), or why the
    line is rejected."""
    fields = ctx.fields
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        return (Rejected(name, line_no, _undecodable(raw) or f"invalid JSON: {err}"),)
    if not isinstance(obj, dict):
        return (Rejected(name, line_no, f"not a JSON object but {type(obj).__name__}"),)
    article_id, text = obj.get(fields.id), obj.get(fields.text)
    if not (isinstance(article_id, str) and isinstance(text, str)):
        return (_unusable(obj, fields, name, line_no),)
    if not article_id.strip():
        return (Rejected(name, line_no, f'"{fields.id}" is empty'),)
    if len(text) > ctx.max_text_chars:
        return (Rejected(name, line_no, _too_long(text, ctx.max_text_chars)),)
    duplicate = ctx.seen.check(article_id, name, line_no)
    if duplicate:
        return (Rejected(name, line_no, duplicate),)
    notices: list[Record] = []
    optional: list[str | None] = []
    for key in (fields.outlet, fields.published, fields.url, fields.title):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            notices.append(Notice(name, line_no, f'"{key}" must be a string or null, not {_json_type(value)}; ignored'))
            value = None
        optional.append(value)
    outlet, published, url, title = optional
    published_at = None
    if published is not None:
        published_at = parse_published(published)
        if published_at is None:
            notices.append(
                Notice(name, line_no, f'"{fields.published}" {_shown(published)} is not an ISO 8601 date; ignored')
            )
            published = None
    article = Article(article_id, text, outlet, published, published_at, url, title, name, line_no, origin)
    return (*notices, article) if notices else (article,)


def _unusable(obj: dict[str, object], fields: FieldMap, name: str, line_no: int) -> Rejected:
    """Say why a JSON object has no usable id or text: the first of them that is missing or not a string."""
    for key in (fields.id, fields.text):
        if key not in obj:
            return Rejected(name, line_no, f'missing "{key}"')
        if not isinstance(obj[key], str):
            return Rejected(name, line_no, f'"{key}" must be a string, not {_json_type(obj[key])}')
    raise AssertionError("an id and a text that are both strings are usable")


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
