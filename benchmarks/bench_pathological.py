"""Time `Scanner` on pathological inputs, each case in its own process, with its peak RSS and a time limit.

Cases (texts cut from real text, seeded):
- `unrelated_pair`: two unrelated 100,000-word texts; the baseline the others are compared with;
- `edited_pair`: a 100,000-word text and a copy with one word in ten replaced (they share most of their words);
- `one_word_repeated`: two texts of one word repeated 100,000 times;
- `short_cycle`: two texts of a three-word phrase repeated (100,000 words);
- `huge_vs_many`: one 100,000-word article, then 2,000 news-length articles that each quote 30 words of it.

Each case runs in a child process, so its peak RSS (os.wait4) is its own; a case that takes longer than `--timeout`
is killed and reported as timed out, which is what an unbounded alignment on one pair looks like.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.corpus import SEEDS, pan_texts

WORDS = 100_000


def real_words(count: int, seed: int) -> list[str]:
    """Return `count` words of real text: PAN training articles in a seeded order, else seeds/ in 12-word pieces.

    Only as many PAN articles are loaded as needed, so that the case's RSS is the scanner's, not the corpus's.
    """
    rng = random.Random(seed)
    sources = pan_texts(count // 500 + 20)
    if sources is not None:
        rng.shuffle(sources)
        words = [word for text in sources for word in text.split()]
        if len(words) >= count:
            return words[:count]
    seeds = [word for f in sorted(SEEDS.glob("*.txt")) for word in f.read_text(encoding="utf-8").split()]
    pieces = [seeds[i : i + 12] for i in range(0, len(seeds), 12)]
    words = []
    while len(words) < count:
        rng.shuffle(pieces)
        words += [word for piece in pieces for word in piece]
    return words[:count]


def edited(words: list[str], share: float, seed: int) -> list[str]:
    """Return a copy of `words` with `share` of them replaced by other words of the same text."""
    rng = random.Random(seed)
    return [rng.choice(words) if rng.random() < share else word for word in words]


def case_texts(name: str, words: int, seed: int) -> list[str]:
    """Return the articles of a case, in scanning order."""
    if name == "unrelated_pair":
        both = real_words(2 * words, seed)
        return [" ".join(both[:words]), " ".join(both[words:])]
    if name == "edited_pair":
        base = real_words(words, seed)
        return [" ".join(base), " ".join(edited(base, 0.1, seed))]
    if name == "one_word_repeated":
        return ["word " * words, "word " * words]
    if name == "short_cycle":
        phrase = "the minister said "
        return [phrase * (words // 3), phrase * (words // 3)]
    if name == "huge_vs_many":
        # Each small article is 120 words of its own and one 30-word piece of the huge one (disjoint pieces), so it
        # matches the huge article and nothing else.
        small_count = min(2000, words // 30)
        both = real_words(words + 120 * small_count, seed)
        base, filler = both[:words], both[words:]
        small = [
            " ".join(filler[120 * i : 120 * i + 60] + base[30 * i : 30 * i + 30] + filler[120 * i + 60 : 120 * (i + 1)])
            for i in range(small_count)
        ]
        return [" ".join(base), *small]
    raise ValueError(f"unknown case {name!r}")


CASES = ("unrelated_pair", "edited_pair", "one_word_repeated", "short_cycle", "huge_vs_many")


def run_case(name: str, words: int, seed: int, runs: int) -> dict[str, Any]:
    """Scan the case's articles `runs` times with a fresh default Scanner; return the times and what was found."""
    from dedup import Article, Scanner  # imported here: the parent process stays small

    texts = case_texts(name, words, seed)
    seconds, passages, duplicates = [], 0, 0
    for _ in range(runs):
        scanner = Scanner()
        start = time.perf_counter()
        results = [scanner.add(Article(id=str(i), text=text)) for i, text in enumerate(texts)]
        seconds.append(time.perf_counter() - start)
        passages = sum(len(r.passages) for r in results)
        duplicates = sum(len(r.duplicates) for r in results)
    return {
        "articles": len(texts),
        "chars": sum(len(t) for t in texts),
        "seconds": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3),
        "passages": passages,
        "duplicates": duplicates,
        "scanner_bytes": scanner.memory_nbytes(),
    }


def in_child(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one case in a child process; return its report with peak RSS, or `timed_out`."""
    command = [sys.executable, "-m", "benchmarks.bench_pathological", "--case", name]
    command += ["--words", str(args.words), "--seed", str(args.seed), "--runs", str(args.runs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    deadline = start + args.timeout
    status, usage = 0, None
    while time.perf_counter() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.2)
    else:
        process.kill()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = -9
        return {"timed_out": True, "timeout_s": args.timeout, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stdout is not None and usage is not None
    report: dict[str, Any] = json.loads(process.stdout.read() or b"{}")
    report["exit_code"] = process.returncode
    report["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    report["process_wall_s"] = round(time.perf_counter() - start, 2)
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=WORDS, help="words in each long text")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed scans per case (median reported)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a case is killed")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.words, args.seed, args.runs)))
        return 0
    results = {name: in_child(name, args) for name in args.cases}
    baseline = results.get("unrelated_pair", {}).get("median_s")
    for result in results.values():
        if baseline and "median_s" in result:
            result["ratio_to_unrelated_pair"] = round(result["median_s"] / baseline, 2)
    from benchmarks.bench_quality import environment  # imported late: it loads dedup, numpy and numba

    report = {
        "benchmark": "pathological inputs",
        "corpus": "pan13-train windows" if pan_texts(1) else "seeds/ windows",
        "words": args.words,
        "seed": args.seed,
        "runs": args.runs,
        "timeout_s": args.timeout,
        "results": results,
        **environment(),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
