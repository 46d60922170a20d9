"""Serialize the run record, clusters and per-article events as JSON lines (schema in docs/schema.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import orjson
import xxhash

from dedup.read import ArticleStore
from dedup.records import Article, ArticleResult, Cluster, Edge, Match, Member

SCHEMA = "dedup/1"
DOCUMENT_TEXT_CHARS = 300

Record = dict[str, Any]


class JsonlWriter:
    """Write one JSON object per line; with `flush_each`, flush after every line (for live pipes)."""

    def __init__(self, stream: IO[bytes], flush_each: bool = False) -> None:
        self.stream = stream
        self.flush_each = flush_each

    def write(self, record: Record) -> None:
        """Write `record` as one line."""
        self.stream.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        if self.flush_each:
            self.stream.flush()


def run_record(params: dict[str, int | float | str | bool], version: str, emit: str) -> Record:
    """Return the first line of every output: schema, version and every parameter of the run (seed included)."""
    return {"record": "run", "schema": SCHEMA, "dedup_version": version, "emit": emit, "params": params}


def cluster_id(cluster: Cluster, articles: Sequence[Article]) -> str:
    """Return an id derived from the cluster's kind and its members' article ids and offsets only."""
    key = [cluster.kind, [[_about(articles, m.seq).id, m.start, m.end] for m in cluster.members]]
    return f"{cluster.kind[0]}-{xxhash.xxh3_64_hexdigest(orjson.dumps(key))}"


def cluster_record(cluster: Cluster, articles: Sequence[Article]) -> Record:
    """Return the output record of one passage or document cluster."""
    origin = articles[cluster.origin]
    origin_member = next(m for m in cluster.members if m.seq == cluster.origin)
    if cluster.kind == "passage":
        text = origin.text[origin_member.start : origin_member.end]
    else:
        text = origin.text[:DOCUMENT_TEXT_CHARS]
    outlets = sorted({o for m in cluster.members if (o := _about(articles, m.seq).outlet) is not None})
    return {
        "record": "cluster",
        "id": cluster_id(cluster, articles),
        "kind": cluster.kind,
        "text": text,
        "origin": {"article": origin.id, "rule": cluster.origin_rule},
        "articles": len({m.seq for m in cluster.members}),
        "outlets": outlets,
        "members": [_member(m, articles) for m in cluster.members],
        "edges": [_edge(e, articles) for e in cluster.edges],
        "boilerplate": cluster.boilerplate,
    }


def _about(articles: Sequence[Article], seq: int) -> Article:
    """Return article `seq` for its id, outlet and dates, without reading its text again from its file."""
    return articles.about(seq) if isinstance(articles, ArticleStore) else articles[seq]


def _member(member: Member, articles: Sequence[Article]) -> Record:
    article = _about(articles, member.seq)
    return {
        "article": article.id,
        "outlet": article.outlet,
        "published": article.published,
        "start": member.start,
        "end": member.end,
        "similarity_to_origin": member.similarity_to_origin,
    }


def _edge(edge: Edge, articles: Sequence[Article]) -> Record:
    return {
        "from": _about(articles, edge.source).id,
        "to": _about(articles, edge.target).id,
        "from_start": edge.source_start,
        "from_end": edge.source_end,
        "to_start": edge.target_start,
        "to_end": edge.target_end,
        "similarity": edge.similarity,
        "shared_words": edge.shared_words,
    }


def _aligned_span(m: Match) -> Record:
    """Return where a passage of an event stands in the new article and in the earlier one, and how alike."""
    return {
        "start": m.b_start,
        "end": m.b_end,
        "with_start": m.a_start,
        "with_end": m.a_end,
        "similarity": m.similarity,
        "shared_words": m.shared_words,
    }


def event_record(result: ArticleResult, articles: Sequence[Article]) -> Record:
    """Return the record of one article that matched earlier ones (for `--emit events`)."""
    article = result.article
    passages = [
        {
            "with": _about(articles, m.a).id,
            "with_outlet": _about(articles, m.a).outlet,
            **_aligned_span(m),
            "text": article.text[m.b_start : m.b_end],
            "pieces": [_aligned_span(piece) for piece in m.pieces],
        }
        for m in result.passages
    ]
    duplicates = [{"with": _about(articles, d.a).id, "jaccard": d.jaccard} for d in result.duplicates]
    return {
        "record": "event",
        "article": article.id,
        "outlet": article.outlet,
        "published": article.published,
        "seq": result.seq,
        "passages": passages,
        "duplicates": duplicates,
    }
