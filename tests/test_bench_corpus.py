"""The benchmark corpora: news-length cuts, the seeded word model and the planted-reuse stream (seeds/ only)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson
import pytest

from benchmarks.bench_scan import recall
from benchmarks.corpus import Plant, WordModel, cut_news_length, news_texts, planted_stream, seed_model, seed_texts

WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def model() -> WordModel:
    return seed_model()


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def runs(text: str, k: int) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + k]) for i in range(len(w) - k + 1)}


def test_cut_news_length_keeps_every_word_and_cuts_at_boundaries() -> None:
    paragraph = "One sentence here. " * 20
    text = "\n".join(paragraph + f"Paragraph {i} ends." for i in range(40))
    pieces = cut_news_length(text, 1000)
    assert len(pieces) > 10
    assert words(" ".join(pieces)) == words(text)
    assert all(len(p) <= 1100 for p in pieces)
    assert all(len(p) >= 750 for p in pieces[:-1])
    assert all(p.endswith(".") for p in pieces)


def test_cut_news_length_without_breaks_cuts_at_a_space() -> None:
    text = " ".join(f"w{i}" for i in range(2000))
    pieces = cut_news_length(text, 500)
    assert words(" ".join(pieces)) == words(text)
    assert all(len(p) <= 550 for p in pieces)


def test_seed_texts_are_deterministic_and_news_length() -> None:
    texts = seed_texts(50, seed=3)
    assert texts == seed_texts(50, seed=3)
    assert texts != seed_texts(50, seed=4)
    assert 3000 <= np.mean([len(t) for t in texts]) <= 6000


def test_news_texts_without_eval_data_generate_from_seeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEDUP_EVAL_DIR", str(tmp_path))
    texts, corpus, distinct = news_texts(20)
    assert (len(texts), corpus, distinct) == (20, "seeds-generated", 20)
    assert "not found" in capsys.readouterr().err


def test_unrelated_generated_articles_share_no_ten_word_run(model: WordModel) -> None:
    stream = planted_stream(model, 400, seed=5, reuse=0.0)
    owner: dict[tuple[str, ...], int] = {}
    for n, record in enumerate(stream.records):
        for run in runs(record["text"], 10):
            assert owner.setdefault(run, n) == n, f"articles {owner[run]} and {n} share {' '.join(run)!r}"
    assert stream.plants == []


def test_planted_stream_is_deterministic(model: WordModel) -> None:
    first = planted_stream(model, 200, seed=9)
    assert first == planted_stream(model, 200, seed=9)
    assert first.records != planted_stream(model, 200, seed=10).records


def test_planted_passages_are_copies_at_the_given_offsets(model: WordModel) -> None:
    stream = planted_stream(model, 300, seed=2, reuse=0.3)
    texts = {r["id"]: r["text"] for r in stream.records}
    assert len(stream.plants) >= 60
    assert {p.edits for p in stream.plants} == {0, 1, 2}
    for p in stream.plants:
        assert p.a < p.b
        source, copy = words(texts[p.a][p.a_start : p.a_end]), words(texts[p.b][p.b_start : p.b_end])
        assert len(source) == len(copy) == p.words
        assert 15 <= p.words <= 80
        assert sum(x != y for x, y in zip(source, copy, strict=True)) <= p.edits
        assert source[0] == copy[0] and source[-1] == copy[-1]


def test_stream_records_have_unique_ids_outlets_and_increasing_dates(model: WordModel) -> None:
    records = planted_stream(model, 100, seed=1).records
    assert len({r["id"] for r in records}) == 100
    assert all(r["outlet"] and r["text"] for r in records)
    dates = [datetime.fromisoformat(r["published"]) for r in records]
    assert dates == sorted(dates) and len(set(dates)) == 100


def test_recall_counts_a_plant_found_only_with_overlapping_offsets_in_both(tmp_path: Path) -> None:
    found = Plant("a", 10, 50, "b", 100, 140, 8, 0)
    wrong_place = Plant("a", 200, 240, "c", 0, 40, 8, 1)
    cluster = {
        "record": "cluster",
        "kind": "passage",
        "members": [{"article": "a", "start": 12, "end": 48}, {"article": "b", "start": 90, "end": 120}],
        "edges": [{"from": "a", "to": "b", "from_start": 12, "from_end": 48, "to_start": 90, "to_end": 120}],
    }
    elsewhere = {
        "record": "cluster",
        "kind": "passage",
        "members": [{"article": "a", "start": 0, "end": 40}, {"article": "c", "start": 0, "end": 40}],
        "edges": [{"from": "a", "to": "c", "from_start": 0, "from_end": 40, "to_start": 0, "to_end": 40}],
    }
    output = tmp_path / "out.jsonl"
    output.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in ({"record": "run"}, cluster, elsewhere)))
    result = recall([found, wrong_place], output)
    assert result["all"] == {"planted": 2, "recall_by_edge": 0.5, "recall_by_cluster": 0.5}
    assert result["verbatim"]["recall_by_edge"] == 1.0
    assert result["edited"]["recall_by_edge"] == 0.0
    assert (result["reported_pairs"], result["reported_pairs_not_planted"]) == (2, 0)
