"""Tests of the `dedup scan` command: output records, stderr messages, summary counts and exit codes."""

from __future__ import annotations

import gc
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dedup import Article, ScanConfig, Scanner
from dedup.cli import GC_YOUNG_OBJECTS, _cut_partial_line, cli
from dedup.records import ArticleResult
from dedup.scanner import REWORDED
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
SHARED = "Prime Minister Edi Rama told reporters in Tirana that the camp would be inspected weekly."


def scan(*args: str, stdin: bytes | None = None) -> Result:
    """Run `dedup scan ARGS`, re-raising any crash other than a normal exit."""
    result = CliRunner().invoke(cli, ["scan", *args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def output_records(result: Result) -> list[dict[str, Any]]:
    return [json.loads(text) for text in result.stdout.splitlines()]


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def line(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def jsonl(*lines: bytes) -> bytes:
    return b"".join(raw + b"\n" for raw in lines)


def seed_words(index: int, count: int = 30) -> str:
    """Return the first `count` words of one seed article."""
    return " ".join(SEED_FILES[index].read_text(encoding="utf-8").split()[:count])


def story_a() -> str:
    return f"{seed_words(0)} {SHARED}"


def story_b() -> str:
    return f"{seed_words(4)} {SHARED}"


def seeds_as_jsonl(path: Path) -> Path:
    """Write the seed articles as JSON lines whose ids are the seed file names."""
    path.write_bytes(jsonl(*(line(id=f.name, text=f.read_bytes().decode("utf-8-sig")) for f in SEED_FILES)))
    return path


# --- output records ----------------------------------------------------------------------------------------------


def test_first_output_line_is_the_run_record_with_every_parameter() -> None:
    result = scan(stdin=b"")

    assert result.exit_code == 0
    (run,) = output_records(result)
    assert run["record"] == "run"
    assert run["schema"] == "dedup/1"
    assert run["emit"] == "clusters"
    assert run["params"]["seed"] == 1
    assert run["params"]["min_words"] == 10
    assert run["params"]["shingle_size"] == 5
    assert stderr_lines(result) == [
        "dedup: read=0 scanned=0 rejected=0 matched=0 passage_clusters=0 document_clusters=0"
    ]


def test_run_record_carries_the_options_given() -> None:
    result = scan("--seed", "7", "--min-words", "12", stdin=b"")

    params = output_records(result)[0]["params"]
    assert (params["seed"], params["min_words"]) == (7, 12)


def test_reworded_applies_its_settings_and_an_explicit_option_wins() -> None:
    params = output_records(scan("--reworded", stdin=b""))[0]["params"]
    assert {name: params[name] for name in REWORDED} == REWORDED
    params = output_records(scan("--reworded", "--sentence-bands", "4", "--window-bands", "1", stdin=b""))[0]["params"]
    assert (params["window_words"], params["window_bands"], params["sentence_bands"]) == (11, 1, 4)
    assert output_records(scan(stdin=b""))[0]["params"]["window_words"] == ScanConfig().window_words


def test_two_articles_sharing_a_sentence_give_one_passage_cluster() -> None:
    stdin = jsonl(line(id="a", text=story_a(), outlet="Tehran Times"), line(id="b", text=story_b(), outlet="IRNA"))

    result = scan(stdin=stdin)

    assert result.exit_code == 0
    run, cluster = output_records(result)
    assert run["record"] == "run"
    assert cluster["record"] == "cluster"
    assert cluster["kind"] == "passage"
    assert cluster["text"] == SHARED
    assert cluster["origin"]["article"] == "a"
    assert cluster["articles"] == 2
    assert cluster["outlets"] == ["IRNA", "Tehran Times"]
    assert [m["article"] for m in cluster["members"]] == ["a", "b"]
    assert [(e["from"], e["to"], e["shared_words"]) for e in cluster["edges"]] == [("a", "b", 15)]
    assert stderr_lines(result)[-1].startswith("dedup: read=2 scanned=2 rejected=0 matched=1")


def test_seed_folder_exits_0_with_clusters_and_a_summary() -> None:
    result = scan(str(SEEDS))

    assert result.exit_code == 0
    records = output_records(result)
    assert records[0]["record"] == "run"
    assert len(records) > 1
    assert {r["record"] for r in records[1:]} == {"cluster"}
    assert stderr_lines(result) == [stderr_lines(result)[-1]]
    assert stderr_lines(result)[-1].startswith("dedup: read=5 scanned=5 rejected=0 matched=4")


def test_seed_folder_and_jsonl_built_from_it_give_identical_output(tmp_path: Path) -> None:
    from_folder = scan(str(SEEDS))
    from_jsonl = scan(str(seeds_as_jsonl(tmp_path / "seeds.jsonl")))

    assert from_jsonl.exit_code == from_folder.exit_code == 0
    assert [r["record"] for r in output_records(from_folder)].count("cluster") > 0
    assert from_jsonl.stdout_bytes == from_folder.stdout_bytes
    assert from_jsonl.stderr == from_folder.stderr


@pytest.mark.parametrize("emit", ["clusters", "events"])
def test_a_jsonl_file_with_bom_and_crlf_gives_the_output_of_the_same_lines_on_stdin(tmp_path: Path, emit: str) -> None:
    lines = [line(id=f.name, text=f.read_bytes().decode("utf-8-sig"), outlet=f.name[:3]) for f in SEED_FILES]
    raw = b"\xef\xbb\xbf" + b"".join(x + b"\r\n" for x in lines)
    (tmp_path / "seeds.jsonl").write_bytes(raw)

    from_file = scan("--emit", emit, str(tmp_path / "seeds.jsonl"))  # texts read again from the file
    from_stdin = scan("--emit", emit, stdin=raw)  # texts kept in memory

    assert from_file.exit_code == from_stdin.exit_code == 0
    assert len(output_records(from_file)) > 1
    assert from_file.stdout_bytes == from_stdin.stdout_bytes


def test_an_input_file_changed_during_the_scan_stops_with_exit_3_and_the_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(jsonl(line(id="a", text=story_a()), line(id="b", text=story_b())))
    add = Scanner.add

    def add_then_edit(self: Scanner, article: Article) -> ArticleResult:
        result = add(self, article)
        if article.id == "b":
            path.write_bytes(path.read_bytes().replace(b"Rama", b"Ramo"))
        return result

    monkeypatch.setattr(Scanner, "add", add_then_edit)
    result = scan(str(path))

    assert result.exit_code == 3
    assert stderr_lines(result) == [
        f'dedup: error: {path}:1: the line no longer holds the text of article "a"; an input file must not change'
        " during the scan",
        "dedup: read=2 scanned=2 rejected=0 matched=1",
    ]
    assert [r["record"] for r in output_records(result)] == ["run"]


# --- --emit events -----------------------------------------------------------------------------------------------


def test_emit_events_writes_one_event_per_matching_article_and_none_for_the_first() -> None:
    stdin = jsonl(
        line(id="a", text=story_a()),
        line(id="unrelated", text=seed_words(2, 60)),
        line(id="b", text=story_b()),
    )

    result = scan("--emit", "events", stdin=stdin)

    assert result.exit_code == 0
    run, event = output_records(result)
    assert run["emit"] == "events"
    assert (event["record"], event["article"], event["seq"], event["duplicates"]) == ("event", "b", 2, [])
    assert [(p["with"], p["text"], p["shared_words"]) for p in event["passages"]] == [("a", SHARED, 15)]
    assert stderr_lines(result)[-1].startswith("dedup: read=3 scanned=3 rejected=0 matched=1")


def test_emit_events_reports_a_whole_article_copy_as_a_duplicate() -> None:
    text = SEED_FILES[3].read_text(encoding="utf-8")

    result = scan("--emit", "events", stdin=jsonl(line(id="orig", text=text), line(id="copy", text=text)))

    events = output_records(result)[1:]
    assert [e["article"] for e in events] == ["copy"]
    assert events[0]["duplicates"] == [{"with": "orig", "jaccard": 1.0}]


def test_emit_events_on_the_seeds_gives_an_event_for_every_article_but_the_first() -> None:
    result = scan("--emit", "events", str(SEEDS))

    events = output_records(result)[1:]
    assert [e["record"] for e in events] == ["event"] * 4
    assert [e["article"] for e in events] == [f.name for f in SEED_FILES[1:]]
    earlier = {f.name: {g.name for g in SEED_FILES[:i]} for i, f in enumerate(SEED_FILES)}
    for event in events:
        assert event["passages"] or event["duplicates"]
        assert {p["with"] for p in event["passages"]} <= earlier[event["article"]]


def test_events_list_the_pieces_of_a_stitched_passage_and_stitch_gap_0_leaves_them_apart() -> None:
    texts = {f.name: f.read_text(encoding="utf-8") for f in SEED_FILES}
    stitched = [
        (event["article"], p)
        for event in output_records(scan("--emit", "events", str(SEEDS)))[1:]
        for p in event["passages"]
        if p["pieces"]
    ]
    assert stitched
    apart = output_records(scan("--emit", "events", "--stitch-gap", "0", str(SEEDS)))[1:]
    assert all(not p["pieces"] for event in apart for p in event["passages"])
    plain = {(e["article"], p["with"], p["start"], p["with_start"]) for e in apart for p in e["passages"]}
    for article, p in stitched:
        assert p["text"] == texts[article][p["start"] : p["end"]]
        assert (p["start"], p["end"]) == (min(q["start"] for q in p["pieces"]), max(q["end"] for q in p["pieces"]))
        assert p["with_start"] == min(q["with_start"] for q in p["pieces"])
        assert p["with_end"] == max(q["with_end"] for q in p["pieces"])
        for piece in p["pieces"]:
            assert p["start"] <= piece["start"] < piece["end"] <= p["end"]
            assert p["with_start"] <= piece["with_start"] < piece["with_end"] <= p["with_end"]
            assert (article, p["with"], piece["start"], piece["with_start"]) in plain


# --- rejected records, notices, summary and exit codes -----------------------------------------------------------


def test_mixed_stdin_gives_exact_counts_and_the_good_articles_still_cluster() -> None:
    latin1 = b'{"id": "latin1", "text": "caf'
    stdin = jsonl(
        line(id="a", text=story_a()),
        b"",
        b'{"id": "broken", "text": ',
        b'["not", "an", "object"]',
        line(text="no id"),
        line(id="no-text"),
        line(id=42, text="numeric id"),
        line(id="list-text", text=["x"]),
        line(id="", text="empty id"),
        line(id="   ", text="blank id"),
        latin1 + b'\xe9"}',
        line(id="a", text="duplicate of a"),
        line(id="note", text="A short unrelated note.", published="yesterday"),
        b"   ",
        line(id="b", text=story_b(), outlet=5),
    )

    result = scan(stdin=stdin)

    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert lines[0].startswith("dedup: <stdin>:3: rejected: invalid JSON")
    assert lines[1:] == [
        "dedup: <stdin>:4: rejected: not a JSON object but list",
        'dedup: <stdin>:5: rejected: missing "id"',
        'dedup: <stdin>:6: rejected: missing "text"',
        'dedup: <stdin>:7: rejected: "id" must be a string, not a number',
        'dedup: <stdin>:8: rejected: "text" must be a string, not an array',
        'dedup: <stdin>:9: rejected: "id" is empty',
        'dedup: <stdin>:10: rejected: "id" is empty',
        f"dedup: <stdin>:11: rejected: invalid UTF-8 at byte {len(latin1)}",
        'dedup: <stdin>:12: rejected: duplicate id "a" (first seen at <stdin>:1)',
        "dedup: <stdin>:13: warning: \"published\" 'yesterday' is not an ISO 8601 date; ignored",
        'dedup: <stdin>:15: warning: "outlet" must be a string or null, not a number; ignored',
        "dedup: read=13 scanned=3 rejected=10 matched=1 passage_clusters=1 document_clusters=0",
    ]
    run, cluster = output_records(result)
    assert (run["record"], cluster["record"]) == ("run", "cluster")
    assert [m["article"] for m in cluster["members"]] == ["a", "b"]
    assert cluster["text"] == SHARED


def test_rejected_and_warning_lines_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_bytes(jsonl(line(id="a", text="x"), line(id="b"), line(id="c", text="y", title=3)))

    result = scan(str(path))

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        f'dedup: {path}:2: rejected: missing "text"',
        f'dedup: {path}:3: warning: "title" must be a string or null, not a number; ignored',
        "dedup: read=3 scanned=2 rejected=1 matched=0 passage_clusters=0 document_clusters=0",
    ]


def test_skipped_file_in_a_folder_is_a_warning_and_exit_stays_0(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(story_a(), encoding="utf-8")
    (tmp_path / "notes.md").write_text("not news", encoding="utf-8")

    result = scan(str(tmp_path))

    assert result.exit_code == 0
    first, summary = stderr_lines(result)
    assert first.startswith(f"dedup: {tmp_path / 'notes.md'}: warning: skipped: ")
    assert summary.startswith("dedup: read=1 scanned=1 rejected=0 matched=0")


def test_truncated_gzip_is_rejected_after_its_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(line(id="a", text="x"), line(id="b", text="y")))[:-8])

    result = scan(str(path))

    assert result.exit_code == 1
    rejected, summary = stderr_lines(result)
    assert rejected.startswith(f"dedup: {path}:3: rejected: truncated or corrupt gzip data")
    assert summary.startswith("dedup: read=3 scanned=2 rejected=1 matched=0")


def test_seed_file_given_again_after_its_folder_is_rejected_as_a_duplicate_id() -> None:
    again = SEEDS / SEED_FILES[0].name

    result = scan(str(SEEDS), str(again))

    assert result.exit_code == 1
    assert stderr_lines(result)[0] == f'dedup: {again}: rejected: duplicate id "{again.name}" (first seen at {again})'
    assert stderr_lines(result)[-1].startswith("dedup: read=6 scanned=5 rejected=1 matched=4")


def test_strict_stops_at_the_first_rejected_record_with_exit_3() -> None:
    stdin = jsonl(line(id="a", text="x"), line(id="b"), line(id="c", text="z"), b"not json")

    result = scan("--strict", stdin=stdin)

    assert result.exit_code == 3
    lines = stderr_lines(result)
    assert lines[:2] == ['dedup: <stdin>:2: rejected: missing "text"', "dedup: read=2 scanned=1 rejected=1 matched=0"]
    assert "<stdin>:4" not in result.stderr
    assert [r["record"] for r in output_records(result)] == ["run"]


def test_strict_with_clean_input_exits_0() -> None:
    result = scan("--strict", stdin=jsonl(line(id="a", text="x")))

    assert result.exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--min-words", "2"],
        ["--min-similarity", "0"],
        ["--min-words", "ten"],
        ["--emit", "bogus"],
        ["does-not-exist.jsonl"],
    ],
    ids=["min-words-below-shingle-size", "zero-min-similarity", "non-integer", "unknown-emit", "missing-path"],
)
def test_usage_error_exits_2_without_output(args: list[str]) -> None:
    result = scan(*args, stdin=jsonl(line(id="a", text="x")))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error:" in result.stderr


# --- options -----------------------------------------------------------------------------------------------------


def test_output_option_writes_the_same_bytes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"

    to_file = scan("-o", str(out), str(SEEDS))
    to_stdout = scan(str(SEEDS))

    assert to_file.exit_code == 0
    assert to_file.stdout == ""
    assert out.read_bytes() == to_stdout.stdout_bytes


def test_field_options_remap_every_field() -> None:
    stdin = jsonl(
        line(doc_id="a", body=story_a(), source="Tehran Times", date="2023-06-30", link="u1", headline="A"),
        line(doc_id="b", body=story_b(), source="IRNA", date="2023-07-01T09:00:00+02:00", link="u2", headline="B"),
    )
    args = ["--id-field", "doc_id", "--text-field", "body", "--outlet-field", "source", "--published-field", "date"]

    result = scan(*args, "--url-field", "link", "--title-field", "headline", stdin=stdin)

    assert result.exit_code == 0
    assert stderr_lines(result) == [
        "dedup: read=2 scanned=2 rejected=0 matched=1 passage_clusters=1 document_clusters=0"
    ]
    cluster = output_records(result)[1]
    assert [(m["article"], m["outlet"], m["published"]) for m in cluster["members"]] == [
        ("a", "Tehran Times", "2023-06-30"),
        ("b", "IRNA", "2023-07-01T09:00:00+02:00"),
    ]


def test_default_field_names_are_missing_after_remapping() -> None:
    result = scan("--text-field", "body", stdin=jsonl(line(id="a", text="x")))

    assert result.exit_code == 1
    assert stderr_lines(result)[0] == 'dedup: <stdin>:1: rejected: missing "body"'


@pytest.mark.parametrize("emit", ["clusters", "events"])
def test_output_is_byte_identical_across_two_runs(emit: str) -> None:
    def run(hash_seed: str) -> bytes:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-m", "dedup", "scan", "--emit", emit, str(SEEDS)]
        return subprocess.run(command, env=env, capture_output=True, check=True).stdout

    first, second = run("1"), run("2")

    assert first.count(b"\n") > 1
    assert first == second


# --- output and internal errors ----------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_stops_with_exit_4_a_message_and_the_account() -> None:
    result = scan("-o", "/dev/full", str(SEEDS))

    assert result.exit_code == 4
    assert stderr_lines(result) == [
        "dedup: cannot write output: No space left on device; stopped",
        "dedup: read=5 scanned=5 rejected=0 matched=4",
    ]


def test_an_output_file_is_cut_back_to_its_last_complete_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"record":"run"}\n{"record":"clus')

    with out.open("r+b") as stream:
        _cut_partial_line(stream)

    assert out.read_bytes() == b'{"record":"run"}\n'


def test_an_internal_error_stops_with_exit_5_a_one_line_message_and_the_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add = Scanner.add

    def broken_add(self: Scanner, article: Article) -> ArticleResult:
        if article.id == "b":
            raise RuntimeError("boom")
        return add(self, article)

    monkeypatch.setattr(Scanner, "add", broken_add)
    monkeypatch.delenv("DEDUP_TRACEBACK", raising=False)

    result = scan(stdin=jsonl(line(id="a", text="x"), line(id="b", text="y"), line(id="c", text="z")))

    assert result.exit_code == 5
    assert stderr_lines(result) == [
        "dedup: internal error: RuntimeError: boom (set DEDUP_TRACEBACK=1 to see where)",
        "dedup: read=1 scanned=1 rejected=0 matched=0",
    ]
    assert [r["record"] for r in output_records(result)] == ["run"]


def test_a_value_error_from_the_scanner_rejects_that_record_and_the_scan_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add = Scanner.add

    def picky_add(self: Scanner, article: Article) -> ArticleResult:
        if article.id == "b":
            raise ValueError("article 'b': not wanted")
        return add(self, article)

    monkeypatch.setattr(Scanner, "add", picky_add)

    result = scan(stdin=jsonl(line(id="a", text="x"), line(id="b", text="y"), line(id="c", text="z")))

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "dedup: <stdin>:2: rejected: article 'b': not wanted",
        "dedup: read=3 scanned=2 rejected=1 matched=0 passage_clusters=0 document_clusters=0",
    ]


def test_an_article_over_max_article_chars_is_rejected_and_the_limit_is_in_the_run_record() -> None:
    stdin = jsonl(line(id="a", text="x" * 20), line(id="b", text="y" * 21))

    result = scan("--max-article-chars", "20", stdin=stdin)

    assert result.exit_code == 1
    assert stderr_lines(result)[0] == (
        "dedup: <stdin>:2: rejected: text is 21 characters, longer than the maximum article size of 20"
    )
    assert stderr_lines(result)[1].startswith("dedup: read=2 scanned=1 rejected=1 ")
    assert output_records(result)[0]["params"]["max_text_chars"] == 20


def test_an_output_file_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    result = scan("-o", str(tmp_path / "missing" / "out.jsonl"), str(SEEDS))

    assert result.exit_code == 2
    assert "Invalid value for '-o'" in result.stderr


def test_the_collector_runs_less_often_during_a_scan_and_as_before_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []
    add = Scanner.add

    def recording_add(self: Scanner, article: Article) -> ArticleResult:
        seen.append(gc.get_threshold())
        return add(self, article)

    monkeypatch.setattr(Scanner, "add", recording_add)
    before = gc.get_threshold()
    result = scan(*map(str, SEED_FILES))
    assert result.exit_code == 0
    assert seen and all(t == (GC_YOUNG_OBJECTS, *before[1:]) for t in seen)
    assert gc.get_threshold() == before


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_runs_openblas_on_one_thread_unless_told_otherwise(given: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = (
        "import os, sys\n"
        "from dedup.__main__ import main\n"
        "sys.argv = ['dedup', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == expected
