"""dedup: find the passages news articles share, and which article had them first."""

from __future__ import annotations

import dedup.compiled  # noqa: F401  (first: it decides where compiled kernels are cached)
from dedup.records import Article, ArticleResult, Cluster, DocumentMatch, Match, Rejected
from dedup.scanner import ScanConfig, Scanner

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleResult",
    "Cluster",
    "DocumentMatch",
    "Match",
    "Rejected",
    "ScanConfig",
    "Scanner",
    "__version__",
]
