"""`dedup scan --emit events` answers each article as it arrives, before the input ends."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Queue
from typing import IO

import orjson
import pytest

from tests.conftest import SEEDS


def read_lines(stream: IO[bytes], lines: Queue[bytes]) -> None:
    for line in stream:
        lines.put(line)


def test_events_are_written_while_stdin_is_still_open() -> None:
    texts = [(SEEDS / name).read_text() for name in ("001_73e29cf05dbddd23.txt", "003_38cd81c15b57a8d4.txt")]
    command = [sys.executable, "-m", "dedup", "scan", "--emit", "events"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stdout is not None
        lines: Queue[bytes] = Queue()
        reader = threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        assert orjson.loads(lines.get(timeout=30))["record"] == "run"
        for i, text in enumerate(texts):
            process.stdin.write(orjson.dumps({"id": f"a{i}", "text": text}) + b"\n")
            process.stdin.flush()
        event = orjson.loads(lines.get(timeout=30))
        assert event["record"] == "event" and event["article"] == "a1"
        assert {p["with"] for p in event["passages"]} == {"a0"}
        assert process.poll() is None  # still waiting for more input
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        reader.join(timeout=30)
        assert lines.empty()


# --- interruption: signals and a closed output pipe ---------------------------------------------------------------

SCAN = [sys.executable, "-m", "dedup", "scan"]


def copies(path: Path, count: int) -> Path:
    """Write `count` copies of one seed article under different ids: every copy after the first matches."""
    text = (SEEDS / "000_f632bee393438653.txt").read_text(encoding="utf-8")
    path.write_bytes(b"".join(orjson.dumps({"id": f"c{i}", "text": text}) + b"\n" for i in range(count)))
    return path


def assert_clean_stop(out: bytes, err: bytes, reason: str) -> tuple[int, int, int]:
    """Check that stdout holds only complete JSON lines and stderr ends with `reason` and an exact account."""
    assert out == b"" or out.endswith(b"\n")
    assert all(orjson.loads(text) for text in out.splitlines())
    lines = err.decode().splitlines()
    assert "Traceback" not in err.decode()
    assert lines[-2].startswith(f"dedup: {reason}"), lines
    read, scanned, rejected = (int(part.split("=")[1]) for part in lines[-1].split()[1:4])
    assert lines[-1] == f"dedup: read={read} scanned={scanned} rejected={rejected} matched={lines[-1].split('=')[-1]}"
    assert read == scanned + rejected
    return read, scanned, rejected


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"])
def test_a_signal_while_waiting_for_input_stops_at_once_with_complete_output(signum: int, status: int) -> None:
    texts = [(SEEDS / name).read_text() for name in ("001_73e29cf05dbddd23.txt", "003_38cd81c15b57a8d4.txt")]
    with subprocess.Popen(
        [*SCAN, "--emit", "events"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        assert orjson.loads(process.stdout.readline())["record"] == "run"
        for i, text in enumerate(texts):
            process.stdin.write(orjson.dumps({"id": f"a{i}", "text": text}) + b"\n")
        process.stdin.flush()
        assert orjson.loads(process.stdout.readline())["record"] == "event"
        process.send_signal(signum)
        out, err = process.communicate(timeout=30)

    assert process.returncode == status
    name = signal.Signals(signum).name
    assert assert_clean_stop(out, err, f"stopped by {name} before the end of input") == (2, 2, 0)


def test_sigterm_in_the_middle_of_a_scan_writes_no_clusters_and_accounts_for_what_was_read(tmp_path: Path) -> None:
    feed = copies(tmp_path / "feed.jsonl", 400).read_bytes()
    with subprocess.Popen(SCAN, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stderr is not None
        process.stdin.write(b"not json\n")
        process.stdin.flush()
        assert process.stderr.readline().startswith(b"dedup: <stdin>:1: rejected: invalid JSON")
        feeder = threading.Thread(target=feed_slowly, args=(process.stdin, feed), daemon=True)
        feeder.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)

    assert process.returncode == 143
    assert [orjson.loads(text)["record"] for text in out.splitlines()] == ["run"]
    _, scanned, rejected = assert_clean_stop(out, err, "stopped by SIGTERM before the end of input")
    assert rejected == 1 and scanned < 400


def feed_slowly(stream: IO[bytes], data: bytes) -> None:
    """Write `data` line by line; stop quietly when the process has gone."""
    try:
        for line in data.splitlines(keepends=True):
            stream.write(line)
            stream.flush()
            time.sleep(0.005)
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        return


def test_closing_the_output_pipe_stops_with_141_and_no_traceback(tmp_path: Path) -> None:
    feed = copies(tmp_path / "feed.jsonl", 200)
    with subprocess.Popen(
        [*SCAN, "--emit", "events", str(feed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert orjson.loads(process.stdout.readline())["record"] == "run"
        assert orjson.loads(process.stdout.readline())["record"] == "event"
        process.stdout.close()
        err = process.stderr.read()
        process.wait(timeout=60)

    assert process.returncode == 141
    _, scanned, rejected = assert_clean_stop(b"", err, "output closed (broken pipe); stopped")
    assert rejected == 0 and 0 < scanned < 200


def test_head_on_the_cluster_output_gets_complete_lines_and_dedup_exits_141(tmp_path: Path) -> None:
    feed = copies(tmp_path / "feed.jsonl", 60)
    command = f"{shlex.join([*SCAN, str(feed)])} 2>{tmp_path / 'err'} | head -n 1; echo ${{PIPESTATUS[0]}} >&2"

    done = subprocess.run(["bash", "-c", command], capture_output=True, check=True, timeout=120)

    assert orjson.loads(done.stdout)["record"] == "run"
    assert done.stderr == b"141\n"
    assert_clean_stop(b"", (tmp_path / "err").read_bytes(), "output closed (broken pipe); stopped")


def test_sigint_while_the_command_starts_exits_130_without_a_traceback() -> None:
    # `-v`: the interpreter reports each module it loads on stderr, so the signal can be sent just as `dedup.cli`
    # starts loading (a fixed delay could land before the interpreter is up on a busy machine).
    command = [sys.executable, "-v", *SCAN[1:], "-o", os.devnull]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith(b"# code object from") and b"dedup" in line and b"cli" in line:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert b"Traceback" not in err and b"interrupted by SIGINT before the scan started" in err
    assert out == b""
