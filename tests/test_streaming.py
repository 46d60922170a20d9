"""`dedup scan --emit events` answers each article as it arrives, before the input ends."""

from __future__ import annotations

import subprocess
import sys
import threading
from queue import Queue
from typing import IO

import orjson

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
