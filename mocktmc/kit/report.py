"""What a kit run found: operations covered and checks passed or failed, per family, and each failure
with the curl command that repeats it. One record per process (a kit run is one pytest session).

It is told three ways: the summary at the end of the run (summary_lines), a page to open (html) and JUnit
XML for CI (junit), all from this record, so that they never disagree."""
from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import datetime
from importlib import metadata
from typing import NamedTuple

from ..charts import FAILED, PASSED, bar_chart, number, percentile
from ..contract_documents import operation_labels


def contract_operations(family: str) -> frozenset[str]:
    """'METHOD /path' of every operation of a family's contract: what "operations covered" counts (none for a
    name that is no family's)."""
    try:
        return operation_labels(family)
    except FileNotFoundError:
        return frozenset()


# The answer times' percentiles the HTML report shows, per family.
ANSWER_PERCENTILES = (50, 90, 95, 99)
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
    # "F1", "F2", ... in the order failures were recorded: short enough to say, and the same in every report.
    id: str = ""

    @property
    def replay(self) -> str:
        """The command that repeats this one failure."""
        return f"mocktmc contract --replay {self.id}"


# A test's outcome over its phases: one failed phase makes it failed, a skip in any phase skipped.
_OUTCOME_RANK = {"passed": 0, "skipped": 1, "failed": 2}


class Tally(NamedTuple):
    """A run so far, for a progress display: family -> (checks passed, checks failed, operations covered),
    counted as summary_lines counts them; the failures recorded; where the run is."""
    families: dict[str, tuple[int, int, int]]
    failures: int
    test: str
    operation: str


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
    last_operation: str = ""  # the operation a check or a cover was last recorded on (progress displays)
    # What the run was (set by the kit's conftest): when it started and ended, what was chosen, how pytest ended.
    started: datetime | None = None
    finished: datetime | None = None
    suites: list[str] = field(default_factory=list)
    chosen_families: list[str] = field(default_factory=list)
    exit_status: int | None = None
    # Each test's outcome (passed, skipped, failed), and for the skipped and failed ones why: a test can fail
    # outside the named checks (a target that does not answer, say), and the verdict must not miss it.
    tests: dict[str, str] = field(default_factory=dict)
    test_notes: dict[str, str] = field(default_factory=dict)
    # A report's test -> the pytest item it ran in (they differ for subtests: schemathesis' operations).
    test_items: dict[str, str] = field(default_factory=dict)
    # Family -> seconds each of the target's answers took, as the kit timed them (schemathesis' own timing of
    # its cases; the suites' requests timed around the call): a float a request, for the report's percentiles.
    answers: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
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
            self.last_operation = operation

    def passed(self, family: str, check: str, operation: str | None) -> None:
        with self._lock:
            self.last_operation = operation or self.last_operation
            if operation in contract_operations(family):
                self.covered[family].add(operation)
            self.ok[(family, check)].add(operation or "-")

    def failed(self, family: str, check: str, operation: str | None, message: str, curl: str | None) -> None:
        with self._lock:
            self.last_operation = operation or self.last_operation
            if operation in contract_operations(family):
                self.covered[family].add(operation)
            key = (family, check)
            first = (operation or "-") not in self.bad[key]
            self.bad[key].add(operation or "-")
            # Keep the first failure of each check on each operation: later ones are shrinking replays.
            if first:
                self.failures.append(Failure(family, check, operation, message, curl, self.current_test,
                                             id=f"F{len(self.failures) + 1}"))

    def answered(self, family: str, seconds: float) -> None:
        """The target answered a request of `family` in `seconds`."""
        with self._lock:
            self.answers[family].append(seconds)

    def answer_times(self) -> dict[str, tuple[int, dict[str, float]]]:
        """Family -> (answers timed, {"p50": ms, "p90": ..., "p95": ..., "p99": ..., "max": ...}), families in name
        order; percentiles by nearest rank, so each is a time the kit measured."""
        with self._lock:
            timed = {family: list(seconds) for family, seconds in sorted(self.answers.items()) if seconds}
        return {family: (len(seconds), {**{f"p{q}": percentile(seconds, q) * 1000 for q in ANSWER_PERCENTILES},
                                        "max": max(seconds) * 1000})
                for family, seconds in timed.items()}

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

    def tally(self) -> Tally:
        """The run so far, taken under the lock: a progress display reads it from its own thread while the
        suites record checks."""
        with self._lock:
            families = {}
            for family in self.families():
                rows = self.rows(family)
                failed = sum(1 for _, _, bad in rows if bad)
                families[family] = (len(rows) - failed, failed, len(self.covered.get(family, ())))
            return Tally(families, len(self.failures), self.current_test, self.last_operation)

    def tests_with_failures(self) -> set[str]:
        """The tests (node ids) during which a check failed: their failures are in the summary already."""
        with self._lock:
            return {failure.test for failure in self.failures}
    def test_outcome(self, test: str, outcome: str, note: str = "", item: str = "") -> None:
        """One phase of a test ended (pytest's setup, call or teardown, or a subtest of `item`); `note` says
        why it skipped or failed."""
        with self._lock:
            self.test_items[test] = item or test
            before = self.tests.get(test)
            if before is None or _OUTCOME_RANK.get(outcome, 0) > _OUTCOME_RANK.get(before, 0):
                self.tests[test] = outcome
                if note:
                    self.test_notes[test] = note

    # --- rendering ------------------------------------------------------------------------------
    def item_outcomes(self) -> tuple[dict[str, str], int]:
        """(pytest item -> its outcome, failed subtests): tests counted as the console counts them, a schemathesis
        test once however many of its operations (subtests) failed."""
        items: dict[str, str] = {}
        failed_subtests = 0
        for test, outcome in self.tests.items():
            item = self.test_items.get(test, test)
            if item != test and outcome == "failed":
                failed_subtests += 1
            if item not in items or _OUTCOME_RANK.get(outcome, 0) > _OUTCOME_RANK.get(items[item], 0):
                items[item] = outcome
        return items, failed_subtests

    def failed_outside_checks(self) -> list[str]:
        """Tests that failed with no named check failing in them: an error in the kit or the target's setup."""
        named = {failure.test for failure in self.failures}
        return [test for test, outcome in self.tests.items()
                if outcome == "failed" and self.test_items.get(test, test) not in named]

    def verdict(self) -> str:
        """PASSED when no check failed, no test failed and pytest ended well: what the command's exit says."""
        bad = self.failures or self.failed_outside_checks() or self.exit_status not in (None, 0)
        return "FAILED" if bad else "PASSED"

    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return (self.finished - self.started).total_seconds()

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
                lines.append(f"    [{failure.check}] {failure.id} ({failure.family}{where}) {first}")
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

    def all_families(self) -> list[str]:
        """Every family the report speaks of: those checked, and those whose operations were all left out."""
        return sorted(set(self.families()) | {family for family, _ in self.left_out})

    def failure_groups(self) -> dict[str, dict[tuple[str, str], list[Failure]]]:
        """Failures by check, then by (family, operation), both in the order they were first recorded."""
        groups: dict[str, dict[tuple[str, str], list[Failure]]] = {}
        for failure in self.failures:
            groups.setdefault(failure.check, {}).setdefault((failure.family, failure.operation or "-"), [])
            groups[failure.check][(failure.family, failure.operation or "-")].append(failure)
        return groups

    def html(self) -> str:
        """A page that stands alone (inline style, no script, nothing fetched): verdict and totals first,
        then the checks per family, then every failure, folded, with the commands that repeat it."""
        verdict = self.verdict()
        groups = self.failure_groups()
        rows = {family: self.rows(family) for family in self.all_families()}
        checks_failed = sum(1 for family_rows in rows.values() for _, _, bad in family_rows if bad)
        checks_passed = sum(len(family_rows) for family_rows in rows.values()) - checks_failed
        covered = sum(len(self.covered.get(family, ())) for family in rows)
        published = sum(len(contract_operations(family)) for family in rows)
        outside = self.failed_outside_checks()
        items, failed_subtests = self.item_outcomes()
        outcomes = Counter(items.values())
        tests = ", ".join(f"{outcomes[name]} {name}" for name in _OUTCOME_RANK)
        if failed_subtests:
            tests += f" ({failed_subtests} failed subtest{'' if failed_subtests == 1 else 's'}: operations of a schema)"
        parts = [_PAGE_HEAD, "<h1>mocktmc contract kit</h1>",
                 f"<p id='verdict' class='verdict {verdict.lower()}'>{verdict}</p>"]
        reasons = []
        if self.failures:
            reasons.append(f"{len(self.failures)} failure(s) of {checks_failed} named check(s)")
        if outside:
            reasons.append(f"{len(outside)} test(s) failed outside the named checks")
        if self.exit_status not in (None, 0):
            reasons.append(f"pytest ended with exit status {self.exit_status}")
        if reasons:
            parts.append(f"<p class='why'>{_esc('; '.join(reasons))}</p>")
        duration = self.duration()
        totals = [
            ("operations covered", "total-covered", f"{covered} of {published} in the contracts"),
            ("checks passed", "total-checks-passed", str(checks_passed)),
            ("checks failed", "total-checks-failed", str(checks_failed)),
            ("failures", "total-failures", str(len(self.failures))),
            ("tests", "total-tests", tests),
            ("duration", "duration", "unknown" if duration is None else _seconds(duration)),
            ("started (UTC)", "started", _when(self.started)),
            ("finished (UTC)", "finished", _when(self.finished)),
            ("mocktmc", "version", mocktmc_version()),
            ("target", "target", self.target or "?"),
            ("seed", "seed", str(self.seed)),
            ("families", "families", ", ".join(self.chosen_families) or ", ".join(rows) or "-"),
            ("suites", "suites", ", ".join(self.suites) or "-"),
        ]
        parts.append("<table id='totals' class='totals'>")
        parts += [f"<tr><th>{_esc(label)}</th><td id='{key}'>{_esc(value)}</td></tr>" for label, key, value in totals]
        parts.append("</table>")
        if groups:
            # The summary's way into the failures: each check's group, and each failure by its id.
            parts.append("<h2>What failed</h2><ul id='failure-index'>")
            for check, by_operation in groups.items():
                links = " ".join(f"<a href='#{failure.id}'>{failure.id}</a>"
                                 for failures in by_operation.values() for failure in failures)
                count = sum(map(len, by_operation.values()))
                parts.append(f"<li><a href='#{_check_anchor(check)}'>{_esc(check)}</a>: {count} failure(s) on "
                             f"{len(by_operation)} operation(s) &mdash; {links}</li>")
            parts.append("</ul>")
        parts.append("<h2>Coverage</h2><table id='coverage'><tr><th>family</th><th>operations covered</th>"
                     "<th>in the contract</th><th>checks passed</th><th>checks failed</th><th>left out</th></tr>")
        for family, family_rows in rows.items():
            bad = sum(1 for _, _, failed in family_rows if failed)
            left = sum(len(ops) for (where, _), ops in self.left_out.items() if where == family)
            parts.append(f"<tr{_FAIL_ROW if bad else ''}><td><a href='#family-{_slug(family)}'>{_esc(family)}</a></td>"
                         f"<td class='n'>{len(self.covered.get(family, ()))}</td>"
                         f"<td class='n'>{len(contract_operations(family))}</td><td class='n'>{len(family_rows) - bad}"
                         f"</td><td class='n'>{bad}</td><td class='n'>{left}</td></tr>")
        parts.append(f"<tr class='all'><td>all</td><td class='n'>{covered}</td><td class='n'>{published}</td>"
                     f"<td class='n'>{checks_passed}</td><td class='n'>{checks_failed}</td><td></td></tr></table>")
        parts.append(self._charts(rows))
        parts.append("<h2>Checks</h2>")
        for family, family_rows in rows.items():
            parts.append(f"<h3 id='family-{_slug(family)}'>{_esc(family)}</h3>")
            if not family_rows:
                parts.append("<p>No check ran.</p>")
                continue
            parts.append("<table class='checks'><tr><th>check</th><th>passed on (operations)</th>"
                         "<th>failed on</th></tr>")
            for name, good, bad in family_rows:
                shown = f"<a href='#{_check_anchor(name)}'>{_esc(name)}</a>" if bad else _esc(name)
                parts.append(f"<tr{_FAIL_ROW if bad else ''}><td>{shown}</td><td class='n'>{good}</td>"
                             f"<td class='n'>{bad}</td></tr>")
            parts.append("</table>")
        parts.append(f"<h2 id='failures'>Failures ({len(self.failures)})</h2>")
        if not self.failures:
            parts.append("<p>No check failed.</p>")
        for check, by_operation in groups.items():
            count = sum(map(len, by_operation.values()))
            parts.append(f"<section class='check-group' id='{_check_anchor(check)}'><h3 class='fail'>{_esc(check)}"
                         f" &mdash; {count} failure(s) on {len(by_operation)} operation(s)</h3>")
            for (family, operation), failures in by_operation.items():
                parts.append(self._failure_group(family, operation, failures))
            parts.append("</section>")
        if outside:
            parts.append("<h2 id='outside'>Tests that failed outside the named checks</h2>")
            parts += [f"<details class='test-failure'><summary>{_esc(test)}</summary>"
                      f"<pre>{_esc(self.test_notes.get(test, ''))}</pre></details>" for test in outside]
        if self.quirks:
            parts.append("<h2 id='quirks'>Quirks</h2><table><tr><th>quirk</th><th>the target behaves</th>"
                         "<th>seen</th></tr>")
            parts += [f"<tr><td>{_esc(name)}</td><td>{_esc(behaves)}</td><td>{_esc(seen)}</td></tr>"
                      for name, (behaves, seen) in self.quirks.items()]
            parts.append("</table>")
        if self.exemptions or self.left_out:
            parts.append("<h2 id='exemptions'>Exemptions</h2><ul>")
            parts += [f"<li><b>{_esc(what)}</b>: {_esc(why)}</li>" for what, why in self.exemptions]
            parts += [f"<li><b>{_esc(family)}</b>: {len(ops)} operation(s) not checked: {_esc(why)}"
                      f"<details><summary>which</summary><small>{_esc(', '.join(sorted(ops)))}</small></details></li>"
                      for (family, why), ops in sorted(self.left_out.items())]
            parts.append("</ul>")
        skipped = [test for test, outcome in self.tests.items() if outcome == "skipped"]
        if skipped:
            parts.append(f"<h2 id='skipped'>Skipped tests ({len(skipped)})</h2><details><summary>which, and why"
                         "</summary><ul>")
            parts += [f"<li>{_esc(test)}: {_esc(self.test_notes.get(test, ''))}</li>" for test in skipped]
            parts.append("</ul></details>")
        parts.append(f"<p class='foot'>Repeat the run: <code>mocktmc contract ... --seed {self.seed}</code> "
                     f"(pytest: <code>--tmc-seed {self.seed}</code>)</p>")
        return "\n".join(parts) + "\n"

    def _charts(self, rows: dict[str, list[tuple[str, int, int]]]) -> str:
        """The coverage table's checks as stacked bars per family, and how fast the target answered, per family
        (percentiles of the answers the kit timed, with their count in a table beside)."""
        families = list(rows)
        failed = [sum(1 for _, _, bad in family_rows if bad) for family_rows in rows.values()]
        passed = [len(family_rows) - bad for family_rows, bad in zip(rows.values(), failed)]
        parts = ["<div class='charts'>", "<figure>" + bar_chart(
            families, [("passed", passed), ("failed", failed)], title="Checks per family", y_label="checks",
            stacked=True, colours=(PASSED, FAILED), width=max(360, 110 * len(families) + 100),
            chart_id="chart-checks") + "<figcaption>Checks passed and failed, per family (as in the table above)."
            "</figcaption></figure>"]
        times = self.answer_times()
        if times:
            names = [f"p{q}" for q in ANSWER_PERCENTILES]
            parts.append("<figure>" + bar_chart(
                list(times), [(name, [figures[name] for _, figures in times.values()]) for name in names],
                title="How fast the target answered", y_label="ms", width=max(420, 150 * len(times) + 100),
                chart_id="chart-answer-times") + "<figcaption>Percentiles of the time each of the target's answers "
                "took, per family, as the kit timed them (from sending the request to reading the answer).</figcaption>"
                "</figure>")
            parts.append("<table id='answer-times'><tr><th>family</th><th>answers timed</th>" + "".join(
                f"<th>{name} (ms)</th>" for name in [*names, "max"]) + "</tr>")
            parts += [f"<tr><td>{_esc(family)}</td><td class='n'>{count}</td>" + "".join(
                f"<td class='n'>{number(figures[name])}</td>" for name in [*names, "max"]) + "</tr>"
                for family, (count, figures) in times.items()]
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)

    @staticmethod
    def _failure_group(family: str, operation: str, failures: list[Failure]) -> str:
        """One check's failures on one operation, folded: its summary line says enough to choose what to open."""
        first = failures[0]
        headline = next((line for line in first.message.splitlines() if line.strip()), "")
        if len(headline) > 160:
            headline = headline[:160] + "..."
        parts = [f"<details class='failure-group' data-check='{_esc(first.check)}'>"
                 f"<summary><span class='fid'>{first.id}</span> {_esc(operation)} <span class='family'>"
                 f"({_esc(family)})</span> &mdash; {len(failures)} failure(s) &mdash; {_esc(headline)}</summary>"]
        for index, failure in enumerate(failures):
            # The anchor sits inside the fold, so that following a link to it opens the fold (browsers reveal
            # a closed <details> around the fragment they scroll to).
            parts.append(f"<div class='failure' id='{failure.id}'><p><b>{failure.id}</b> "
                         f"<a class='self' href='#{failure.id}'>link</a> &middot; test <code>{_esc(failure.test)}"
                         "</code></p>")
            if index == 0:
                parts.append(f"<pre class='message'>{_esc(failure.message)}</pre>")
            parts.append("<p>Repeat the request:</p>" + (f"<pre class='curl'>{_esc(failure.curl)}</pre>"
                                                         if failure.curl else "<p><i>no request to repeat</i></p>"))
            parts.append(f"<p>Replay the failure:</p><pre class='replay'>{_esc(failure.replay)}</pre></div>")
        parts.append("</details>")
        return "".join(parts)

    def junit(self) -> str:
        """JUnit XML: a test case per (operation, check) the run saw, one test suite per family, and a suite
        for the tests that failed outside the checks or were skipped, so that CI counts what the kit counts."""
        duration = self.duration()
        root = ET.Element("testsuites", name="mocktmc contract kit")
        suites = []
        for family in self.all_families():
            suite = ET.Element("testsuite", name=f"mocktmc contract kit: {family}")
            first = {(failure.check, failure.operation or "-"): failure
                     for failure in reversed(self.failures) if failure.family == family}
            for check in sorted({c for f, c in self.ok if f == family} | {c for f, c in self.bad if f == family}):
                bad = self.bad.get((family, check), set())
                for operation in sorted(self.ok.get((family, check), set()) | bad):
                    case = ET.SubElement(suite, "testcase", classname=f"{family}.{check}", name=operation)
                    if operation in bad:
                        failure = first.get((check, operation))
                        text = _failure_text(failure) if failure else f"{check} failed on {operation}"
                        ET.SubElement(case, "failure", message=_xml_text(_headline(failure, check)),
                                      type=check).text = _xml_text(text)
            for (where, why), operations in sorted(self.left_out.items()):
                if where == family:
                    for operation in sorted(operations):
                        case = ET.SubElement(suite, "testcase", classname=f"{family}.left_out", name=operation)
                        ET.SubElement(case, "skipped", message=_xml_text(why))
            suites.append(suite)
        outside = self.failed_outside_checks()
        skipped = [test for test, outcome in self.tests.items() if outcome == "skipped"]
        if outside or skipped:
            suite = ET.Element("testsuite", name="mocktmc contract kit: tests")
            for test in outside + skipped:
                module, _, name = test.rpartition("::")
                case = ET.SubElement(suite, "testcase", classname=module.replace("/", ".") or test, name=name)
                note = _xml_text(self.test_notes.get(test, ""))
                if test in outside:
                    ET.SubElement(case, "error", message=note.splitlines()[-1] if note else "failed").text = note
                else:
                    ET.SubElement(case, "skipped", message=note)
            suites.append(suite)
        totals: Counter[str] = Counter()
        for suite in suites:
            counts = {"tests": len(suite), "failures": len(suite.findall("testcase/failure")),
                      "errors": len(suite.findall("testcase/error")), "skipped": len(suite.findall("testcase/skipped"))}
            for key, value in counts.items():
                suite.set(key, str(value))
            totals.update(counts)
            if self.started is not None:
                suite.set("timestamp", self.started.isoformat(timespec="seconds"))
            root.append(suite)
        for key in ("tests", "failures", "errors", "skipped"):
            root.set(key, str(totals[key]))
        # The families run interleaved in one session: only the whole run has a duration.
        root.set("time", f"{duration or 0:.3f}")
        ET.indent(root)
        return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode") + "\n"


def mocktmc_version() -> str:
    try:
        return metadata.version("mocktmc")
    except metadata.PackageNotFoundError:
        return "unknown"


_PAGE_HEAD = """<!doctype html>
<html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>
<title>mocktmc contract kit</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;max-width:1150px;padding:0 1em;
color:#1f2328;line-height:1.4}
h1{margin-bottom:.3em}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
.verdict{display:inline-block;font-size:2em;font-weight:700;letter-spacing:.05em;padding:.15em .7em;
border-radius:8px;color:#fff;margin:.2em 0}
.verdict.passed{background:#1a7f37}
.verdict.failed{background:#cf222e}
.why{color:#cf222e;font-weight:600}
table{border-collapse:collapse;margin:.5em 0}
td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #e5e7eb;vertical-align:top}
table.totals th{color:#57606a;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td,tr.fail a,.fail{color:#cf222e}
tr.all td{font-weight:700}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;white-space:pre-wrap;
word-break:break-all;margin:.3em 0}
details{border:1px solid #d0d7de;border-radius:6px;padding:.3em .7em;margin:.4em 0;background:#fff}
details[open]{background:#fcfcfd}
summary{cursor:pointer}
.fid{font-weight:700;color:#cf222e}
.family{color:#57606a}
.failure{border-top:1px dashed #d0d7de;margin-top:.5em}
:target{outline:3px solid #d4a72c;outline-offset:4px}
.foot{color:#57606a;margin-top:2em}
.charts figure{display:inline-block;vertical-align:top;margin:.6em 1.2em .6em 0}
.charts svg{max-width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px}
figcaption{color:#57606a;font-size:.9em;max-width:520px}
</style></head><body>"""
_FAIL_ROW = " class='fail'"
# Characters XML 1.0 cannot carry (and that mean nothing on a page): fuzzed data brings them into messages.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _visible(text: str) -> str:
    return _UNPRINTABLE.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def _esc(text: str) -> str:
    return html.escape(_visible(text), quote=True)


def _xml_text(text: str) -> str:
    return _visible(text)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _check_anchor(check: str) -> str:
    return f"check-{_slug(check)}"


def _headline(failure: Failure | None, check: str) -> str:
    lines = [line for line in (failure.message if failure else "").splitlines() if line.strip()]
    return lines[0][:300] if lines else f"{check} failed"


def _failure_text(failure: Failure) -> str:
    lines = [failure.message, "", f"test: {failure.test}"]
    if failure.curl:
        lines.append(f"repeat it: {failure.curl}")
    lines.append(f"replay: {failure.replay}")
    return "\n".join(lines)


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "unknown"


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
