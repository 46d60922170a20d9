"""Deterministic benchmark corpora: PAN training articles when present, else variants generated from seeds/."""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
SEEDS = REPO / "seeds"


def eval_dir(option: Path | None = None) -> Path:
    """Return the evaluation data folder: the option, else $DEDUP_EVAL_DIR, else ../shared/eval beside the repo."""
    return option or Path(os.environ.get("DEDUP_EVAL_DIR") or DEFAULT_EVAL_DIR)


def pan_texts(limit: int) -> list[str] | None:
    """Return the first `limit` PAN training texts, or None when ../shared/eval is absent."""
    path = eval_dir() / "pan13-train" / "articles.jsonl.gz"
    if not path.is_file():
        return None
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            texts.append(json.loads(line)["text"])
            if len(texts) == limit:
                break
    return texts


def seed_texts(count: int, seed: int = 1) -> list[str]:
    """Return `count` news-length texts made from the seed articles: random paragraph picks with words dropped."""
    rng = random.Random(seed)
    paragraphs = [
        p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n") if p.strip()
    ]
    texts = []
    for _ in range(count):
        words = " ".join(rng.sample(paragraphs, 8)).split()
        texts.append(" ".join(w for w in words if rng.random() > 0.05))
    return texts
