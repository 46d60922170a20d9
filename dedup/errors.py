"""Exit codes and the errors that map to them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes of `dedup`, as documented in README.md."""

    OK = 0
    REJECTED = 1
    USAGE = 2
    FATAL = 3


class DedupError(Exception):
    """An error that stops a scan (unreadable input, `--strict` on a bad record)."""


class StrictModeError(DedupError):
    """Raised under `--strict` at the first rejected record."""
