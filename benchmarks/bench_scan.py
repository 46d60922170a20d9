"""Time `dedup scan` end to end on generated news streams with planted reuse; print one JSON object.

For each stream size (default 1k, 10k, 100k articles), a seeded stream is generated into a temporary folder
(generation is not timed): news-length articles from a word model of real text (`benchmarks.corpus`), with about
10% of them carrying one or two passages copied from earlier articles. The command runs as a child process, as a
user runs it; the child's own resource usage gives CPU time and peak RSS. The library `Scanner` then scans the same
stream in another child to report its index memory per article. Recall of the planted passages is read from the
command's output. Run: python -m benchmarks.bench_scan [--sizes 1000,10000] [--seed 1] [--scan-args "--window-bands 0"].
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson

from benchmarks.bench_quality import cpu_model, git_state
from benchmarks.corpus import REPO, SEEDS, Plant, Stream, planted_stream, stream_model

TARGET_ARTICLES_PER_S = 5000
TARGET_COST_RATIO = 1.5
STARTUP_RUNS = 3


@dataclass(frozen=True, slots=True)
class ChildRun:
    """What one child process cost: wall and CPU seconds (user and system together, and system alone), peak
    resident memory, exit code and stderr."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    exit_code: int
    stderr: str
    system_seconds: float = 0.0


# Started from this small launcher rather than from the benchmark itself: Linux counts in a child's peak RSS the
# memory of the process it was forked from, and the benchmark holds the generated stream and the word model.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
cost = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "system": usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
with open(sys.argv[1], "w") as out:
    json.dump({**cost, "exit_code": os.waitstatus_to_exitcode(status)}, out)
"""


def run_child(command: list[str], stdout: Path, stderr: Path) -> ChildRun:
    """Run `command` and return its cost, from the resource usage of that child alone (os.wait4)."""
    cost_file = stdout.with_name(stdout.name + ".cost.json")
    with stdout.open("wb") as out, stderr.open("wb") as err:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(cost_file), *command], stdout=out, stderr=err, cwd=REPO, check=True
        )
    cost = json.loads(cost_file.read_text())
    return ChildRun(
        wall_seconds=cost["wall"],
        cpu_seconds=cost["cpu"],
        peak_rss_bytes=cost["maxrss_kb"] * 1024,  # kilobytes on Linux
        exit_code=cost["exit_code"],
        stderr=stderr.read_text(encoding="utf-8", errors="replace"),
        system_seconds=cost["system"],
    )


def scan_command(python: str, path: Path, output: Path, options: Sequence[str] = ()) -> list[str]:
    """Return the `dedup scan` command line for one stream, with any extra options."""
    return [python, "-m", "dedup", "scan", *options, str(path), "-o", str(output)]


def write_stream(stream: Stream, path: Path) -> None:
    """Write the stream's records as JSON lines."""
    with path.open("wb") as out:
        for record in stream.records:
            out.write(orjson.dumps(record) + b"\n")


def recall(plants: list[Plant], output: Path) -> dict[str, Any]:
    """Return the share of planted pairs the output reports, by an edge and by a cluster, overall and by kind.

    A planted pair is found by an edge when an edge between its two articles overlaps the planted span in both;
    by a cluster when one passage cluster has members overlapping the planted span in both articles.
    """
    edges: dict[tuple[str, str], list[tuple[int, int, int, int]]] = defaultdict(list)
    members: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    reported_pairs: set[tuple[str, str]] = set()
    with output.open("rb") as lines:
        for n, line in enumerate(lines):
            record = orjson.loads(line)
            if record["record"] != "cluster" or record["kind"] != "passage":
                continue
            for m in record["members"]:
                members[m["article"]].append((n, m["start"], m["end"]))
            for e in record["edges"]:
                edges[e["from"], e["to"]].append((e["from_start"], e["from_end"], e["to_start"], e["to_end"]))
                reported_pairs.add((e["from"], e["to"]))

    def overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
        return start < other_end and other_start < end

    def by_edge(p: Plant) -> bool:
        forward = any(
            overlaps(p.a_start, p.a_end, s, e) and overlaps(p.b_start, p.b_end, t, u) for s, e, t, u in edges[p.a, p.b]
        )
        backward = any(
            overlaps(p.b_start, p.b_end, s, e) and overlaps(p.a_start, p.a_end, t, u) for s, e, t, u in edges[p.b, p.a]
        )
        return forward or backward

    def by_cluster(p: Plant) -> bool:
        in_a = {c for c, s, e in members[p.a] if overlaps(p.a_start, p.a_end, s, e)}
        return any(c in in_a and overlaps(p.b_start, p.b_end, s, e) for c, s, e in members[p.b])

    planted_pairs = {(p.a, p.b) for p in plants}
    result: dict[str, Any] = {}
    for kind, chosen in (
        ("all", plants),
        ("verbatim", [p for p in plants if p.edits == 0]),
        ("edited", [p for p in plants if p.edits > 0]),
    ):
        result[kind] = {
            "planted": len(chosen),
            "recall_by_edge": round(sum(map(by_edge, chosen)) / len(chosen), 4) if chosen else None,
            "recall_by_cluster": round(sum(map(by_cluster, chosen)) / len(chosen), 4) if chosen else None,
        }
    result["reported_pairs"] = len(reported_pairs)
    result["reported_pairs_not_planted"] = sum(
        (a, b) not in planted_pairs and (b, a) not in planted_pairs for a, b in reported_pairs
    )
    return result


def index_memory(path: Path) -> dict[str, Any]:
    """Scan the stream with the library `Scanner`, set up as `dedup scan` sets it up (tables sized from the file,
    texts left in it), and return its `memory_nbytes()` (run in a child process)."""
    from dedup import Article, Scanner
    from dedup.read import input_bytes, read_articles

    scanner = Scanner(expected_bytes=input_bytes([str(path)]), keep_texts=False)
    count = 0
    for record in read_articles([str(path)]):
        if isinstance(record, Article):
            scanner.add(record)
            count += 1
    return {"articles": count, "memory_nbytes": scanner.memory_nbytes()}


def repeats(size: int) -> int:
    """Return how many times to scan a stream of `size` articles: at least 3, so that a median is reported however
    large the stream (the host's speed swings by half within seconds), and up to 5 for small ones."""
    return max(3, min(5, 20000 // size))


def measure(
    python: str, folder: Path, stream: Stream, startup: dict[str, float], options: Sequence[str] = ()
) -> dict[str, Any]:
    """Scan one stream with the command and (with default options only) the library; return its figures."""
    n = len(stream.records)
    path = folder / f"stream-{n}.jsonl"
    write_stream(stream, path)
    output = folder / f"clusters-{n}.jsonl"
    runs = []
    # Each scan follows a scan of an empty stream under the same host load; the scan's own cost is the difference.
    # At 1,000 articles start-up is most of the run, so a start-up measured once, minutes apart, would swing it.
    paired = []
    for _ in range(repeats(n)):
        empty = startup_run(python, folder, options)
        run = run_child(scan_command(python, path, output, options), folder / "stdout", folder / "stderr")
        if run.exit_code != 0:
            raise RuntimeError(f"dedup scan exited {run.exit_code} on {path}: {run.stderr[-2000:]}")
        runs.append(run)
        paired.append(empty)
    cli = ChildRun(
        wall_seconds=statistics.median(r.wall_seconds for r in runs),
        cpu_seconds=statistics.median(r.cpu_seconds for r in runs),
        peak_rss_bytes=max(r.peak_rss_bytes for r in runs),
        exit_code=0,
        stderr=runs[-1].stderr,
    )
    scan_cpu = max(statistics.median(r.cpu_seconds - e.cpu_seconds for r, e in zip(runs, paired, strict=True)), 1e-9)
    scan_wall = max(statistics.median(r.wall_seconds - e.wall_seconds for r, e in zip(runs, paired, strict=True)), 1e-9)
    scan_user = max(
        statistics.median(
            (r.cpu_seconds - r.system_seconds) - (e.cpu_seconds - e.system_seconds)
            for r, e in zip(runs, paired, strict=True)
        ),
        1e-9,
    )
    summary = [line for line in cli.stderr.splitlines() if "read=" in line]
    return {
        "articles": n,
        "megabytes_utf8": round(path.stat().st_size / 1e6, 2),
        "cli": {
            "runs": len(runs),
            "cpu_seconds_runs": [round(r.cpu_seconds, 3) for r in runs],
            "system_cpu_seconds_runs": [round(r.system_seconds, 3) for r in runs],
            "startup_cpu_seconds_runs": [round(e.cpu_seconds, 3) for e in paired],
            "wall_seconds": round(cli.wall_seconds, 3),
            "cpu_seconds": round(cli.cpu_seconds, 3),
            "articles_per_s_wall": round(n / cli.wall_seconds, 1),
            "articles_per_s_cpu": round(n / cli.cpu_seconds, 1),
            "articles_per_s_cpu_excluding_startup": round(n / scan_cpu, 1),
            "articles_per_s_user_cpu_excluding_startup": round(n / scan_user, 1),
            "articles_per_s_wall_excluding_startup": round(n / scan_wall, 1),
            "cpu_ms_per_article": round(1000 * cli.cpu_seconds / n, 4),
            "cpu_ms_per_article_excluding_startup": round(1000 * scan_cpu / n, 4),
            "peak_rss_mb": round(cli.peak_rss_bytes / 1e6, 1),
            "summary": summary[-1] if summary else None,
        },
        "index_memory": None if options else scanner_memory(python, folder, path),
        "planted": recall(stream.plants, output),
    }


def scanner_memory(python: str, folder: Path, path: Path) -> dict[str, Any]:
    """Scan the stream with a default library `Scanner` in a child; return its memory by part, per article."""
    memory_child = run_child(
        [python, "-m", "benchmarks.bench_scan", "--index-memory", str(path)], folder / "memory.json", folder / "stderr"
    )
    if memory_child.exit_code != 0:
        raise RuntimeError(f"the Scanner child exited {memory_child.exit_code}: {memory_child.stderr[-2000:]}")
    memory = json.loads((folder / "memory.json").read_text())
    parts = memory["memory_nbytes"]
    total = sum(parts.values())
    return {
        "total_bytes": total,
        "bytes_per_article": round(total / memory["articles"], 1),
        "parts_bytes_per_article": {k: round(v / memory["articles"], 1) for k, v in parts.items()},
        "scanner_child_peak_rss_mb": round(memory_child.peak_rss_bytes / 1e6, 1),
    }


def startup_run(python: str, folder: Path, options: Sequence[str] = ()) -> ChildRun:
    """Return the cost of one `dedup scan` of an empty stream: interpreter, imports and cached compiled code."""
    empty = folder / "empty.jsonl"
    empty.write_bytes(b"")
    return run_child(
        scan_command(python, empty, folder / "empty-out.jsonl", options), folder / "stdout", folder / "stderr"
    )


def measure_startup(python: str, folder: Path) -> dict[str, float]:
    """Return the median cost of `dedup scan` on an empty stream: interpreter, imports and cached compiled code."""
    runs = [startup_run(python, folder) for _ in range(STARTUP_RUNS)]
    return {
        "wall_seconds": round(statistics.median(r.wall_seconds for r in runs), 3),
        "cpu_seconds": round(statistics.median(r.cpu_seconds for r in runs), 3),
        "peak_rss_mb": round(statistics.median(r.peak_rss_bytes for r in runs) / 1e6, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the JSON report to stdout and a table to stderr."""
    parser = argparse.ArgumentParser(description="Benchmark `dedup scan` end to end on generated news streams.")
    parser.add_argument("--sizes", default="1000,10000,100000", help="stream sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="seed of the stream generator (default 1)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs dedup (default: this one)")
    parser.add_argument(
        "--scan-args",
        default="",
        help='extra `dedup scan` options, as one string (e.g. "--window-bands 0"); index memory is then not measured',
    )
    parser.add_argument("--index-memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = shlex.split(args.scan_args)
    if args.index_memory is not None:
        print(json.dumps(index_memory(args.index_memory)))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    model, training = stream_model()
    results = []
    with tempfile.TemporaryDirectory(prefix="dedup-bench-scan-") as tmp:
        folder = Path(tmp)
        # A first run warms the compiled-code cache and the page cache, so no size pays for them alone.
        run_child(scan_command(args.python, SEEDS, folder / "warm.jsonl"), folder / "stdout", folder / "stderr")
        startup = measure_startup(args.python, folder)
        for size in sizes:
            started = time.perf_counter()
            stream = planted_stream(model, size, args.seed)
            generated = time.perf_counter() - started
            print(f"{size} articles generated in {generated:.1f} s; scanning", file=sys.stderr)
            figures = measure(args.python, folder, stream, startup, options)
            figures["generation_seconds_not_timed"] = round(generated, 1)
            results.append(figures)
            print(table_row(figures), file=sys.stderr)
    first, last = results[0], results[-1]
    ratio = last["cli"]["cpu_ms_per_article_excluding_startup"] / first["cli"]["cpu_ms_per_article_excluding_startup"]
    ratio_raw = last["cli"]["cpu_ms_per_article"] / first["cli"]["cpu_ms_per_article"]
    report = {
        "benchmark": "dedup scan end to end",
        "stream": {
            "model_trained_on": training,
            "seed": args.seed,
            "design": (
                "news-length articles (450-1,000 words) from a word bigram model with random jumps, so unrelated "
                "articles rarely share a 10-word run; about 10% of articles carry one or two passages of 15-80 "
                "words copied from a random earlier article (half verbatim, the others with 1 or 2 words changed); "
                "ids, 40 outlets, ISO 8601 dates increasing along the stream"
            ),
        },
        "command": " ".join(scan_command(args.python, Path("STREAM.jsonl"), Path("OUT.jsonl"), options)),
        "timing": (
            "median of 20,000 // size runs per size (1 to 5); CPU and peak RSS (the largest) from the child's "
            "own resource usage (os.wait4); each scan follows a scan of an empty stream (start-up), and the "
            "*_excluding_startup figures take the median of the differences; startup (below) is the "
            f"median of {STARTUP_RUNS} runs on an empty stream, for reference; "
            "index memory from Scanner.memory_nbytes() after the library scanned the same stream in another child; "
            "CPU is user plus system time, and the target counts both; system time is reported apart "
            "(system_cpu_seconds_runs, articles_per_s_user_cpu_excluding_startup) because it is mostly the first "
            "touch of new memory, whose cost depends on the host (on a virtual machine whose host backs guest "
            "memory on first use, several times what zeroing the pages costs)"
        ),
        "recall": (
            "recall_by_edge: share of planted (source, copy) pairs with an output edge between the two articles "
            "overlapping the planted span in both; recall_by_cluster: one passage cluster has members overlapping "
            "the planted span in both; reported_pairs_not_planted: edges between articles not planted as a pair, "
            "such as two articles that copied overlapping passages of one source, or chains of copies"
        ),
        "startup": startup,
        "sizes": results,
        "cost_ratio_largest_vs_smallest": round(ratio, 3),
        "cost_ratio_largest_vs_smallest_including_startup": round(ratio_raw, 3),
        "cost_ratio_sizes": [first["articles"], last["articles"]],
        "targets": {
            "articles_per_s_cpu_largest": f">= {TARGET_ARTICLES_PER_S} (on the 100k stream)",
            "cost_ratio": f"<= {TARGET_COST_RATIO} (per-article CPU, 100k vs 1k, startup excluded)",
            "articles_per_s_met": last["cli"]["articles_per_s_cpu"] >= TARGET_ARTICLES_PER_S,
            "cost_ratio_met": ratio <= TARGET_COST_RATIO,
        },
        "python_version": platform.python_version(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "versions": {p: version(p) for p in ("dedup", "numpy", "numba", "datasketch", "xxhash", "orjson")},
        **git_state(),
    }
    print(json.dumps(report, indent=2))
    print(f"per-article CPU cost ratio {last['articles']} vs {first['articles']}: {ratio:.2f}x", file=sys.stderr)
    return 0


def table_row(figures: dict[str, Any]) -> str:
    """Return one size's headline figures as a line of text."""
    cli, memory, planted = figures["cli"], figures["index_memory"], figures["planted"]["all"]
    index = "index not measured" if memory is None else f"index {memory['bytes_per_article']:8.0f} B/article"
    return (
        f"{figures['articles']:>7} articles: {cli['articles_per_s_wall']:8.0f}/s wall "
        f"{cli['articles_per_s_cpu']:8.0f}/s CPU, {cli['articles_per_s_cpu_excluding_startup']:8.0f}/s CPU "
        f"({cli['articles_per_s_user_cpu_excluding_startup']:.0f}/s user CPU) without start-up, "
        f"peak RSS {cli['peak_rss_mb']:7.1f} MB, "
        f"{index}, recall {planted['recall_by_edge']}"
    )


if __name__ == "__main__":
    sys.exit(main())
