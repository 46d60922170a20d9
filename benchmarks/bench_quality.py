"""Score dedup on the PAN 2013 text-alignment training corpus with PAN's measures; print one JSON object.

Every article is added to one `Scanner` in file order; each reported passage becomes a detection, oriented
(suspicious, source) by the listed document pair it falls in. Detections outside the listed pairs are not scored,
because the labels are exhaustive only inside them. The same configuration is also scored at document level on
the Clough-Stevenson short answers and checked on the seed articles. Run: python -m benchmarks.bench_quality
[--limit N].
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

import dedup
from benchmarks.corpus import REPO, SEEDS, eval_dir
from benchmarks.plagdet import Span, measures
from dedup import Article, Match, ScanConfig, Scanner
from dedup.read import read_articles as read_input
from dedup.shingle import kgram_hashes, tokenize

CORPUS = "pan13-train"
CLOUGH = "clough-stevenson"
REUSED_LABELS = ("cut", "light", "heavy")
SEED_RUN_WORDS = 10
NEGATIVE = "01-no-plagiarism"
SUBCORPORA = ("02-no-obfuscation", "03-random-obfuscation", "04-translation-obfuscation", "05-summary-obfuscation")

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Truth:
    """The listed (suspicious, source) pairs with their sub-corpus label, the unannotated ones, and the cases."""

    labels: dict[Pair, str]
    unannotated: set[Pair]
    cases: list[Span]

    def doc_ids(self) -> set[str]:
        """Return the ids of every document in a listed pair."""
        return {doc for pair in self.labels for doc in pair}


@dataclass(frozen=True, slots=True)
class Scan:
    """What one scan produced and what it cost."""

    scanner: Scanner
    seconds: float
    cpu_seconds: float
    characters: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="Score dedup on PAN 2013 text alignment (training corpus).")
    parser.add_argument("--limit", type=int, help="score only the first N listed pairs of each sub-corpus")
    parser.add_argument(
        "--eval-dir", type=Path, help="folder holding pan13-train/ (default: $DEDUP_EVAL_DIR, ../shared/eval)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one ScanConfig parameter (repeatable), e.g. --set max_gap=16",
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    try:
        args.config = config_from(args.set)
    except (TypeError, ValueError) as err:
        parser.error(f"--set: {err}")
    return args


def config_from(assignments: Sequence[str]) -> ScanConfig:
    """Return the default ScanConfig with NAME=VALUE overrides, each value parsed as the default's type."""
    defaults = ScanConfig().as_dict()
    overrides: dict[str, Any] = {}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        if name not in defaults or name == "window":
            raise ValueError(f"unknown parameter {name!r}")
        if isinstance(defaults[name], bool):
            if value.lower() not in ("true", "false"):
                raise ValueError(f"{name} takes true or false, not {value!r}")
            overrides[name] = value.lower() == "true"
        else:
            overrides[name] = type(defaults[name])(value)
    return ScanConfig(**overrides)


def read_truth(path: Path) -> Truth:
    """Read the listed pairs and the passage cases from truth.jsonl."""
    labels: dict[Pair, str] = {}
    unannotated: set[Pair] = set()
    cases: list[Span] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["kind"] == "doc_pair":
                labels[record["a"], record["b"]] = record["label"]
                if record["reused"] is None:
                    unannotated.add((record["a"], record["b"]))
            elif record["kind"] == "passage":
                cases.append(case_of(record))
    return Truth(labels, unannotated, cases)


def case_of(record: dict[str, Any]) -> Span:
    """Return a truth `passage` record as a (suspicious, source) span."""
    return Span(record["a"], record["a_start"], record["a_end"], record["b"], record["b_start"], record["b_end"])


def first_pairs(truth: Truth, limit: int) -> Truth:
    """Keep the first `limit` listed pairs of each sub-corpus (the file lists pairs grouped by sub-corpus)."""
    seen: Counter[str] = Counter()
    labels: dict[Pair, str] = {}
    for pair, label in truth.labels.items():
        seen[label] += 1
        if seen[label] <= limit:
            labels[pair] = label
    cases = [case for case in truth.cases if case.pair in labels]
    return Truth(labels, truth.unannotated & labels.keys(), cases)


def read_articles(path: Path, keep: set[str]) -> list[Article]:
    """Read the articles whose id is in `keep`, in file order."""
    articles = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["id"] in keep:
                articles.append(Article(id=record["id"], text=record["text"], outlet=record["outlet"], published=None))
    return articles


def scan(articles: list[Article], config: ScanConfig) -> Scan:
    """Add every article to a fresh `Scanner`, timing the scan alone (wall clock and CPU time of this process)."""
    scanner = Scanner(config)
    start, cpu_start = time.perf_counter(), time.process_time()
    for article in articles:
        scanner.add(article)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return Scan(scanner, seconds, cpu_seconds, sum(len(article.text) for article in articles))


def detection(scanner: Scanner, match: Match, labels: dict[Pair, str]) -> Span | None:
    """Return the match as a (suspicious, source) span if its documents form a listed pair, else None."""
    earlier, later = scanner.articles[match.a].id, scanner.articles[match.b].id
    if (later, earlier) in labels:
        return Span(later, match.b_start, match.b_end, earlier, match.a_start, match.a_end)
    if (earlier, later) in labels:
        return Span(earlier, match.a_start, match.a_end, later, match.b_start, match.b_end)
    return None


def scores(truth: Truth, detections: list[Span]) -> dict[str, dict[str, float]]:
    """Return PAN's measures for each sub-corpus and over all listed pairs."""
    report = {}
    for label in SUBCORPORA:
        cases = [case for case in truth.cases if truth.labels[case.pair] == label]
        found = [span for span in detections if truth.labels[span.pair] == label]
        report[label] = measures(cases, found)
    report["overall"] = measures(truth.cases, detections)
    return report


def cpu_model() -> str | None:
    """Return the CPU model name from /proc/cpuinfo, if there is one."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


def git(*args: str) -> subprocess.CompletedProcess[str] | None:
    """Run a read-only git command in the repository (never refreshing its index), or None without git."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_state() -> dict[str, Any]:
    """Return the current commit and whether tracked files differ from it (None when unknown)."""
    head = git("rev-parse", "HEAD")
    if head is None or head.returncode != 0:
        return {"git_commit": None, "git_dirty": None}
    diff = git("diff", "--quiet", "HEAD", "--")
    return {"git_commit": head.stdout.strip(), "git_dirty": None if diff is None else diff.returncode != 0}


def environment() -> dict[str, Any]:
    """Return the versions and machine facts that a result depends on."""
    return {
        "dedup_version": dedup.__version__,
        "python_version": platform.python_version(),
        "numpy_version": version("numpy"),
        "datasketch_version": version("datasketch"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        **git_state(),
    }


def run(data: Path, limit: int | None, config: ScanConfig) -> dict[str, Any]:
    """Scan the corpus in `data` and return the full report."""
    truth = read_truth(data / "truth.jsonl")
    if limit is not None:
        truth = first_pairs(truth, limit)
    articles = read_articles(data / "articles.jsonl.gz", truth.doc_ids())
    result = scan(articles, config)
    oriented = [detection(result.scanner, match, truth.labels) for match in result.scanner.matches]
    detections = [span for span in oriented if span is not None]
    return {
        "benchmark": f"{CORPUS} text alignment (PAN 2013 training corpus)",
        "limit_pairs_per_subcorpus": limit,
        "params": result.scanner.config.as_dict(),
        "scores": scores(truth, detections),
        "detections_on_negative_pairs": sum(truth.labels[span.pair] == NEGATIVE for span in detections),
        "detections_on_unannotated_pairs": sum(span.pair in truth.unannotated for span in detections),
        "passages_outside_listed_pairs": len(oriented) - len(detections),
        "articles": len(articles),
        "characters": result.characters,
        "scan_seconds": round(result.seconds, 3),
        "articles_per_second": round(len(articles) / result.seconds, 1),
        "scan_cpu_seconds": round(result.cpu_seconds, 3),
        "articles_per_cpu_second": round(len(articles) / result.cpu_seconds, 1),
        **environment(),
    }


def clough_stevenson(data: Path, config: ScanConfig) -> dict[str, Any]:
    """Return document-level precision and recall on the Clough-Stevenson answers (cut/light/heavy vs non).

    An answer is flagged as reusing its source when the scan reports any passage or near-duplicate between them.
    """
    pairs: dict[Pair, str] = {}
    with (data / "truth.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["kind"] == "doc_pair":
                pairs[record["a"], record["b"]] = record["label"]
    articles = []
    with (data / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            articles.append(Article(id=record["id"], text=record["text"], outlet=record["outlet"]))
    scanner = Scanner(config)
    for article in articles:
        scanner.add(article)
    ids = [article.id for article in articles]
    linked = {frozenset((ids[m.a], ids[m.b])) for m in scanner.matches}
    linked |= {frozenset((ids[d.a], ids[d.b])) for d in scanner.document_matches}
    flagged = {pair: frozenset(pair) in linked for pair in pairs}
    positives = [pair for pair, label in pairs.items() if label in REUSED_LABELS]
    true_pos = sum(flagged[pair] for pair in positives)
    reported = sum(flagged.values())
    by_label = {}
    for label in (*REUSED_LABELS, "non"):
        labelled = [pair for pair, lab in pairs.items() if lab == label]
        by_label[label] = f"{sum(flagged[pair] for pair in labelled)}/{len(labelled)}"
    return {
        "pairs": len(pairs),
        "precision": round(true_pos / reported, 4) if reported else 1.0,
        "recall": round(true_pos / len(positives), 4) if positives else 1.0,
        "flagged_by_label": by_label,
    }


def seed_check(config: ScanConfig) -> dict[str, Any]:
    """Scan the sample articles; check every shared verbatim run of 10+ words is inside one reported passage in
    both articles, and that no pair is reported between articles sharing no word trigram (no text at all)."""
    articles = [record for record in read_input([str(SEEDS)]) if isinstance(record, Article)]
    scanner = Scanner(config)
    for article in articles:
        scanner.add(article)
    tokens = [tokenize(article.text) for article in articles]
    hashes = [t.hashes for t in tokens]
    spans = [(t.starts, t.ends) for t in tokens]
    runs = found = 0
    matched_pairs = {(m.a, m.b) for m in scanner.matches}
    unrelated: list[list[str]] = []
    for a in range(len(articles)):
        for b in range(a + 1, len(articles)):
            grams_a, grams_b = kgram_hashes(hashes[a], SEED_RUN_WORDS), kgram_hashes(hashes[b], SEED_RUN_WORDS)
            matches = [m for m in scanner.matches if (m.a, m.b) == (a, b)]
            for i in np.flatnonzero(np.isin(grams_a, grams_b)).tolist():
                for j in np.flatnonzero(grams_b == grams_a[i]).tolist():
                    run_a = (int(spans[a][0][i]), int(spans[a][1][i + SEED_RUN_WORDS - 1]))
                    run_b = (int(spans[b][0][j]), int(spans[b][1][j + SEED_RUN_WORDS - 1]))
                    runs += 1
                    found += any(
                        m.a_start <= run_a[0] and run_a[1] <= m.a_end and m.b_start <= run_b[0] and run_b[1] <= m.b_end
                        for m in matches
                    )
            shares = bool(np.isin(kgram_hashes(hashes[a], 3), kgram_hashes(hashes[b], 3)).any())
            if (a, b) in matched_pairs and not shares:
                unrelated.append([articles[a].id, articles[b].id])
    return {
        "articles": len(articles),
        "shared_10_word_windows": runs,
        "inside_a_reported_passage": found,
        "matched_pairs": len(matched_pairs),
        "matched_pairs_sharing_no_text": unrelated,
        "ok": runs == found and not unrelated,
    }


def table(report: dict[str, Any]) -> str:
    """Return the scores as a small plain-text table."""
    header = f"{'sub-corpus':<28}{'plagdet':>8}{'prec':>8}{'rec':>8}{'gran':>8}{'cases':>7}{'dets':>7}"
    rows = [header]
    for label, m in report["scores"].items():
        rows.append(
            f"{label:<28}{m['plagdet']:>8.3f}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['granularity']:>8.3f}"
            f"{m['n_cases']:>7}{m['n_detections']:>7}"
        )
    rows.append(
        f"detections on 01-no-plagiarism pairs: {report['detections_on_negative_pairs']}; "
        f"scan {report['scan_seconds']:.1f} s, {report['articles_per_second']:.0f} articles/s; "
        f"{report['scan_cpu_seconds']:.1f} s CPU, {report['articles_per_cpu_second']:.0f} articles/CPU-s"
    )
    clough, seeds = report.get("clough_stevenson"), report["seed_check"]
    if clough is not None:
        rows.append(
            f"clough-stevenson documents: precision {clough['precision']:.3f} recall {clough['recall']:.3f} "
            f"flagged {clough['flagged_by_label']}"
        )
    rows.append(
        f"seed check: {'ok' if seeds['ok'] else 'FAILED'} ({seeds['inside_a_reported_passage']}/"
        f"{seeds['shared_10_word_windows']} shared 10-word windows inside a passage, "
        f"{len(seeds['matched_pairs_sharing_no_text'])} matched pairs sharing no text)"
    )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the JSON report to stdout and a table to stderr."""
    args = parse_args(argv)
    data = eval_dir(args.eval_dir) / CORPUS
    if not data.is_dir():
        print(f"skipped: ../shared/eval/{CORPUS} not found (looked in {data}; set DEDUP_EVAL_DIR)", file=sys.stderr)
        return 0
    report = run(data, args.limit, args.config)
    clough = eval_dir(args.eval_dir) / CLOUGH
    report["clough_stevenson"] = clough_stevenson(clough, args.config) if clough.is_dir() else None
    report["seed_check"] = seed_check(args.config)
    print(json.dumps(report, indent=2))
    print(table(report), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
