"""A server process for a benchmark: started, its URL read from its first line ("serving http://..."), stopped."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def served(command: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `command` (a server printing where it listens first), yield its URL, and stop it afterwards."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {})})
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        yield line.split("serving ", 1)[1].split()[0]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
