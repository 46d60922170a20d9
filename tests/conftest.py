"""Shared fixtures: the sample articles, a click runner, and the `--update-golden` flag."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from dedup import Article
from dedup.read import read_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


# Compiled kernels load on their first call, and the machines are shared: no per-example deadline.
settings.register_profile("dedup", deadline=None)
settings.load_profile("dedup")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def seed_articles() -> list[Article]:
    records = list(read_articles([str(SEEDS)]))
    articles = [r for r in records if isinstance(r, Article)]
    assert len(articles) == 5, records
    return articles


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
