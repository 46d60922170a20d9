"""`dedup scan seeds/` against the reviewed golden output, byte for byte."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dedup.cli import cli
from tests.conftest import SEEDS

GOLDEN = Path(__file__).parent / "golden" / "seeds.clusters.jsonl"


def scan_seeds(runner: CliRunner) -> bytes:
    result = runner.invoke(cli, ["scan", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def test_seed_clusters_match_the_golden_file(runner: CliRunner, update_golden: bool) -> None:
    output = scan_seeds(runner)
    if update_golden:
        GOLDEN.write_bytes(output)
    assert output == GOLDEN.read_bytes()


def test_two_runs_give_identical_bytes(runner: CliRunner) -> None:
    assert scan_seeds(runner) == scan_seeds(runner)
