"""Triggers, pause and scheduled runs, on any target: a Hypothesis state machine gives a task of its own (made in the
sandbox workspace) triggers, through its run configuration or a schedule linked to it, pauses and resumes it, and
lets time pass over the occurrences. It expands the triggers itself (UTC only, TMC-API-NOTES 6.4) and checks:

- events_match_triggers: the task's scheduled events (GET .../run-config/events) and the environment's events search
  (POST /orchestration/executables/events/search) list exactly the occurrences of the trigger in the window asked;
- scheduled_runs_start: every occurrence that passed while the task was not paused started one SCHEDULED run (the
  task allows parallel runs, so none misfires for a run still going), and no scheduled run started anywhere else;
- pause_suppresses_runs: no run starts at an occurrence that passed while the task was paused, and a paused task
  refuses a manual run (405).

Time passes at once on a mock (its clock moves); on a real target the triggers lie a few minutes ahead, the machine
waits for them for real (a couple of times per example at most), and an occurrence within a few minutes of a change
counts either way ("changes made within 3 minutes of a scheduled run impact that run").
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from weakref import WeakKeyDictionary

import pytest
import requests
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mocktmc.kit.checks import describe
from mocktmc.kit.sandbox import sandbox
from mocktmc.kit.target import Target, current_target

pytestmark = [pytest.mark.suite("schedules"), pytest.mark.families("orchestration", "processing"), pytest.mark.writes]

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
TASKS = "/orchestration/executables/tasks"
RUN_CONFIG = "PUT /orchestration/executables/tasks/{taskId}/run-config"
EVENTS = "GET /orchestration/executables/tasks/{taskId}/run-config/events"
SEARCH = "POST /orchestration/executables/events/search"
HISTORY = "GET /processing/executables/tasks/{taskId}/executions"
PAUSE = "PUT /orchestration/executables/tasks/{taskId}/pause"
LINK = "PUT /orchestration/executables/tasks/{taskId}/schedule"
EXECUTE = "POST /processing/executions"

HORIZON = timedelta(days=2)  # how far ahead the events are compared
AFTER_OCCURRENCE = timedelta(seconds=30)  # where the machine lands past an occurrence (never on one)
# A real target: an occurrence this close to a change may go either way (TMC applies changes made within 3 minutes of
# a run to that run; the kit's clock and TMC's differ a little), a run shows within the poll deadline, and its trigger
# time may lag the occurrence a little. A mock's clock stands still between requests: none of that applies.
REAL_GRACE = timedelta(minutes=4)
REAL_TOLERANCE = timedelta(minutes=2)
REAL_WAIT = timedelta(minutes=8)  # on a real target, the farthest ahead an occurrence the machine waits for
REAL_WAITS = 2  # per example


def ms(moment: datetime) -> int:
    return (moment - EPOCH) // MS


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the machine's own expansion of the triggers it sets (UTC; ONCE and DAILY every day) ------------------------------
def _clock(text: str) -> int:
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def times_of_day(at_times: dict) -> list[time]:
    kind = at_times["type"]
    if kind == "AT_TIME":
        minutes = [_clock(at_times["time"])]
    elif kind == "AT_SPECIFIC_TIMES":
        minutes = sorted({_clock(text) for text in at_times["times"]})
    else:  # AT_INTERVALS: from startTime to endTime (both included), every `interval` minutes
        minutes = list(range(_clock(at_times["startTime"]), _clock(at_times["endTime"]) + 1, at_times["interval"]))
    return [time(minute // 60, minute % 60) for minute in minutes]


def occurrences(trigger: dict | None, after: datetime, until: datetime) -> list[datetime]:
    """The instants in (after, until] a trigger fires at, in order."""
    if trigger is None or after >= until:
        return []
    first = date.fromisoformat(trigger["startDate"])
    if trigger["type"] == "ONCE":
        days = [first]
    else:  # DAILY, interval 1
        day, days = max(first, after.date()), []
        while day <= until.date():
            days.append(day)
            day += timedelta(days=1)
    found = (datetime.combine(day, moment, UTC) for day in days for moment in times_of_day(trigger["atTimes"]))
    return sorted(instant for instant in found if after < instant <= until)


def test_the_expansion_on_cases_worked_out_by_hand() -> None:
    """The machine's expansion itself (no target): what it compares the targets with must be right."""
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    once = {"type": "ONCE", "startDate": "2024-03-02", "timeZone": "UTC",
            "atTimes": {"type": "AT_TIME", "time": "23:00"}}
    assert occurrences(once, at("2024-03-01T00:00"), at("2024-04-01T00:00")) == [at("2024-03-02T23:00")]
    assert occurrences(once, at("2024-03-02T23:00"), at("2024-04-01T00:00")) == []
    daily = {"type": "DAILY", "interval": 1, "startDate": "2024-03-02", "timeZone": "UTC",
             "atTimes": {"type": "AT_SPECIFIC_TIMES", "times": ["18:30", "06:05"]}}
    assert occurrences(daily, at("2024-03-01T00:00"), at("2024-03-03T12:00")) == [
        at("2024-03-02T06:05"), at("2024-03-02T18:30"), at("2024-03-03T06:05")]
    hourly = {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
              "atTimes": {"type": "AT_INTERVALS", "startTime": "00:10", "endTime": "23:10", "interval": 60}}
    assert occurrences(hourly, at("2024-03-01T22:30"), at("2024-03-02T02:10")) == [
        at("2024-03-01T23:10"), at("2024-03-02T00:10"), at("2024-03-02T01:10"), at("2024-03-02T02:10")]


# --- the triggers the machine sets, relative to the target's now ------------------------------------------------------
KINDS = ("once", "daily", "daily_times", "hourly")
kinds = st.sampled_from(KINDS)
minutes_ahead = st.sampled_from([2, 7, 45, 300, 1000])
second_time = st.sampled_from([67, 300, 725])  # minutes after the first, for a second time of day


def build_trigger(kind: str, first: datetime, second: int) -> dict:
    """A UTC trigger whose next occurrence is `first` (a whole minute)."""
    if kind == "once":
        return {"type": "ONCE", "startDate": first.date().isoformat(), "timeZone": "UTC",
                "atTimes": {"type": "AT_TIME", "time": first.strftime("%H:%M")}}
    daily = {"type": "DAILY", "interval": 1, "startDate": first.date().isoformat(), "timeZone": "UTC"}
    if kind == "daily":
        return {**daily, "atTimes": {"type": "AT_TIME", "time": first.strftime("%H:%M")}}
    if kind == "daily_times":
        return {**daily, "atTimes": {"type": "AT_SPECIFIC_TIMES", "times": sorted(
            {first.strftime("%H:%M"), (first + timedelta(minutes=second)).strftime("%H:%M")})}}
    # Hourly: every hour of the day at the first's minute.
    minute = first.strftime("%M")
    return {**daily, "atTimes": {"type": "AT_INTERVALS", "startTime": f"00:{minute}", "endTime": f"23:{minute}",
                                 "interval": 60}}


_FROZEN: WeakKeyDictionary[Target, bool] = WeakKeyDictionary()  # per target, held weakly (ids are reused)


def clock_stands_still(target: Target) -> bool:
    """Whether the target's clock only moves when the kit moves it (a frozen mocktmc clock): then the machine need
    not ask the time after every request, only after it moved the clock."""
    if target not in _FROZEN:
        _FROZEN[target] = target.control is not None and target.control.clock.get().get("frozen") is True
    return _FROZEN[target]


@dataclass
class Segment:
    """A stretch of time over which the task's trigger and pause stayed the same; `end` None: still going."""
    start: datetime
    end: datetime | None
    trigger: dict | None
    paused: bool


# --- the machine ------------------------------------------------------------------------------------------------------
class ScheduleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.target = current_target()
        self.box = sandbox(self.target)
        real = not self.target.moves_time
        self.grace = REAL_GRACE if real else timedelta(0)
        self.tolerance = REAL_TOLERANCE if real else timedelta(seconds=1)
        self.lag = timedelta(seconds=self.target.options.poll_deadline) if real else timedelta(0)
        self.waits = 0
        self.still = clock_stands_still(self.target)
        self.clock: datetime | None = None  # the target's time, while it stands still
        self.dirty = True  # whether the trigger, the pause or the time changed since the last comparison
        # A task of its own per example, tagged with its name so that the events search finds it alone.
        self.name = self.target.name("schedule")
        made = self.target.post(TASKS, json={
            "environmentId": self.box.environment, "workspaceId": self.box.workspace, "name": self.name,
            "description": "made by the mocktmc contract kit (schedule machine)", "tags": [self.name],
            "artifact": self.box.artifact})
        self.target.check("kit_setup", made.status_code == 201 and made.json().get("id"),
                          f"creating a task in the sandbox: {describe(made)}", response=made,
                          operation=f"POST {TASKS}")
        self.task = made.json()["id"]
        self.target.created(f"{TASKS}/{self.task}")
        config = self.target.get(f"{TASKS}/{self.task}/run-config")
        runtime = (config.json().get("runtime") if config.status_code == 200 else None) or {"type": "CLOUD"}
        # The runtime as a request takes it (engineId and clusterId are read-only).
        self.runtime = {key: runtime[key] for key in ("type", "id", "runProfileId") if runtime.get(key)}
        self.trigger: dict | None = None
        self.schedule: str | None = None  # the schedule linked to the task, if any
        self.paused = False
        self.segments = [Segment(self.now(), None, None, False)]

    # --- the model ----------------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        if not self.still:
            return self.target.now()
        if self.clock is None:
            self.clock = self.target.now()
        return self.clock

    def move(self, seconds: float) -> None:
        """Let time pass (at once on a mock, for real on a real target)."""
        self.target.pass_time(seconds)
        self.clock, self.dirty = None, True

    def changed(self, *, trigger: Any = ..., paused: Any = ...) -> None:
        """The target took a change now: a new stretch of time begins."""
        at = self.now()
        self.dirty = True
        self.segments[-1].end = at
        if trigger is not ...:
            self.trigger = trigger
        if paused is not ...:
            self.paused = paused
        self.segments.append(Segment(at, None, self.trigger, self.paused))

    def classified(self, until: datetime) -> list[tuple[datetime, str]]:
        """Every occurrence up to `until`: "run" (passed unpaused), "paused", or "either" (too close to a change)."""
        found = []
        for index, segment in enumerate(self.segments):
            end = segment.end or until
            for instant in occurrences(segment.trigger, segment.start, min(end, until)):
                near = (index > 0 and instant - segment.start < self.grace) or \
                    (segment.end is not None and segment.end - instant < self.grace)
                found.append((instant, "either" if near else "paused" if segment.paused else "run"))
        return found

    def expect(self, name: str, answer: requests.Response, statuses: tuple[int, ...], operation: str,
               why: str) -> None:
        self.target.check(name, answer.status_code in statuses,
                          f"{why}: expected {' or '.join(map(str, statuses))}, got {describe(answer)}",
                          response=answer, operation=operation)

    # --- triggers -----------------------------------------------------------------------------------------------------
    def first_at(self, ahead: int) -> datetime:
        """The whole minute `ahead` + 1 minutes from now; on a real target 5 to 7 minutes (past TMC's 3-minute
        window)."""
        if not self.target.moves_time:
            ahead = 4 + ahead % 3
        return self.now().replace(second=0, microsecond=0) + timedelta(minutes=ahead + 1)

    def drop_link(self) -> None:
        """Unlink the task's schedule and delete it (only orphan schedules can be deleted)."""
        if self.schedule is None:
            return
        unlinked = self.target.delete(f"{TASKS}/{self.task}/schedule")
        self.expect("schedule_config", unlinked, (204,), LINK.replace("PUT", "DELETE"), "unlinking the schedule")
        self.target.forget(f"{TASKS}/{self.task}/schedule")
        self.changed(trigger=None)
        gone = self.target.delete(f"/orchestration/schedules/{self.schedule}")
        self.expect("schedule_config", gone, (204,), "DELETE /orchestration/schedules/{scheduleId}",
                    "deleting the schedule once unlinked")
        self.target.forget(f"/orchestration/schedules/{self.schedule}")
        self.schedule = None

    def own_trigger(self, trigger: dict) -> None:
        self.drop_link()
        path = f"{TASKS}/{self.task}/run-config"
        answer = self.target.put(path, json={"trigger": trigger, "runtime": self.runtime,
                                             "parallelExecutionAllowed": True})
        self.expect("schedule_config", answer, (200,), RUN_CONFIG, "setting the task's trigger")
        self.changed(trigger=trigger)
        shown = self.target.get(path)
        got = (shown.json().get("trigger") or {}) if shown.status_code == 200 else {}
        keys = ("type", "startDate", "timeZone", "atTimes")
        self.target.check("schedule_config", {k: got.get(k) for k in keys} == {k: trigger.get(k) for k in keys},
                          f"the run-config must show the trigger set: {trigger}, got {describe(shown)}",
                          response=shown, operation="GET /orchestration/executables/tasks/{taskId}/run-config")

    @initialize(kind=kinds, ahead=minutes_ahead, second=second_time)
    def first_trigger(self, kind: str, ahead: int, second: int) -> None:
        """A trigger to start with; where time moves at once, then the documented maintenance window too, so that a
        scheduler ignoring pause shows at the first step of every example (and a failing example stays short)."""
        self.own_trigger(build_trigger(kind, self.first_at(ahead), second))
        if self.target.moves_time:
            self.maintenance_window()

    @rule(kind=kinds, ahead=minutes_ahead, second=second_time)
    def set_trigger(self, kind: str, ahead: int, second: int) -> None:
        self.own_trigger(build_trigger(kind, self.first_at(ahead), second))

    # Not hourly: a schedule is checked for the 5-minute spacing rule five years ahead, which an hourly one makes slow
    # to create on the in-process mock; hourly triggers come through the run configuration.
    @rule(kind=st.sampled_from(KINDS[:3]), ahead=minutes_ahead, second=second_time)
    def link_schedule(self, kind: str, ahead: int, second: int) -> None:
        """A schedule of one trigger, linked to the task in place of what it had."""
        trigger = build_trigger(kind, self.first_at(ahead), second)
        self.drop_link()
        if self.trigger is not None:
            cleared = self.target.delete(f"{TASKS}/{self.task}/run-config")
            self.expect("schedule_config", cleared, (204,), RUN_CONFIG.replace("PUT", "DELETE"),
                        "removing the task's own trigger before linking a schedule")
            self.changed(trigger=None)
        made = self.target.post("/orchestration/schedules", json={
            "environmentId": self.box.environment, "description": self.name, "trigger": {"name": "kit", **trigger}})
        self.expect("schedule_config", made, (201,), "POST /orchestration/schedules", "creating a schedule")
        schedule = made.json()["id"]
        self.target.created(f"/orchestration/schedules/{schedule}")
        linked = self.target.put(f"{TASKS}/{self.task}/schedule", json={"scheduleId": schedule})
        self.expect("schedule_config", linked, (200,), LINK, "linking the schedule to the task")
        self.target.created(f"{TASKS}/{self.task}/schedule")  # the session's clean-up unlinks before deleting
        self.schedule = schedule
        self.changed(trigger=trigger)

    @precondition(lambda self: self.trigger is not None)
    @rule()
    def clear_trigger(self) -> None:
        if self.schedule is not None:
            self.drop_link()
            return
        answer = self.target.delete(f"{TASKS}/{self.task}/run-config")
        self.expect("schedule_config", answer, (204,), RUN_CONFIG.replace("PUT", "DELETE"),
                    "removing the task's trigger")
        self.changed(trigger=None)

    # --- pause --------------------------------------------------------------------------------------------------------
    @rule(pause=st.booleans())
    def set_pause(self, pause: bool) -> None:
        answer = self.target.put(f"{TASKS}/{self.task}/pause",
                                 json={"pause": pause, "pauseContext": "mocktmc contract kit"})
        # 202: the change is made in the background; 204: nothing changed.
        self.expect("schedule_config", answer, (202,) if pause != self.paused else (204,), PAUSE,
                    ("pausing" if pause else "resuming") + (" (no change)" if pause == self.paused else ""))
        if pause != self.paused:
            self.changed(paused=pause)
        shown = self.target.get(f"{TASKS}/{self.task}")
        details = (shown.json().get("taskPauseDetails") or {}) if shown.status_code == 200 else {}
        self.target.check("schedule_config", shown.status_code == 200 and bool(details.get("pause")) == pause,
                          f"the task must show pause {pause}: {describe(shown)}", response=shown,
                          operation="GET /orchestration/executables/tasks/{taskId}")

    @precondition(lambda self: self.paused)
    @rule()
    def execute_while_paused(self) -> None:
        # A run started anyway is stopped at the end of the example, with the task's other runs.
        answer = self.target.post("/processing/executions", json={"executable": self.task})
        # 405 "Current Task is paused, it can't be executed".
        self.expect("pause_suppresses_runs", answer, (405,), EXECUTE, "running a paused task by hand")

    # --- time ---------------------------------------------------------------------------------------------------------
    def next_occurrences(self) -> list[datetime]:
        now = self.now()
        return occurrences(self.trigger, now, now + HORIZON)

    def can_wait(self) -> bool:
        """A mock always can; a real target when an occurrence comes soon, a couple of times per example."""
        if self.target.moves_time:
            return True
        upcoming = self.next_occurrences()
        return self.waits < REAL_WAITS and bool(upcoming) and upcoming[0] - self.now() <= REAL_WAIT

    def pass_occurrence(self, pick: int = 0) -> None:
        """Move (or wait) just past the `pick`-th next occurrence; an hour when there is none."""
        upcoming = self.next_occurrences()
        if not self.target.moves_time:
            pick, self.waits = 0, self.waits + 1
        if not upcoming:
            self.move(3600 if self.target.moves_time else 5)
            return
        # Past the grace too, so that a change the machine makes next leaves the occurrence where it fell.
        landing = upcoming[min(pick, len(upcoming) - 1)] + AFTER_OCCURRENCE + self.grace
        self.move((landing - self.now()).total_seconds())

    @rule(seconds=st.sampled_from([45, 600, 3600, 6 * 3600, 86400 + 1800]))
    def let_time_pass(self, seconds: int) -> None:
        self.move(seconds if self.target.moves_time else 5)

    @precondition(lambda self: self.can_wait())
    @rule(pick=st.integers(0, 2))
    def pass_next_occurrence(self, pick: int) -> None:
        self.pass_occurrence(pick)

    @precondition(lambda self: self.trigger is not None and self.can_wait())
    @rule()
    def maintenance_window(self) -> None:
        """The documented workflow: pause, let the next occurrence pass, resume."""
        self.set_pause(True)
        self.pass_occurrence()
        self.set_pause(False)

    # --- what the target shows agrees with the model ------------------------------------------------------------------
    def check_events(self) -> None:
        now = self.now()
        start, end = now + MS, now + HORIZON
        expected = occurrences(self.trigger, now, end)
        listed = self.target.get(f"{TASKS}/{self.task}/run-config/events",
                                 params={"from": ms(start), "to": ms(end), "limit": 100})
        body = listed.json() if listed.status_code == 200 else {}
        got = [parse_time(item) for item in body.get("items", [])]
        self.target.check("events_match_triggers", listed.status_code == 200 and
                          (got, body.get("total")) == (expected, len(expected)),
                          f"the task's events in [{start}, {end}] must be the trigger's {len(expected)} occurrences "
                          f"{[str(t) for t in expected[:5]]}...; got {describe(listed)}", response=listed,
                          operation=EVENTS)
        searched = self.target.post("/orchestration/executables/events/search", json={
            "environmentId": self.box.environment, "workspaceIds": [self.box.workspace], "tags": [self.name],
            "from": ms(start), "to": ms(end), "limit": 100})
        body = searched.json() if searched.status_code == 200 else {}
        got_search = [(item.get("id"), parse_time(item["date"])) for item in body.get("items", [])]
        self.target.check("events_match_triggers", searched.status_code == 200 and
                          (got_search, body.get("total")) == ([(self.task, t) for t in expected], len(expected)),
                          f"the events search for the task's tag must list its {len(expected)} occurrences "
                          f"{[str(t) for t in expected[:5]]}...; got {describe(searched)}", response=searched,
                          operation=SEARCH)

    def history(self) -> tuple[list[dict], requests.Response]:
        runs, offset = [], 0
        while True:
            answer = self.target.get(f"/processing/executables/tasks/{self.task}/executions",
                                     params={"limit": 100, "offset": offset})
            page = answer.json() if answer.status_code == 200 else {}
            if not isinstance(page.get("total"), int):  # only a failure is recorded: reading is not the check
                self.target.check("scheduled_runs_start", False, f"reading the task's runs: {describe(answer)}",
                                  response=answer, operation=HISTORY)
            runs += page.get("items", [])
            offset += 100
            if offset >= page.get("total", 0):
                return runs, answer

    def check_runs(self, due: datetime | None = None, settled_by: datetime | None = None) -> bool:
        """The task's scheduled runs against the occurrences so far; the occurrences up to `due` must have started
        theirs. True when those up to `settled_by` (default: now) all have."""
        now = self.now()
        due = due or now - self.lag
        settled_by = settled_by or now
        found = self.classified(now)
        runs, answer = self.history()
        started = [(parse_time(item["triggerTimestamp"]), item) for item in runs
                   if item.get("executionType") == "SCHEDULED" and not item.get("misfiredExecutionReason")]
        matched: dict[datetime, list[str]] = {}
        stray: list[datetime] = []
        during_pause: list[str] = []
        for instant, item in started:
            near = [(abs(at - instant), at, kind) for at, kind in found if abs(at - instant) <= self.tolerance]
            if not near:
                stray.append(instant)
                continue
            _, at, kind = min(near)
            (during_pause if kind == "paused" else matched.setdefault(at, [])).append(item["executionId"])
        paused = [at for at, kind in found if kind == "paused"]
        if paused or during_pause:
            self.target.check("pause_suppresses_runs", not during_pause,
                              f"runs started at occurrences that passed while the task was paused: "
                              f"{[str(at) for at in paused]} paused, runs {during_pause}", response=answer,
                              operation=HISTORY)
        missing = [at for at, kind in found if kind == "run" and at <= due and at not in matched]
        twice = {str(at): ids for at, ids in matched.items() if len(ids) > 1}
        if any(kind == "run" for _, kind in found) or stray or twice:
            self.target.check("scheduled_runs_start", not (missing or stray or twice),
                              f"occurrences without their run: {[str(at) for at in missing]}; runs at no occurrence: "
                              f"{[str(at) for at in stray]}; occurrences that started more than one run: {twice}",
                              response=answer, operation=HISTORY)
        return not [at for at, kind in found if kind == "run" and at <= settled_by and at not in matched]

    @invariant()
    def target_agrees(self) -> None:
        if not (self.dirty or not self.still):
            return  # nothing changed since the last comparison
        # Whether a paused task's events are still listed is not published: they are compared while it runs.
        if not self.paused:
            self.check_events()
        self.check_runs()
        self.dirty = False

    # --- the end of an example ----------------------------------------------------------------------------------------
    def teardown(self) -> None:
        # Hypothesis calls teardown in a `finally`: an exception in flight means the example failed already, and that
        # failure is the one to report.
        failing = sys.exc_info()[0] is not None
        try:
            if not failing:
                self.last_window()
        finally:
            self.clean_up()

    def last_window(self) -> None:
        """Every example ends the same way, whatever the rules drew: where time moves at once, one more occurrence
        passes unpaused; on a real target the machine waits for the runs due to show."""
        if self.target.moves_time:
            if self.paused:
                self.set_pause(False)
            if self.trigger is None or not self.next_occurrences():
                self.own_trigger(build_trigger("daily", self.first_at(7), 0))
            self.pass_occurrence()
            self.check_runs()
            return
        end = self.now()
        self.target.wait_for(lambda: True if self.check_runs(due=end - self.lag, settled_by=end) else None,
                             within=self.lag.total_seconds(), step=30)
        self.check_runs(due=end)

    def clean_up(self) -> None:
        """Best effort, checking nothing: the trigger goes, runs still going are stopped, and the task is deleted
        (what cannot go now is left to the session's clean-up)."""
        try:
            self.remove_everything()
        except (requests.RequestException, ValueError):
            pass

    def remove_everything(self) -> None:
        if self.schedule is not None:
            self.target.delete(f"{TASKS}/{self.task}/schedule")
            self.target.forget(f"{TASKS}/{self.task}/schedule")
            if self.target.delete(f"/orchestration/schedules/{self.schedule}").status_code in (204, 404):
                self.target.forget(f"/orchestration/schedules/{self.schedule}")
        self.target.delete(f"{TASKS}/{self.task}/run-config")

        def going() -> list[str]:
            answer = self.target.get(f"/processing/executables/tasks/{self.task}/executions", params={"limit": 100})
            items = answer.json().get("items", []) if answer.status_code == 200 else []
            return [item["executionId"] for item in items if item.get("status") in ("dispatching", "executing")]

        for execution_id in going():
            self.target.delete(f"/processing/executions/{execution_id}")
        self.target.wait_for(lambda: True if not going() else None, within=120, step=10)
        if self.target.delete(f"{TASKS}/{self.task}").status_code in (204, 404):
            self.target.forget(f"{TASKS}/{self.task}")


TestScheduleMachine = ScheduleMachine.TestCase
