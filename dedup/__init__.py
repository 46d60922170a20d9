"""dedup: find the passages news articles share, and which article had them first.

The names below load on first use, so that the command can answer a Ctrl-C even while its modules load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dedup.records import Article, ArticleResult, Cluster, DocumentMatch, Match, Rejected
    from dedup.scanner import ScanConfig, Scanner

__version__ = "0.1.0"

_EXPORTS = {
    "Article": "dedup.records",
    "ArticleResult": "dedup.records",
    "Cluster": "dedup.records",
    "DocumentMatch": "dedup.records",
    "Match": "dedup.records",
    "Rejected": "dedup.records",
    "ScanConfig": "dedup.scanner",
    "Scanner": "dedup.scanner",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
