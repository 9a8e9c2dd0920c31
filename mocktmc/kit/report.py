"""What a kit run found: operations covered and checks passed or failed, per family, and each failure
with the curl command that repeats it. One record per process (a kit run is one pytest session)."""
from __future__ import annotations

import html
import threading
from collections import defaultdict
from dataclasses import dataclass, field, fields
from functools import lru_cache

from ..contract_documents import contract, operations_in


@lru_cache(maxsize=None)
def contract_operations(family: str) -> frozenset[str]:
    """'METHOD /path' of every operation of a family's contract: what "operations covered" counts."""
    try:
        return frozenset(f"{method.upper()} {path}" for path, _, method, _ in operations_in(contract(family)))
    except FileNotFoundError:
        return frozenset()


# The text summary shows this many failures of one check; the HTML report shows them all.
SHOWN_PER_CHECK = 3
MESSAGE_LINES = 12


@dataclass
class Failure:
    family: str
    check: str
    operation: str | None
    message: str
    curl: str | None
    test: str = ""


@dataclass
class Record:
    """Checks are counted per (family, check, operation): Hypothesis replays and shrinks a failing example
    many times, so counting calls would say more about shrinking than about the target."""
    seed: int | None = None
    target: str = ""
    covered: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ok: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    bad: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    failures: list[Failure] = field(default_factory=list)
    exemptions: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    left_out: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))  # (family, why)
    # Quirk name -> (which way the target behaves: observed, documented or undetermined; what was seen).
    quirks: dict[str, tuple[str, str]] = field(default_factory=dict)
    current_test: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forget everything recorded: each kit session starts empty, also when several run in one process (the
        kit's own tests run it in process). In place, since the suites hold this very record (RECORD)."""
        fresh = Record()
        with self._lock:
            for name in (f.name for f in fields(self) if f.name != "_lock"):
                setattr(self, name, getattr(fresh, name))

    def cover(self, family: str, operation: str) -> None:
        with self._lock:
            self.covered[family].add(operation)

    def passed(self, family: str, check: str, operation: str | None) -> None:
        with self._lock:
            if operation in contract_operations(family):
                self.covered[family].add(operation)
            self.ok[(family, check)].add(operation or "-")

    def failed(self, family: str, check: str, operation: str | None, message: str, curl: str | None) -> None:
        with self._lock:
            if operation in contract_operations(family):
                self.covered[family].add(operation)
            key = (family, check)
            first = (operation or "-") not in self.bad[key]
            self.bad[key].add(operation or "-")
            # Keep the first failure of each check on each operation: later ones are shrinking replays.
            if first:
                self.failures.append(Failure(family, check, operation, message, curl, self.current_test))

    def exempt(self, what: str, why: str) -> None:
        with self._lock:
            if (what, why) not in self.exemptions:
                self.exemptions.append((what, why))

    def observe_quirk(self, name: str, behaves: str, seen: str) -> None:
        """Which way the target went where the service and its documents differ (told, whatever the target)."""
        with self._lock:
            self.quirks[name] = (behaves, seen)

    def leave_out(self, family: str, operation: str, why: str) -> None:
        """An operation not checked, for a stated reason (listed, with the count, in the report)."""
        with self._lock:
            self.left_out[(family, why)].add(operation)

    # --- rendering ------------------------------------------------------------------------------
    def families(self) -> list[str]:
        return sorted(set(self.covered) | {family for family, _ in self.ok} | {family for family, _ in self.bad})

    def rows(self, family: str) -> list[tuple[str, int, int]]:
        """(check, operations it passed on, operations it failed on); a check that failed anywhere on an
        operation counts as failed there."""
        names = sorted({c for f, c in self.ok if f == family} | {c for f, c in self.bad if f == family})
        rows = []
        for name in names:
            bad = self.bad.get((family, name), set())
            good = self.ok.get((family, name), set()) - bad
            rows.append((name, len(good), len(bad)))
        return rows

    def summary_lines(self) -> list[str]:
        lines = [f"mocktmc contract kit: target {self.target or '?'}, seed {self.seed}"]
        for family in self.families():
            rows = self.rows(family)
            failed = sum(1 for _, _, bad in rows if bad)
            lines.append(f"  {family}: {len(self.covered.get(family, ()))} operations covered, "
                         f"{len(rows) - failed} checks passed, {failed} failed")
            for name, good, bad in rows:
                if bad:
                    lines.append(f"    FAIL {name}: failed on {bad}, passed on {good}")
            passed = [f"{name} ({good})" for name, good, bad in rows if not bad]
            if passed:
                lines += _wrapped("    passed (on how many operations): ", passed, "      ")
        if self.quirks:
            lines.append("  quirks (which way the target behaves where the service and its documents differ; "
                         "`mocktmc quirks`):")
            width = max(map(len, self.quirks))
            lines += [f"    {name:<{width}}  {behaves}: {seen}" for name, (behaves, seen) in self.quirks.items()]
        if self.exemptions or self.left_out:
            lines.append("  exemptions:")
            lines += [f"    - {what}: {why}" for what, why in self.exemptions]
            lines += [f"    - {family}: {len(ops)} operation(s) not checked: {why}"
                      for (family, why), ops in sorted(self.left_out.items())]
        if self.failures:
            lines.append(f"  {len(self.failures)} failure(s):")
            shown: dict[tuple[str, str], int] = defaultdict(int)
            for failure in self.failures:
                key = (failure.family, failure.check)
                shown[key] += 1
                if shown[key] > SHOWN_PER_CHECK:
                    continue
                where = f" on {failure.operation}" if failure.operation else ""
                first, *rest = [line for line in failure.message.splitlines() if line.strip()] or [""]
                lines.append(f"    [{failure.check}] ({failure.family}{where}) {first}")
                lines += [f"        {line}" for line in rest[:MESSAGE_LINES]]
                if len(rest) > MESSAGE_LINES:
                    lines.append("        ...")
                if failure.curl:
                    lines.append(f"      repeat it: {failure.curl}")
            for (family, name), count in shown.items():
                if count > SHOWN_PER_CHECK:
                    lines.append(f"    ... {name} ({family}) failed on {count - SHOWN_PER_CHECK} more operation(s): "
                                 "the HTML report (--html) lists every failure")
            lines.append(f"  repeat the run: mocktmc contract ... --seed {self.seed} (pytest: --tmc-seed {self.seed})")
        return lines

    def html(self) -> str:
        esc = html.escape
        parts = ["<!doctype html><meta charset='utf-8'><title>mocktmc contract kit</title>",
                 "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
                 ".fail{color:#b00}pre{background:#f4f4f4;padding:6px;white-space:pre-wrap}</style>",
                 f"<h1>mocktmc contract kit</h1><p>Target: {esc(self.target)}; seed {self.seed}</p>"]
        for family in self.families():
            parts.append(f"<h2>{esc(family)}</h2><p>{len(self.covered.get(family, ()))} operations covered</p>"
                         "<table><tr><th>check</th><th>passed</th><th>failed</th></tr>")
            for name, good, bad in self.rows(family):
                css = " class='fail'" if bad else ""
                parts.append(f"<tr{css}><td>{esc(name)}</td><td>{good}</td><td>{bad}</td></tr>")
            parts.append("</table>")
        if self.quirks:
            parts.append("<h2>Quirks</h2><table><tr><th>quirk</th><th>the target behaves</th><th>seen</th></tr>")
            parts += [f"<tr><td>{esc(name)}</td><td>{esc(behaves)}</td><td>{esc(seen)}</td></tr>"
                      for name, (behaves, seen) in self.quirks.items()]
            parts.append("</table>")
        if self.exemptions or self.left_out:
            parts.append("<h2>Exemptions</h2><ul>")
            parts += [f"<li><b>{esc(what)}</b>: {esc(why)}</li>" for what, why in self.exemptions]
            parts += [f"<li><b>{esc(family)}</b>: {len(ops)} operation(s) not checked: {esc(why)}"
                      f"<br><small>{esc(', '.join(sorted(ops)))}</small></li>"
                      for (family, why), ops in sorted(self.left_out.items())]
            parts.append("</ul>")
        parts.append(f"<h2>Failures ({len(self.failures)})</h2>")
        for failure in self.failures:
            parts.append(f"<h3 class='fail'>[{esc(failure.check)}] {esc(failure.family)} "
                         f"{esc(failure.operation or '')}</h3><p>{esc(failure.test)}</p>"
                         f"<pre>{esc(failure.message)}</pre>")
            if failure.curl:
                parts.append(f"<pre>{esc(failure.curl)}</pre>")
        return "\n".join(parts) + "\n"


def _wrapped(head: str, entries: list[str], indent: str, width: int = 110) -> list[str]:
    """Entries joined by commas over lines of at most `width`, never breaking inside an entry."""
    lines, line = [], head
    for index, entry in enumerate(entries):
        piece = entry + ("," if index < len(entries) - 1 else "")
        if len(line) + len(piece) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    lines.append(line.rstrip())
    return lines


RECORD = Record()
