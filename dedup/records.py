"""Records passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class LineOrigin:
    """Where an article's JSON line stands in its (uncompressed) file: the line's first byte, its length in bytes,
    and the fields that hold the id and the text, so that the text can be read again from there."""

    offset: int
    length: int
    id_field: str
    text_field: str


@dataclass(frozen=True, slots=True)
class Article:
    """One input article; `published` is the ISO 8601 string the user gave, `published_at` its UTC value.
    `origin` is set for a line of a plain JSON-lines file (`source`), whose text can be read again."""

    id: str
    text: str
    outlet: str | None = None
    published: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    title: str | None = None
    source: str = "<input>"
    line_no: int | None = None
    origin: LineOrigin | None = None


class _Located:
    """Where in the input a record stood: a file (or `<stdin>`) and, for JSON lines, a line number."""

    __slots__ = ()
    source: str
    line_no: int | None

    def location(self) -> str:
        """Return `file:line` (or just the file) for messages."""
        return self.source if self.line_no is None else f"{self.source}:{self.line_no}"


@dataclass(frozen=True, slots=True)
class Rejected(_Located):
    """An input record that could not become an `Article`, with where it stood and why."""

    source: str
    line_no: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Notice(_Located):
    """A problem that rejects no record: an ignored field, a skipped file."""

    source: str
    line_no: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Tokens:
    """Word tokens of one text: character spans into the original and one 64-bit hash per token."""

    starts: I32Array
    ends: I32Array
    hashes: U64Array

    def __len__(self) -> int:
        return len(self.hashes)


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage shared by two articles, as token ranges [start, end) in each, with alignment figures."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched_a: int
    matched_b: int
    # A stitched passage (a summary or rewrite): the exact passages it joins, sorted; empty for one passage.
    pieces: tuple[Passage, ...] = ()

    @property
    def aligned(self) -> tuple[Passage, ...]:
        """The aligned passages this one consists of: its pieces if stitched, else itself."""
        return self.pieces or (self,)

    @property
    def similarity(self) -> float:
        """Share of the two ranges' tokens covered by the alignment (1.0 for a verbatim copy)."""
        return (self.matched_a + self.matched_b) / ((self.a_end - self.a_start) + (self.b_end - self.b_start))


@dataclass(frozen=True, slots=True)
class Match:
    """A passage of an earlier article `a` found again in a later article `b`, in character offsets."""

    a: int
    b: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_words: int
    b_words: int
    shared_words: int
    similarity: float
    # A stitched passage (a summary or rewrite of pieces from all over the other text): the exact passages it joins,
    # in order; empty for one passage. Clusters are built from the pieces, so that each quote stays its own cluster.
    pieces: tuple[Match, ...] = ()

    @property
    def aligned(self) -> tuple[Match, ...]:
        """The aligned passages this match consists of: its pieces if stitched, else itself."""
        return self.pieces or (self,)


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """A later article `b` that is a near-duplicate of an earlier article `a` (exact shingle Jaccard)."""

    a: int
    b: int
    jaccard: float


@dataclass(slots=True)
class ArticleResult:
    """What scanning one article found against the articles before it."""

    article: Article
    seq: int
    passages: list[Match] = field(default_factory=list)
    duplicates: list[DocumentMatch] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.passages or self.duplicates)


@dataclass(frozen=True, slots=True)
class Member:
    """One occurrence of a clustered passage (or document) in one article, in character offsets."""

    seq: int
    start: int
    end: int
    similarity_to_origin: float | None


@dataclass(frozen=True, slots=True)
class Edge:
    """Directed reuse from an earlier article to a later one."""

    source: int
    target: int
    source_start: int
    source_end: int
    target_start: int
    target_end: int
    similarity: float
    shared_words: int | None


@dataclass(frozen=True, slots=True)
class Cluster:
    """A passage or document found in two or more articles, with its origin and reuse edges."""

    kind: str
    members: tuple[Member, ...]
    origin: int
    origin_rule: str
    edges: tuple[Edge, ...]
    boilerplate: bool = False
