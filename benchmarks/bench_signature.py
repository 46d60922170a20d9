"""Time the per-article signature step against datasketch on the same articles; print one JSON object.

Ours: tokens -> token hashes -> word 5-gram hashes -> 128-permutation document MinHash + passage fingerprints.
Baselines, on the same texts and shingle definition (lower-cased word 5-grams, 128 permutations): datasketch
`MinHash.update` per shingle, and `update_batch` with an xxhash hash function. Median of several runs after a
warm-up; ratios are ours over each baseline in the same run. Run: python -m benchmarks.bench_signature [--articles N].
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any

import xxhash
from datasketch import MinHash

from benchmarks.corpus import pan_texts, seed_texts
from dedup.normalize import normalize_text
from dedup.shingle import hash_tokens, kgram_hashes
from dedup.signature import document_minhash, passage_fingerprints

NUM_PERM, K, WINDOW, SEED = 128, 5, 6, 1
WORD = re.compile(r"\w+")


def ours(text: str) -> None:
    """The signature step of `dedup.Scanner.add`."""
    shingles = kgram_hashes(hash_tokens(normalize_text(text)), K)
    document_minhash(shingles, NUM_PERM, SEED)
    passage_fingerprints(shingles, WINDOW, 1, SEED)


def word_shingles(text: str) -> list[bytes]:
    words = WORD.findall(text.lower())
    return [" ".join(words[i : i + K]).encode() for i in range(len(words) - K + 1)]


def datasketch_update(text: str) -> None:
    """What most users write: one `update` call per shingle (SHA-1)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    for shingle in word_shingles(text):
        minhash.update(shingle)


def datasketch_batch_xxhash(text: str) -> None:
    """datasketch's vectorized `update_batch` with a fast hash function."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=xxhash.xxh32_intdigest)
    minhash.update_batch(word_shingles(text))


def time_runs(step: Callable[[str], None], texts: list[str], runs: int) -> list[float]:
    """Return the seconds of `runs` passes over all texts, after one warm-up pass over the first 50."""
    for text in texts[:50]:
        step(text)
    seconds = []
    for _ in range(runs):
        start = time.process_time()
        for text in texts:
            step(text)
        seconds.append(time.process_time() - start)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the per-article signature step.")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    texts = pan_texts(args.articles)
    corpus = "pan13-train"
    if texts is None:
        print("note: ../shared/eval/pan13-train not found; using texts generated from seeds/", file=sys.stderr)
        texts, corpus = seed_texts(args.articles), "seeds-generated"
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    steps = {
        "dedup": ours,
        "datasketch_update": datasketch_update,
        "datasketch_update_batch_xxhash": datasketch_batch_xxhash,
    }
    results: dict[str, Any] = {}
    for name, step in steps.items():
        seconds = time_runs(step, texts, args.runs)
        median = statistics.median(seconds)
        results[name] = {
            "cpu_seconds": seconds,
            "median": median,
            "articles_per_s": len(texts) / median,
            "mb_per_s": megabytes / median,
        }
    for name in steps:
        results[name]["ours_speedup"] = results[name]["median"] / results["dedup"]["median"]
    report = {
        "benchmark": "signature step",
        "corpus": corpus,
        "articles": len(texts),
        "megabytes": megabytes,
        "num_perm": NUM_PERM,
        "shingle_size": K,
        "window": WINDOW,
        "seed": SEED,
        "runs": args.runs,
        "results": results,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "versions": {p: version(p) for p in ("numpy", "datasketch", "xxhash")},
    }
    print(json.dumps(report, indent=2))
    for name, r in results.items():
        print(
            f"{name:32s} {r['articles_per_s']:9.0f} articles/s {r['mb_per_s']:7.2f} MB/s  "
            f"dedup is {r['ours_speedup']:.1f}x",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
