"""The `dedup` command line: a thin wrapper that reads records, feeds `Scanner` and writes JSON lines."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, Any

import click

from dedup import __version__
from dedup.errors import ExitStatus
from dedup.read import FieldMap, read_articles
from dedup.records import Notice, Rejected
from dedup.scanner import ScanConfig, Scanner
from dedup.write import JsonlWriter, cluster_record, event_record, run_record

DEFAULTS = ScanConfig()


class FatalError(click.ClickException):
    """A scan stopped before the end of its input."""

    exit_code = ExitStatus.FATAL


@dataclass(slots=True)
class Tally:
    """Counts for the closing summary; read == scanned + rejected always holds."""

    read: int = 0
    scanned: int = 0
    rejected: int = 0
    matched: int = 0

    def summary(self) -> str:
        return f"read={self.read} scanned={self.scanned} rejected={self.rejected} matched={self.matched}"


@click.group()
@click.version_option(__version__, prog_name="dedup")
def cli() -> None:
    """Find passages that news articles share and emit provenance clusters as JSON lines."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, allow_dash=True))
@click.option(
    "--emit",
    type=click.Choice(["clusters", "events"]),
    default="clusters",
    show_default=True,
    help="clusters: one record per cluster at end of input; events: one record per matching article, "
    "written as it is processed.",
)
@click.option("-o", "--output", type=click.File("wb"), default="-", help="Write JSON lines here (default stdout).")
@click.option("--strict", is_flag=True, help="Stop at the first rejected record (exit 3).")
@click.option("--id-field", default="id", show_default=True, help="JSON field holding the article id.")
@click.option("--text-field", default="text", show_default=True, help="JSON field holding the article text.")
@click.option("--outlet-field", default="outlet", show_default=True, help="JSON field holding the outlet.")
@click.option(
    "--published-field",
    default="published",
    show_default=True,
    help="JSON field holding the ISO 8601 publication date or datetime.",
)
@click.option("--url-field", default="url", show_default=True, help="JSON field holding the URL.")
@click.option("--title-field", default="title", show_default=True, help="JSON field holding the title.")
@click.option(
    "--min-words",
    type=int,
    default=DEFAULTS.min_words,
    show_default=True,
    help="Shortest passage reported, in words; every verbatim run this long is found.",
)
@click.option(
    "--shingle-size",
    type=int,
    default=DEFAULTS.shingle_size,
    show_default=True,
    help="Words per shingle for fingerprints and document MinHash.",
)
@click.option(
    "--passage-perms",
    type=int,
    default=DEFAULTS.passage_perms,
    show_default=True,
    help="Independent fingerprint permutations.",
)
@click.option("--align-k", type=int, default=DEFAULTS.align_k, show_default=True, help="Words per alignment seed.")
@click.option(
    "--max-gap",
    type=int,
    default=DEFAULTS.max_gap,
    show_default=True,
    help="Widest gap, in words, bridged inside one passage.",
)
@click.option(
    "--min-similarity",
    type=float,
    default=DEFAULTS.min_similarity,
    show_default=True,
    help="Least matched share of a passage's words.",
)
@click.option(
    "--threshold",
    type=float,
    default=DEFAULTS.doc_threshold,
    show_default=True,
    help="Least shingle Jaccard for whole-article near-duplicates.",
)
@click.option(
    "--num-perm",
    type=int,
    default=DEFAULTS.num_perm,
    show_default=True,
    help="Permutations of the document MinHash.",
)
@click.option("--seed", type=int, default=DEFAULTS.seed, show_default=True, help="Seed of every permutation.")
@click.option(
    "--max-df",
    type=int,
    default=DEFAULTS.max_df,
    show_default=True,
    help="A fingerprint held by this many articles stops producing candidates.",
)
@click.option(
    "--merge-gap",
    type=int,
    default=DEFAULTS.merge_gap,
    show_default=True,
    help="Widest gap, in words, across which two passages of one pair are joined.",
)
@click.option(
    "--window-bands",
    type=int,
    default=DEFAULTS.window_bands,
    show_default=True,
    help="MinHash bands over content-word windows (candidates for reworded passages; 0 turns them off).",
)
@click.option(
    "--boilerplate-articles",
    type=int,
    default=DEFAULTS.boilerplate_articles,
    show_default=True,
    help="A passage in this many articles of one outlet is flagged as boilerplate.",
)
@click.option("--exclude-boilerplate", is_flag=True, help="Leave clusters flagged as boilerplate out of the output.")
def scan(paths: tuple[str, ...], emit: str, output: IO[bytes], strict: bool, **options: Any) -> None:
    """Scan articles from PATHS (JSON lines, .jsonl.gz, .txt files or folders; stdin when none) for reuse."""
    fields = FieldMap(
        **{name: options.pop(f"{name}_field") for name in ("id", "text", "outlet", "published", "url", "title")}
    )
    try:
        config = ScanConfig(doc_threshold=options.pop("threshold"), **options)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    scanner = Scanner(config)
    writer = JsonlWriter(output, flush_each=emit == "events")
    writer.write(run_record(config.as_dict(), __version__, emit))
    tally = Tally()
    stdin = sys.stdin.buffer
    for record in read_articles(paths, stdin=stdin, fields=fields):
        if isinstance(record, Notice):
            _say(f"{record.location()}: warning: {record.message}")
            continue
        tally.read += 1
        if isinstance(record, Rejected):
            tally.rejected += 1
            _say(f"{record.location()}: rejected: {record.reason}")
            if strict:
                _say(tally.summary())
                raise FatalError("stopped at the first rejected record (--strict)")
            continue
        result = scanner.add(record)
        tally.scanned += 1
        if result.matched:
            tally.matched += 1
            if emit == "events":
                writer.write(event_record(result, scanner.articles))
    clusters = scanner.clusters()
    if emit == "clusters":
        for cluster in clusters:
            writer.write(cluster_record(cluster, scanner.articles))
    output.flush()
    passages = sum(c.kind == "passage" for c in clusters)
    _say(f"{tally.summary()} passage_clusters={passages} document_clusters={len(clusters) - passages}")
    sys.exit(ExitStatus.REJECTED if tally.rejected else ExitStatus.OK)


def _say(message: str) -> None:
    click.echo(f"dedup: {message}", err=True)


def main() -> None:
    """Run the `dedup` command."""
    cli(prog_name="dedup")
