"""Exit codes of the `dedup` command."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes of `dedup`, as documented in README.md."""

    OK = 0
    REJECTED = 1
    USAGE = 2
    FATAL = 3
