"""mypy passes on the package, as pyproject.toml's [tool.mypy] configures it (what `mypy` run at the top of
the repository checks too).

Types are a fact of the code and of the libraries' own types together, so the check is made against the
versions constraints.txt pins (what `make test` and CI install); elsewhere (`make test-lowest`, whose older
requests and urllib3 ship no types) it is skipped, naming the versions that differ.
"""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def _not_pinned() -> list[str]:
    """The installed distributions whose version is not the one constraints.txt pins."""
    differ = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        pin = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if pin is None:
            continue
        name, pinned = pin.groups()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # not needed here (a dependency of another platform, say)
        if installed != pinned:
            differ.append(f"{name} {installed} (pinned {pinned})")
    return differ


def test_mypy_passes_on_the_package(monkeypatch, tmp_path):
    differ = _not_pinned()
    if differ:
        pytest.skip(f"types are checked on the versions constraints.txt pins; here: {', '.join(differ)}")
    # From the top of the repository, as `mypy` is run there: [tool.mypy]'s `files` is relative to it.
    monkeypatch.chdir(ROOT)
    report, errors, status = api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                      "--cache-dir", str(tmp_path / "mypy-cache")])
    assert status == 0, f"mypy found errors (exit status {status}):\n{report}{errors}"
    assert "Success: no issues found" in report, report
