"""The `dedup` command's entry point (also `python -m dedup`).

A Ctrl-C before the scan starts, even while the modules load, ends the command with a message and exit 130.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _interrupted(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("dedup: interrupted by SIGINT before the scan started; nothing was read\n")
    raise SystemExit(130)


def main() -> None:
    """Run the `dedup` command."""
    signal.signal(signal.SIGINT, _interrupted)
    # A scan does no linear algebra, but numba's first compiled call loads the OpenBLAS libraries of numpy and scipy,
    # whose worker threads then spin for a while: CPU time for nothing. A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from dedup.cli import main as run

    run()


if __name__ == "__main__":
    main()
