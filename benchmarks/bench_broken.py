"""Scan a large generated stream, a share of it hostile or broken, and check that nothing crashes or goes missing.

Every generated line carries what `dedup scan` must do with it (benchmarks.corpus.broken_stream), so the run's
account (read = scanned + rejected) is checked exactly against the labels, and every output line is checked to be
complete JSON. Reports the wall time and the peak RSS of the `dedup scan` child (os.wait4). A second child gets one
giant line (1 GiB by default) on stdin, to measure that it is skipped without being held in memory, and a third
scans empty input, for the start-up floor of the RSS.

The input is generated in a separate process, and the small runs go first: on Linux a child's peak RSS starts from
its parent's high-water mark (the child shares the parent's memory until it execs), which would spoil the figures.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from benchmarks.corpus import BrokenLine, broken_lines, broken_stream, hostile_stream_texts, pan_texts

SUMMARY = re.compile(r"^dedup: read=(\d+) scanned=(\d+) rejected=(\d+) matched=(\d+)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000, help="records (non-blank lines) of the main stream")
    parser.add_argument("--broken-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-article-chars",
        type=int,
        default=20_000,
        help="limit passed to dedup scan; small, so that the over-limit lines stay cheap to generate",
    )
    parser.add_argument("--gzip-files", type=int, default=3, help="truncated .jsonl.gz files scanned after the stream")
    parser.add_argument("--giant-line-mb", type=int, default=1024, help="size of the giant stdin line (0: skip)")
    parser.add_argument("--keep", type=Path, help="write the generated input and the output here and keep them")
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child(
    command: list[str], stdin: int | IO[bytes] | None, stdout: IO[bytes], stderr: IO[bytes]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr)


def wait(process: subprocess.Popen[bytes], start: float) -> dict[str, Any]:
    """Reap the child with os.wait4: its exit status, wall time and peak RSS."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": process.returncode,
        "wall_s": round(time.perf_counter() - start, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


def write_inputs(folder: Path, args: argparse.Namespace) -> tuple[list[Path], collections.Counter[str], str]:
    """Write the main stream and the truncated gzip files; return their paths, the expected counts and the corpus."""
    corpus = "pan13-train windows" if pan_texts(1) else "seeds/ windows"
    texts = hostile_stream_texts(args.records, seed=args.seed)
    expected: collections.Counter[str] = collections.Counter()
    stream = folder / "stream.jsonl"
    with stream.open("wb") as out:
        # Blank lines are not records: generate until the stream holds `records` records.
        for line in broken_stream(texts, 2 * args.records, args.broken_share, args.seed, args.max_article_chars):
            out.write(line.raw + b"\n")
            count(expected, line)
            if expected["scanned"] + expected["rejected"] == args.records:
                break
    paths = [stream]
    for n in range(args.gzip_files):
        kinds = ["good"] * 150 + ["bad_date", "latin1", "invalid_json"] * 5
        lines = list(broken_lines(kinds, texts[-(n + 1) * 200 :], args.seed + n + 1, args.max_article_chars))
        lines = [_renamed(line, f"gz{n}-") for line in lines]
        packed = gzip.compress(b"".join(line.raw + b"\n" for line in lines), mtime=0)
        cut = packed[: len(packed) * (n + 1) // (args.gzip_files + 1)]
        complete = zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")
        for line in lines[:complete]:
            count(expected, line)
        expected["rejected"] += 1  # the cut itself
        expected["messages:rejected"] += 1
        path = folder / f"cut{n}.jsonl.gz"
        path.write_bytes(cut)
        paths.append(path)
    return paths, expected, corpus


def _renamed(line: BrokenLine, prefix: str) -> BrokenLine:
    """Give a line's ids a prefix, so that the gzip files share no id with the main stream."""
    raw = line.raw.replace(b'"id": "r', b'"id": "' + prefix.encode() + b"r")
    return BrokenLine(line.kind, raw, line.expect, line.message)


def count(expected: collections.Counter[str], line: BrokenLine) -> None:
    expected[f"kind:{line.kind}"] += 1
    expected[line.expect] += 1
    if line.expect == "rejected":
        expected["messages:rejected"] += 1
    elif line.message:
        expected["messages:warning"] += 1


def scan_stream(folder: Path, paths: list[Path], args: argparse.Namespace) -> dict[str, Any]:
    out_path, err_path = folder / "out.jsonl", folder / "err.txt"
    command = [sys.executable, "-m", "dedup", "scan", "--max-article-chars", str(args.max_article_chars)]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        figures = wait(child([*command, *map(str, paths)], subprocess.DEVNULL, out, err), start)
    stderr = err_path.read_text(encoding="utf-8", errors="replace").splitlines()
    output_lines = complete_json = 0
    with out_path.open("rb") as out:
        for raw in out:
            output_lines += 1
            try:
                orjson.loads(raw)
                complete_json += raw.endswith(b"\n")
            except orjson.JSONDecodeError:
                pass
    match = SUMMARY.match(stderr[-1]) if stderr else None
    read, scanned, rejected, matched = (int(g) for g in match.groups()) if match else (-1, -1, -1, -1)
    return {
        **figures,
        "command": " ".join(["python -m dedup scan", *command[4:], *(p.name for p in paths)]),
        "summary": stderr[-1] if stderr else None,
        "read": read,
        "scanned": scanned,
        "rejected": rejected,
        "matched": matched,
        "messages": {
            "rejected": sum(": rejected: " in s for s in stderr),
            "warning": sum(": warning: " in s for s in stderr),
        },
        "tracebacks": sum("Traceback" in s for s in stderr),
        "output_lines": output_lines,
        "output_lines_complete_json": complete_json,
    }


def giant_line(folder: Path, megabytes: int) -> dict[str, Any]:
    """Feed `dedup scan` one line of `megabytes` MiB and then a good line on stdin; measure its peak RSS."""
    err_path = folder / "giant.err"
    with err_path.open("wb") as err:
        start = time.perf_counter()
        process = child([sys.executable, "-m", "dedup", "scan"], subprocess.PIPE, subprocess.DEVNULL, err)  # type: ignore[arg-type]
        assert process.stdin is not None
        feeder = threading.Thread(target=_feed_giant, args=(process.stdin, megabytes), daemon=True)
        feeder.start()
        figures = wait(process, start)
        feeder.join()
    stderr = err_path.read_text(encoding="utf-8").splitlines()
    return {"line_mb": megabytes, **figures, "stderr": stderr}


def _feed_giant(stream: IO[bytes], megabytes: int) -> None:
    chunk = b"a" * (1 << 20)
    stream.write(b'{"id": "giant", "text": "')
    for _ in range(megabytes):
        stream.write(chunk)
    stream.write(b'"}\n{"id": "after", "text": "The line after the giant one is still read."}\n')
    stream.close()


def generate(folder: Path, args: argparse.Namespace) -> None:
    """Write the inputs into `folder`, with `expected.json` holding their labelled counts."""
    start = time.perf_counter()
    paths, expected, corpus = write_inputs(folder, args)
    facts: dict[str, Any] = {"paths": [str(p) for p in paths], "expected": expected, "corpus": corpus}
    facts["generate_s"] = round(time.perf_counter() - start, 1)
    (folder / "expected.json").write_text(json.dumps(facts), encoding="utf-8")


def empty_input(folder: Path) -> dict[str, Any]:
    """Scan empty input: the wall time and RSS of starting `dedup scan` at all."""
    with (folder / "empty.err").open("wb") as err:
        start = time.perf_counter()
        return wait(child([sys.executable, "-m", "dedup", "scan"], subprocess.DEVNULL, subprocess.DEVNULL, err), start)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.generate_into:
        generate(args.generate_into, args)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_broken_") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        forwarded = [a for a in (argv if argv is not None else sys.argv[1:])]
        subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_broken", *forwarded, "--generate-into", str(folder)], check=True
        )
        facts = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        paths = [Path(p) for p in facts["paths"]]
        expected = collections.Counter(facts["expected"])
        # A child's peak RSS starts from this process's own high-water mark, so the small runs come first.
        floor = empty_input(folder)
        giant = giant_line(folder, args.giant_line_mb) if args.giant_line_mb else None
        result = scan_stream(folder, paths, args)
        input_mb = round(sum(p.stat().st_size for p in paths) / 1e6, 1)
    exp_read = expected["scanned"] + expected["rejected"]
    crashes = int(result["exit_code"] not in (0, 1)) + result["tracebacks"]
    from benchmarks.bench_quality import environment  # imported late: it loads dedup, numpy and numba

    report = {
        "benchmark": "broken input stream",
        "corpus": facts["corpus"],
        "records_in_stream": args.records,
        "broken_share": args.broken_share,
        "seed": args.seed,
        "max_article_chars": args.max_article_chars,
        "gzip_files_truncated": args.gzip_files,
        "input_mb": input_mb,
        "generate_s": facts["generate_s"],
        "expected": {
            "read": exp_read,
            "scanned": expected["scanned"],
            "rejected": expected["rejected"],
            "blank_lines": expected["skipped"],
            "rejected_messages": expected["messages:rejected"],
            "warning_messages": expected["messages:warning"],
            "lines_per_kind": {k[5:]: v for k, v in sorted(expected.items()) if k.startswith("kind:")},
        },
        "scan": result,
        "crashes": crashes,
        "account_exact": (result["read"], result["scanned"], result["rejected"])
        == (exp_read, expected["scanned"], expected["rejected"])
        and result["read"] == result["scanned"] + result["rejected"]
        and result["messages"] == {"rejected": expected["messages:rejected"], "warning": expected["messages:warning"]},
        "output_complete": result["output_lines"] == result["output_lines_complete_json"],
        "articles_per_s": round(result["scanned"] / result["wall_s"], 1),
        "empty_input": floor,
        "giant_line": giant,
        **environment(),
    }
    print(json.dumps(report, indent=2))
    return 0 if report["account_exact"] and not crashes and report["output_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
