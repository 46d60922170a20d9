"""Boilerplate: a passage one outlet repeats across many of its articles is flagged, and can be left out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from dedup import Article, ScanConfig, Scanner
from dedup.cli import cli
from dedup.records import Cluster

FOOTER = (
    "This story is published under a Creative Commons licence. Sign up for our morning newsletter to get the "
    "day's top stories delivered to your inbox every weekday, and follow us for live updates."
)
OUTLET = "example-daily"


def stream(seed_articles: list[Article], footers: int, outlet_of_footers: str | None = OUTLET) -> list[Article]:
    """The seeds, each from its own outlet, then `footers` articles that each reuse one paragraph of seed 004 and
    end with the same footer (all from `outlet_of_footers`, or each from its own outlet when None)."""
    seeds = [replace(a, outlet=f"outlet-{a.id[:3]}") for a in seed_articles]
    paragraphs = [p for p in seed_articles[4].text.split("\n") if len(p.split()) >= 20]
    extra = [
        Article(
            id=f"daily-{i}",
            text=f"{paragraphs[i]}\n\n{FOOTER}",
            outlet=outlet_of_footers or f"other-{i}",
        )
        for i in range(footers)
    ]
    return seeds + extra


def scan(articles: list[Article], **options: int | bool) -> tuple[Scanner, list[Cluster]]:
    scanner = Scanner(ScanConfig(**options))  # type: ignore[arg-type]
    for article in articles:
        scanner.add(article)
    return scanner, [c for c in scanner.clusters() if c.kind == "passage"]


def holds_footer(scanner: Scanner, cluster: Cluster) -> bool:
    return any("newsletter" in scanner.articles[m.seq].text[m.start : m.end] for m in cluster.members)


def test_a_footer_repeated_by_one_outlet_is_flagged_and_nothing_else(seed_articles: list[Article]) -> None:
    scanner, clusters = scan(stream(seed_articles, 6))
    [footer] = [c for c in clusters if c.boilerplate]
    assert {scanner.articles[m.seq].id for m in footer.members} == {f"daily-{i}" for i in range(6)}
    assert all(FOOTER[:40] in scanner.articles[m.seq].text[m.start : m.end] for m in footer.members)
    others = [c for c in clusters if not c.boilerplate]
    assert others and not any(holds_footer(scanner, c) for c in others)
    # The seeds' own reuse, and the paragraphs the daily articles took from seed 004, are still reported.
    assert any({scanner.articles[m.seq].outlet for m in c.members} >= {OUTLET, "outlet-004"} for c in others)


def test_excluding_boilerplate_drops_only_the_flagged_clusters(seed_articles: list[Article]) -> None:
    articles = stream(seed_articles, 6)
    _, flagged = scan(articles)
    scanner, kept = scan(articles, exclude_boilerplate=True)
    assert kept == [c for c in flagged if not c.boilerplate]
    assert len(kept) == len(flagged) - 1 and not any(holds_footer(scanner, c) for c in kept)


def test_too_few_repeats_or_many_outlets_are_not_boilerplate(seed_articles: list[Article]) -> None:
    scanner, clusters = scan(stream(seed_articles, 4))
    assert any(holds_footer(scanner, c) for c in clusters) and not any(c.boilerplate for c in clusters)
    scanner, clusters = scan(stream(seed_articles, 6, outlet_of_footers=None))
    assert any(holds_footer(scanner, c) for c in clusters) and not any(c.boilerplate for c in clusters)
    scanner, clusters = scan(stream(seed_articles, 4), boilerplate_articles=3)
    assert [holds_footer(scanner, c) for c in clusters if c.boilerplate] == [True]


def test_cli_writes_the_flag_and_excludes_on_request(seed_articles: list[Article], tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    path.write_text(
        "".join(json.dumps({"id": a.id, "text": a.text, "outlet": a.outlet}) + "\n" for a in stream(seed_articles, 6))
    )
    runner = CliRunner()
    records = [json.loads(line) for line in runner.invoke(cli, ["scan", str(path)]).stdout.splitlines()]
    clusters = [r for r in records if r["record"] == "cluster"]
    assert [r["boilerplate"] for r in clusters].count(True) == 1
    assert all(r["boilerplate"] is False for r in clusters if "newsletter" not in r["text"])
    excluded = runner.invoke(cli, ["scan", "--exclude-boilerplate", str(path)]).stdout.splitlines()
    run = json.loads(excluded[0])
    assert run["params"]["exclude_boilerplate"] is True
    assert len(excluded) == len(records) - 1 and not any("newsletter" in line for line in excluded)
