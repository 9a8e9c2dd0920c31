"""The structure holds: the layers' dependency rules (import-linter contracts in pyproject.toml) and no
import cycle among the domain's modules, checked on the import graph grimp builds from the sources."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def domain_cycle() -> list[str] | None:
    """One cycle among mocktmc.domain's modules (runtime and TYPE_CHECKING imports alike), or None."""
    graph = grimp.build_graph("mocktmc")
    modules = sorted(m for m in graph.modules if m.startswith("mocktmc.domain"))
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n.startswith("mocktmc.domain")
                       and graph.find_children(n) == set()) for m in modules}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in edges.get(module, []):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in modules:
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_domain_has_no_import_cycle():
    assert domain_cycle() is None, " -> ".join(domain_cycle() or [])
