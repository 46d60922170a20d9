"""Exit codes of the `dedup` command."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes of `dedup`, as documented in README.md.

    The codes above 128 follow the shell convention 128 + signal number, so that `$?` reads the same whether the
    signal ended the process or `dedup` stopped cleanly on it.
    """

    OK = 0
    REJECTED = 1
    USAGE = 2
    FATAL = 3
    OUTPUT = 4
    INTERNAL = 5
    INTERRUPTED = 130
    BROKEN_PIPE = 141
    TERMINATED = 143
