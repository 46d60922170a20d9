"""Time the per-article signature step against its peers on the same articles; print one JSON object.

Ours: text -> tokens -> token hashes -> word 5-gram hashes -> 128-permutation document MinHash + passage
fingerprints. Peers, on the same articles and shingle definition (lower-cased word 5-grams, 128 permutations):
datasketch `MinHash.update` per shingle, datasketch `update_batch` with an xxhash hash function, and, when the
`bench` extra is installed, rensa's `RMinHash` and gaoya's MinHash. Floors: tokenizing alone and xxh3 over the raw
bytes. CPU time of this process (time.process_time), median of several runs after a warm-up, the runs of every
step interleaved so that machine noise hits all of them alike. Run: python -m benchmarks.bench_signature.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import xxhash
from datasketch import MinHash

from benchmarks.bench_quality import cpu_model, git_state
from benchmarks.corpus import news_texts
from dedup.shingle import tokenize
from dedup.signature import Signer

NUM_PERM, K, WINDOW, SEED = 128, 5, 6, 1
WORD = re.compile(r"\w+")
WARMUP_ARTICLES = 200


SIGNER = Signer(K, NUM_PERM, WINDOW, 1, SEED)


def ours(text: str) -> None:
    """The signature step of `dedup.Scanner.add`: tokens, shingles, document MinHash and passage fingerprints."""
    SIGNER.sign(tokenize(text).hashes)


def word_shingles(text: str) -> list[str]:
    """Return the lower-cased word 5-grams of `text`, words joined by a space: what the peers are given."""
    words = WORD.findall(text.lower())
    return [" ".join(words[i : i + K]) for i in range(len(words) - K + 1)]


def datasketch_update(text: str) -> None:
    """What most users write: one `update` call per shingle (SHA-1 of the shingle's bytes)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    for shingle in word_shingles(text):
        minhash.update(shingle.encode())


def datasketch_batch_xxhash(text: str) -> None:
    """datasketch's vectorized `update_batch` with a fast hash function (xxh32 of the shingle's bytes)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=xxhash.xxh32_intdigest)
    minhash.update_batch([s.encode() for s in word_shingles(text)])


def re_findall(text: str) -> None:
    """Floor: tokenizing alone, the usual way."""
    WORD.findall(text.lower())


def dedup_tokenize(text: str) -> None:
    """Floor: dedup's own tokenizer and token hashes, without shingles or signatures."""
    tokenize(text)


def xxh3_raw(text: str) -> None:
    """Floor: one xxh3_64 pass over the article's UTF-8 bytes (the encoding included)."""
    xxhash.xxh3_64_intdigest(text.encode())


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step: what it computes, and whether it is ours, a peer or a floor."""

    name: str
    kind: str
    run: Callable[[str], None]
    computes: str
    subset: bool = False


def peer_steps() -> list[Step]:
    """Return the peers, rensa and gaoya only when installed (the `bench` extra)."""
    steps = [
        Step(
            "datasketch_update",
            "peer",
            datasketch_update,
            "datasketch MinHash(128), one update() per lower-cased word 5-gram, SHA-1 (the shingles built in Python "
            "with re.findall and str.join, as for every peer given shingles)",
            subset=True,
        ),
        Step(
            "datasketch_update_batch_xxhash",
            "peer",
            datasketch_batch_xxhash,
            "datasketch MinHash(128, hashfunc=xxhash.xxh32_intdigest).update_batch(all the article's 5-gram shingles)",
        ),
    ]
    try:
        from rensa import RMinHash
    except ImportError:
        print("note: rensa is not installed (pip install -e '.[bench]'); skipped", file=sys.stderr)
    else:

        def rensa_rminhash(text: str) -> None:
            minhash = RMinHash(num_perm=NUM_PERM, seed=SEED)
            minhash.update(word_shingles(text))
            minhash.digest()

        steps.append(
            Step(
                "rensa_rminhash",
                "peer",
                rensa_rminhash,
                "rensa RMinHash(128): update(the article's 5-gram shingles as str) then digest(); R-MinHash (fast "
                "similarity sketching, 32-bit slots), not classic 128-permutation MinHash; its fastest per-article "
                "call here (digests_from_token_sets and digest_matrix_from_token_sets on one article were slower)",
            )
        )
    try:
        from gaoya.gaoya import minhash as gaoya_minhash
    except ImportError:
        print("note: gaoya is not installed (pip install -e '.[bench]'); skipped", file=sys.stderr)
    else:
        # 32 bands x 4 rows = 128 hashes of 32 bits; word 5-grams; lowercase=False because tokenize_and_minhash
        # never lower-cases (only gaoya's insert/query do), so the text is lower-cased in Python as for the others.
        index = gaoya_minhash.MinHash32StringIntIndexVec(0.5, 32, 4, None, "word", False, (K, K))

        def gaoya_tokenize_and_minhash(text: str) -> None:
            index.tokenize_and_minhash(text.lower())

        steps.append(
            Step(
                "gaoya_minhash",
                "peer",
                gaoya_tokenize_and_minhash,
                "gaoya MinHash32 index with 128 hashes: tokenize_and_minhash(text.lower()); gaoya tokenizes itself "
                "in Rust (splits at ASCII punctuation and whitespace, close to \\w+ on English) and builds the word "
                "5-grams itself; signature only, nothing inserted",
            )
        )
    return steps


def all_steps() -> list[Step]:
    """Return ours, the peers and the floors."""
    return [
        Step(
            "dedup",
            "ours",
            ours,
            "dedup: shingle.tokenize, then Signer.sign: word 5-gram hashes, one-permutation MinHash with optimal "
            f"densification (128 bins), passage_fingerprints(window={WINDOW})",
        ),
        *peer_steps(),
        Step("floor_re_findall", "floor", re_findall, 're.findall(r"\\w+", text.lower()): tokenizing alone'),
        Step(
            "floor_dedup_tokenize",
            "floor",
            dedup_tokenize,
            "dedup.shingle.tokenize: dedup's tokens (NFKC, case folding) and token hashes only",
        ),
        Step("floor_xxh3_64_raw", "floor", xxh3_raw, "xxhash.xxh3_64_intdigest(text.encode()): one hash of the bytes"),
    ]


def time_steps(steps: list[Step], texts: list[str], subset: list[str], runs: int) -> dict[str, list[float]]:
    """Return each step's CPU seconds per run over its articles; after a warm-up, run i of every step in turn."""
    for step in steps:
        for text in texts[:WARMUP_ARTICLES]:
            step.run(text)
    seconds: dict[str, list[float]] = {step.name: [] for step in steps}
    for _ in range(runs):
        for step in steps:
            articles = subset if step.subset else texts
            start = time.process_time()
            for text in articles:
                step.run(text)
            seconds[step.name].append(time.process_time() - start)
    return seconds


def versions() -> dict[str, str | None]:
    """Return the installed version of every package the figures depend on."""
    found: dict[str, str | None] = {}
    for package in ("dedup", "numpy", "numba", "xxhash", "datasketch", "rensa", "gaoya"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def report(steps: list[Step], seconds: dict[str, list[float]], texts: list[str], subset: list[str]) -> dict[str, Any]:
    """Return every step's figures; ratios are ours per article over the step's, in articles per CPU-second."""
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    subset_megabytes = sum(len(t.encode()) for t in subset) / 1e6
    results: dict[str, Any] = {}
    for step in steps:
        median = statistics.median(seconds[step.name])
        n, mb = (len(subset), subset_megabytes) if step.subset else (len(texts), megabytes)
        results[step.name] = {
            "kind": step.kind,
            "computes": step.computes,
            "articles": n,
            "on_subset": step.subset,
            "cpu_seconds": [round(s, 4) for s in seconds[step.name]],
            "median_cpu_seconds": round(median, 4),
            "articles_per_s": round(n / median, 1),
            "mb_per_s": round(mb / median, 2),
        }
    ours_rate = results["dedup"]["articles_per_s"]
    for figures in results.values():
        figures["ours_speedup"] = round(ours_rate / figures["articles_per_s"], 3)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the JSON report to stdout and a table to stderr."""
    parser = argparse.ArgumentParser(description="Benchmark the per-article signature step against its peers.")
    parser.add_argument("--articles", type=int, default=20000, help="news-length articles (default 20,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per step after the warm-up (default 5)")
    parser.add_argument(
        "--slow-subset",
        type=int,
        default=2000,
        help="articles for datasketch per-shingle update, which takes ~100x longer (default 2,000; the first ones)",
    )
    args = parser.parse_args(argv)
    texts, corpus, distinct = news_texts(args.articles)
    subset = texts[: min(args.slow_subset, len(texts))]
    steps = all_steps()
    seconds = time_steps(steps, texts, subset, args.runs)
    results = report(steps, seconds, texts, subset)
    peers = [name for name, r in results.items() if r["kind"] == "peer"]
    fastest = max(peers, key=lambda name: results[name]["articles_per_s"])
    out = {
        "benchmark": "signature step",
        "corpus": {
            "name": corpus,
            "articles": len(texts),
            "distinct_articles": distinct,
            "mean_characters": round(sum(map(len, texts)) / len(texts), 1),
            "megabytes_utf8": round(sum(len(t.encode()) for t in texts) / 1e6, 3),
            "subset_articles": len(subset),
        },
        "params": {"num_perm": NUM_PERM, "shingle_size": K, "window": WINDOW, "seed": SEED},
        "timing": (
            f"CPU seconds of this process (time.process_time) per pass over the articles; median of {args.runs} runs "
            f"after a warm-up over the first {WARMUP_ARTICLES}; runs of the steps interleaved; steps marked "
            "on_subset ran on the first subset_articles only, and their articles_per_s, mb_per_s and ours_speedup "
            "are per article, so they compare with the others directly"
        ),
        "runs": args.runs,
        "results": results,
        "fastest_peer": fastest,
        "ours_vs_fastest_peer": results[fastest]["ours_speedup"],
        "targets": {
            "ours_vs_fastest_peer": ">= 4",
            "ours_articles_per_s": ">= 20000",
            "met": results[fastest]["ours_speedup"] >= 4 and results["dedup"]["articles_per_s"] >= 20000,
        },
        "python_version": platform.python_version(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "versions": versions(),
        **git_state(),
    }
    print(json.dumps(out, indent=2))
    print(
        f"{corpus}: {len(texts)} articles ({distinct} distinct), {out['corpus']['mean_characters']:.0f} chars mean",
        file=sys.stderr,
    )
    for name, r in results.items():
        note = f" (first {len(subset)} articles)" if r["on_subset"] else ""
        print(
            f"{name:32s} {r['articles_per_s']:10.0f} articles/s {r['mb_per_s']:8.2f} MB/s  "
            f"dedup is {r['ours_speedup']:6.2f}x{note}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
