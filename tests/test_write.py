from __future__ import annotations

import io

import orjson

from dedup.records import Article, ArticleResult, Cluster, Edge, Match, Member
from dedup.write import JsonlWriter, cluster_id, cluster_record, event_record, run_record

ARTICLES = [
    Article(id="a", text="Rama said: “we will not be a trench.” Then he left.", outlet="ATA", published="2023-06-30"),
    Article(id="b", text="Quote: we will not be a trench. End.", outlet=None),
]
CLUSTER = Cluster(
    kind="passage",
    members=(Member(0, 12, 36, 1.0), Member(1, 7, 31, 0.9)),
    origin=0,
    origin_rule="first_seen",
    edges=(Edge(0, 1, 12, 36, 7, 31, 0.9, 6),),
)


def test_cluster_record_carries_origin_text_members_and_edges() -> None:
    record = cluster_record(CLUSTER, ARTICLES)
    assert record["text"] == "we will not be a trench."
    assert record["origin"] == {"article": "a", "rule": "first_seen"}
    assert record["outlets"] == ["ATA"] and record["articles"] == 2
    assert [(m["article"], m["start"], m["end"], m["outlet"]) for m in record["members"]] == [
        ("a", 12, 36, "ATA"),
        ("b", 7, 31, None),
    ]
    assert record["edges"] == [
        {
            "from": "a",
            "to": "b",
            "from_start": 12,
            "from_end": 36,
            "to_start": 7,
            "to_end": 31,
            "similarity": 0.9,
            "shared_words": 6,
        }
    ]


def test_cluster_id_depends_on_members_only() -> None:
    same = Cluster("passage", CLUSTER.members, 1, "earliest_published", ())
    moved = Cluster("passage", (Member(0, 12, 37, 1.0), Member(1, 7, 31, 0.9)), 0, "first_seen", ())
    assert cluster_id(CLUSTER, ARTICLES) == cluster_id(same, ARTICLES) != cluster_id(moved, ARTICLES)
    assert cluster_id(CLUSTER, ARTICLES).startswith("p-")


def test_event_record_quotes_the_new_articles_copy() -> None:
    result = ArticleResult(ARTICLES[1], 1, passages=[Match(0, 1, 12, 36, 7, 31, 6, 6, 6, 1.0)])
    [passage] = event_record(result, ARTICLES)["passages"]
    assert passage["with"] == "a" and passage["text"] == "we will not be a trench."
    assert passage["pieces"] == []


def test_an_event_lists_the_pieces_of_a_stitched_passage() -> None:
    pieces = (Match(0, 1, 12, 20, 7, 14, 2, 2, 2, 0.8), Match(0, 1, 28, 36, 20, 31, 2, 2, 2, 0.7))
    stitched = Match(0, 1, 12, 36, 7, 31, 6, 6, 4, 0.6, pieces=pieces)
    [passage] = event_record(ArticleResult(ARTICLES[1], 1, passages=[stitched]), ARTICLES)["passages"]
    assert (passage["start"], passage["end"], passage["with_start"], passage["with_end"]) == (7, 31, 12, 36)
    assert passage["pieces"] == [
        {"start": 7, "end": 14, "with_start": 12, "with_end": 20, "similarity": 0.8, "shared_words": 2},
        {"start": 20, "end": 31, "with_start": 28, "with_end": 36, "similarity": 0.7, "shared_words": 2},
    ]


class CountingStream(io.BytesIO):
    flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_writer_writes_one_line_per_record_and_flushes_when_asked() -> None:
    stream = CountingStream()
    writer = JsonlWriter(stream, flush_each=True)
    writer.write(run_record({"seed": 1}, "0.1.0", "events"))
    writer.write({"record": "x", "text": "ü\n"})
    lines = stream.getvalue().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert orjson.loads(lines[1]) == {"record": "x", "text": "ü\n"}
    assert stream.flushes == 2
