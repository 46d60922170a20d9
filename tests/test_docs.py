"""README.md documents every option of `dedup scan` and every exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.cli import scan
from dedup.errors import ExitStatus

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("option", [opt for param in scan.params for opt in param.opts if opt.startswith("--")])
def test_every_scan_option_is_in_the_readme(option: str) -> None:
    assert f"`{option}`" in README


@pytest.mark.parametrize("status", list(ExitStatus), ids=[s.name for s in ExitStatus])
def test_every_exit_code_is_in_the_readme(status: ExitStatus) -> None:
    assert f"\n| {int(status)} | " in README
