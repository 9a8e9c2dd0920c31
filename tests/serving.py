"""A `mocktmc serve` process for a test: started on a free port (of loopback, or of every interface), stopped with
SIGTERM afterwards."""
from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def served(command: list[str], log: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None
           ) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run `command` (a `mocktmc serve --port 0 ...`), its log lines going to the file `log`; yield the process
    and its URL.

    The server says where it listens on its first line of standard output; standard error goes to a file,
    so that a chatty log can never fill a pipe nobody reads."""
    with log.open("w") as stderr:
        proc = subprocess.Popen(command, cwd=cwd, env=env if env is not None else dict(os.environ),
                                stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        line = proc.stdout.readline()
        assert "serving http://127.0.0.1:" in line or "serving http://0.0.0.0:" in line, (line, log.read_text())
        # A server on every interface is reached, by the test, through loopback only.
        yield proc, line.split("serving ", 1)[1].split()[0].replace("//0.0.0.0:", "//127.0.0.1:")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
