"""The `dedup` command line: a thin wrapper that reads records, feeds `Scanner` and writes JSON lines."""

from __future__ import annotations

import gc
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import click
from click.core import ParameterSource

from dedup import __version__
from dedup.errors import ExitStatus
from dedup.read import FieldMap, InputChangedError, Record, input_bytes, read_articles
from dedup.records import Article, Notice, Rejected
from dedup.scanner import REWORDED, ScanConfig, Scanner
from dedup.write import JsonlWriter, cluster_record, event_record, run_record

DEFAULTS = ScanConfig()
# New container objects between two runs of the garbage collector's youngest generation during a scan (CPython's
# default is 700).
GC_YOUNG_OBJECTS = 50_000


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
@click.option(
    "-o", "--output", type=click.File("wb", lazy=False), default="-", help="Write JSON lines here (default stdout)."
)
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
    "--max-article-chars",
    type=int,
    default=DEFAULTS.max_text_chars,
    show_default=True,
    help="Longest article text scanned, in characters; a longer article is rejected.",
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
    "--window-max-df",
    type=int,
    default=DEFAULTS.window_max_df,
    show_default=True,
    help="A window or sentence key held by this many articles stops producing candidates (a topic's common words).",
)
@click.option(
    "--window-rare-df",
    type=int,
    default=DEFAULTS.window_rare_df,
    show_default=True,
    help="A window or sentence key held by at most this many earlier articles counts as two shared keys (0: off).",
)
@click.option(
    "--sentence-bands",
    type=int,
    default=DEFAULTS.sentence_bands,
    show_default=True,
    help="MinHash bands over each sentence's content words (candidates for reuse reworded sentence by sentence; "
    "0 turns them off).",
)
@click.option(
    "--boilerplate-articles",
    type=int,
    default=DEFAULTS.boilerplate_articles,
    show_default=True,
    help="A passage in this many articles of one outlet is flagged as boilerplate.",
)
@click.option("--exclude-boilerplate", is_flag=True, help="Leave clusters flagged as boilerplate out of the output.")
@click.option(
    "--verify-single/--align-single",
    default=DEFAULTS.verify_single,
    show_default=True,
    help="Align a pair sharing one fingerprint only if it shares a min_words run, a window key, or 8 word "
    "trigrams close together (--align-single: always).",
)
@click.option(
    "--stitch-gap",
    type=int,
    default=DEFAULTS.stitch_gap,
    show_default=True,
    help="Join reworded pieces of one pair this close in one text, however far apart in the other (0: off).",
)
@click.option(
    "--snap-words",
    type=int,
    default=DEFAULTS.snap_words,
    show_default=True,
    help="Extend a reworded passage to whole sentences when that adds at most this many words in each text and "
    "the added words share a content word (0: off).",
)
@click.option(
    "--reworded",
    is_flag=True,
    help="Settings for heavily reworded reuse (paraphrase, translation, summary): --window-bands 2 of 11-word "
    "windows, --sentence-bands 8 and --window-rare-df 2; an option given explicitly wins.",
)
def scan(paths: tuple[str, ...], emit: str, output: IO[bytes], strict: bool, reworded: bool, **options: Any) -> None:
    """Scan articles from PATHS (JSON lines, .jsonl.gz, .txt files or folders; stdin when none) for reuse."""
    fields = FieldMap(
        **{name: options.pop(f"{name}_field") for name in ("id", "text", "outlet", "published", "url", "title")}
    )
    if reworded:
        context = click.get_current_context()
        for name, value in REWORDED.items():
            if name not in options or context.get_parameter_source(name) == ParameterSource.DEFAULT:
                options[name] = value
    try:
        config = ScanConfig(
            doc_threshold=options.pop("threshold"), max_text_chars=options.pop("max_article_chars"), **options
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    # Texts of plain JSON-lines files are read again from them when needed, not kept (README, "Memory").
    scanner = Scanner(config, expected_bytes=input_bytes(paths), keep_texts=False)
    run = _Run(scanner, JsonlWriter(output, flush_each=emit == "events"), emit, strict)
    # A scan keeps a few objects per article to the end and makes next to no reference cycles, so CPython's
    # collector, run every 700 objects kept, only walks the same live objects again and again.
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_OBJECTS, *thresholds[1:])
    try:
        with StopSignals() as stop:
            status = run.guarded(
                lambda: run.scan(read_articles(paths, sys.stdin.buffer, fields, config.max_text_chars), stop)
            )
    finally:
        gc.set_threshold(*thresholds)
    sys.exit(status)


class _Stop(Exception):
    """Leaves a blocking read of the input when a stop signal arrives."""


class StopSignals:
    """Turn the first SIGINT or SIGTERM into a stop at the next record boundary; a second one ends the process.

    The handler raises only while the scan waits for input, never while a line is written, so a stop never leaves
    a half-written JSON line.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self.waiting = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.received is None:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        self.received = self.received or signum
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        if self.waiting:
            raise _Stop


class _OutputError(Exception):
    """Writing the output failed (a closed pipe, a full disk); carries the OSError."""

    def __init__(self, err: OSError) -> None:
        super().__init__(str(err))
        self.err = err


class _Run:
    """One `dedup scan`: feeds records to the scanner, writes JSON lines, and keeps the tally for the summary."""

    def __init__(self, scanner: Scanner, writer: JsonlWriter, emit: str, strict: bool) -> None:
        self.scanner = scanner
        self.writer = writer
        self.emit = emit
        self.strict = strict
        self.tally = Tally()

    def write(self, record: dict[str, Any]) -> None:
        try:
            self.writer.write(record)
        except OSError as err:
            raise _OutputError(err) from err

    def guarded(self, work: Callable[[], ExitStatus]) -> ExitStatus:
        """Run `work`, turning output and internal errors into a message, the summary so far and an exit code."""
        try:
            return work()
        except _OutputError as failure:
            return self._output_failed(failure.err)
        except (click.ClickException, SystemExit):
            raise
        except InputChangedError as err:
            _say(f"error: {err}; an input file must not change during the scan")
            _say(self.tally.summary())
            return ExitStatus.FATAL
        except Exception as err:
            if os.environ.get("DEDUP_TRACEBACK"):
                raise
            _say(f"internal error: {type(err).__name__}: {err} (set DEDUP_TRACEBACK=1 to see where)")
            _say(self.tally.summary())
            return ExitStatus.INTERNAL

    def scan(self, records: Iterable[Record], stop: StopSignals) -> ExitStatus:
        """Scan every record (or until a stop), then write the clusters; return the exit status."""
        self.write(run_record(self.scanner.config.as_dict(), __version__, self.emit))
        for record in _until_stopped(records, stop):
            self._take(record)
            if stop.received:
                break
        if stop.received:
            _say(f"stopped by {signal.Signals(stop.received).name} before the end of input; no clusters written")
            return self._stopped(stop.received)
        clusters = self.scanner.clusters()
        if self.emit == "clusters":
            for done, cluster in enumerate(clusters):
                if stop.received:
                    _say(f"stopped by {signal.Signals(stop.received).name} after {done} of {len(clusters)} clusters")
                    return self._stopped(stop.received)
                self.write(cluster_record(cluster, self.scanner.articles))
        self._flush()
        passages = sum(c.kind == "passage" for c in clusters)
        _say(f"{self.tally.summary()} passage_clusters={passages} document_clusters={len(clusters) - passages}")
        return ExitStatus.REJECTED if self.tally.rejected else ExitStatus.OK

    def _take(self, record: Record) -> None:
        if isinstance(record, Notice):
            _say(f"{record.location()}: warning: {record.message}")
            return
        if isinstance(record, Article):
            try:
                result = self.scanner.add(record)
            except ValueError as err:
                record = Rejected(record.source, record.line_no, str(err))
            else:
                self.tally.read += 1
                self.tally.scanned += 1
                if result.matched:
                    self.tally.matched += 1
                    if self.emit == "events":
                        self.write(event_record(result, self.scanner.articles))
                return
        self.tally.read += 1
        self.tally.rejected += 1
        _say(f"{record.location()}: rejected: {record.reason}")
        if self.strict:
            _say(self.tally.summary())
            raise FatalError("stopped at the first rejected record (--strict)")

    def _flush(self) -> None:
        try:
            self.writer.stream.flush()
        except OSError as err:
            raise _OutputError(err) from err

    def _stopped(self, signum: int) -> ExitStatus:
        self._flush()
        _say(self.tally.summary())
        return ExitStatus.INTERRUPTED if signum == signal.SIGINT else ExitStatus.TERMINATED

    def _output_failed(self, err: OSError) -> ExitStatus:
        if isinstance(err, BrokenPipeError):
            _say("output closed (broken pipe); stopped")
            status = ExitStatus.BROKEN_PIPE
        else:
            _say(f"cannot write output: {err.strerror or err}; stopped")
            _cut_partial_line(self.writer.stream)
            status = ExitStatus.OUTPUT
        _detach_output(self.writer.stream)
        _say(self.tally.summary())
        return status


def _until_stopped(records: Iterable[Record], stop: StopSignals) -> Iterator[Record]:
    """Yield records until the input ends or a stop signal arrives while waiting for the next one."""
    source = iter(records)
    while True:
        stop.waiting = True
        try:
            record = next(source)
        except (StopIteration, _Stop):
            return
        finally:
            stop.waiting = False
        yield record


def _detach_output(stream: IO[bytes]) -> None:
    """Point a failed output at /dev/null, so that the flush at exit cannot fail again with a traceback."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    os.dup2(null, fd)
    os.close(null)


def _cut_partial_line(stream: IO[bytes]) -> None:
    """Cut an output file back to its last complete line, so a failed write never leaves half a JSON line."""
    try:
        fd = stream.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        size = os.fstat(fd).st_size
        tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
        if b"\n" not in tail and size > len(tail):
            return  # no line end in the last MiB: leave the file as it is rather than guess
        os.ftruncate(fd, size - len(tail) + tail.rfind(b"\n") + 1)
    except (OSError, ValueError):
        return


def _say(message: str) -> None:
    click.echo(f"dedup: {message}", err=True)


def main() -> None:
    """Run the `dedup` command."""
    cli(prog_name="dedup")
