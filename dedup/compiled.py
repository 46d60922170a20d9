"""Where the compiled kernels are cached: one folder per version of the package's source.

numba keys a cached kernel by its own file only, so a kernel that inlines one from another module would outlive a
change there. Keying the whole cache by a digest of every module's source makes any change recompile everything
once. `NUMBA_CACHE_DIR`, when set, is used as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import numba
import xxhash

_PACKAGE = Path(__file__).resolve().parent


def source_digest() -> str:
    """Return a digest of every module of the package (names and contents)."""
    digest = xxhash.xxh3_64()
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    """Return the kernel cache folder for this source: under $XDG_CACHE_HOME (or ~/.cache)/dedup/."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dedup" / f"kernels-{numba.__version__}-{source_digest()}"


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(cache_dir())  # type: ignore[attr-defined]
