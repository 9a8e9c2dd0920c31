"""A stateful model of the scheduler: any mix of clock advances, pause and resume, a task's own trigger set or
removed, and schedules created, linked and unlinked starts exactly the runs the model predicts.

The model expands the triggers it generates (DAILY, WEEKLY, CRON "M H[,H] * * *|1-5", ONCE, in UTC, a fixed
+05:30 zone and two zones that change to summer time within the run) on its own: a table of 2024's offset changes,
a skipped local time firing at the end of the gap. It never calls the mock's occurrence code; its expansion is
checked by hand on fixed cases (test_model_expansion_fixed_cases).

Runs start on the demo world (Nightly report: DAILY 02:00 Europe/Paris, ten-minute runs; Archive logs: paused),
maybe a month in, with a schedule linked to a task. Advances land at random or exactly on an occurrence, also
where a trigger no longer in use would have fired (a stream left armed by mistake fires there).

Checked through HTTP only:
- each advance answers the model's runsStarted and misfires, and the runs it added, per task, are the model's:
  trigger instant, SCHEDULED, misfiredExecutionReason TASK_IS_PAUSED (a paused task) or
  PARALLEL_EXECUTION_FORBIDDEN (a run still going and parallelExecutionAllowed false);
- after every step, for each task the step could have changed (every task after an advance): its history holds
  as many runs as the model's, its run-config shows the model's trigger (its own, MULTIPLE when linked, else
  MANUAL) and parallelExecutionAllowed, and its run-config/events list the model's occurrences of the next 3 days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from .conftest import ARCHIVE_LOGS, DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, START, Api, make_app
from .errors import assert_error

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the model's own time zones: offset before the first change, then (change instant, offset after) --------------
ZONES = {
    "UTC": (timedelta(0), []),
    "Asia/Kolkata": (timedelta(hours=5, minutes=30), []),
    "Europe/Paris": (timedelta(hours=1), [(_utc("2024-03-31T01:00"), timedelta(hours=2)),
                                          (_utc("2024-10-27T01:00"), timedelta(hours=1))]),
    "America/New_York": (timedelta(hours=-5), [(_utc("2024-03-10T07:00"), timedelta(hours=-4)),
                                               (_utc("2024-11-03T06:00"), timedelta(hours=-5))]),
}
TABLE_SPAN = (_utc("2024-01-01T00:00"), _utc("2024-12-31T00:00"))


def offset_at(zone: str, instant: datetime) -> timedelta:
    assert TABLE_SPAN[0] <= instant < TABLE_SPAN[1], f"the model's zone table only covers 2024, not {instant}"
    offset, changes = ZONES[zone]
    for at, after in changes:
        if instant >= at:
            offset = after
    return offset


def local_to_utc(zone: str, local: datetime) -> datetime:
    """A naive local time as an instant: the first of a repeated time; a skipped time fires at the end of the gap."""
    base, changes = ZONES[zone]
    wall = local.replace(tzinfo=UTC)  # the local reading, as if it were UTC
    valid = [wall - off for off in {base, *(after for _, after in changes)} if offset_at(zone, wall - off) == off]
    if valid:
        return min(valid)
    before = base
    for at, after in changes:
        if at + before <= wall < at + after:
            return at
        before = after
    raise AssertionError(f"{local} is neither a local time nor in a gap of {zone}")


def _fires_on(trigger: dict, day: date, first: date) -> bool:
    kind = trigger["type"]
    if day < first:
        return False
    if kind == "ONCE":
        return day == first
    if kind == "DAILY":
        return (day - first).days % trigger["interval"] == 0
    if kind == "WEEKLY":
        return WEEKDAYS[day.weekday()] in trigger["atDays"]["days"]
    day_of_week = trigger["cronExpression"].split()[4]  # CRON "M H[,H] * * *" or "... * * 1-5"
    return day_of_week == "*" or day.weekday() < 5


def _times(trigger: dict) -> list[time]:
    if trigger["type"] == "CRON":
        minute, hours = trigger["cronExpression"].split()[:2]
        return [time(int(hour), int(minute)) for hour in hours.split(",")]
    at_times = trigger["atTimes"]
    texts = [at_times["time"]] if at_times["type"] == "AT_TIME" else at_times["times"]
    return [time(*map(int, text.split(":"))) for text in texts]


def expected_instants(trigger: dict | None, after: datetime, until: datetime) -> list[datetime]:
    """The instants in (after, until] the trigger fires at, in order, each once."""
    if trigger is None:
        return []
    zone, first = trigger["timeZone"], date.fromisoformat(trigger["startDate"])
    day = max(first, (after + offset_at(zone, after)).date() - timedelta(days=1))
    last = (until + offset_at(zone, until)).date() + timedelta(days=1)
    found = set()
    while day <= last:
        if _fires_on(trigger, day, first):
            found.update(instant for instant in (local_to_utc(zone, datetime.combine(day, t)) for t in _times(trigger))
                         if after < instant <= until)
        day += timedelta(days=1)
    return sorted(found)


def test_model_expansion_fixed_cases():
    """The model's own expansion, on cases worked out by hand (both summer-time gaps, a +05:30 zone)."""
    paris = {"type": "DAILY", "interval": 1, "startDate": "2024-01-01", "timeZone": "Europe/Paris",
             "atTimes": {"type": "AT_TIME", "time": "02:00"}}
    assert expected_instants(paris, _utc("2024-03-29T12:00"), _utc("2024-04-01T12:00")) == [
        _utc("2024-03-30T01:00"), _utc("2024-03-31T01:00"), _utc("2024-04-01T00:00")]
    new_york = {"type": "CRON", "cronExpression": "30 2,3 * * *", "startDate": "2024-03-01",
                "timeZone": "America/New_York"}
    assert expected_instants(new_york, _utc("2024-03-09T00:00"), _utc("2024-03-11T12:00")) == [
        _utc("2024-03-09T07:30"), _utc("2024-03-09T08:30"),
        _utc("2024-03-10T07:00"), _utc("2024-03-10T07:30"),  # 02:30 is skipped: the end of the gap
        _utc("2024-03-11T06:30"), _utc("2024-03-11T07:30")]
    gap = {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "Europe/Paris",
           "atTimes": {"type": "AT_SPECIFIC_TIMES", "times": ["02:30", "03:00"]}}
    assert expected_instants(gap, _utc("2024-03-30T12:00"), _utc("2024-03-31T12:00")) == [_utc("2024-03-31T01:00")]
    kolkata = {"type": "DAILY", "interval": 2, "startDate": "2024-03-02", "timeZone": "Asia/Kolkata",
               "atTimes": {"type": "AT_TIME", "time": "00:00"}}
    assert expected_instants(kolkata, _utc("2024-03-01T00:00"), _utc("2024-03-06T00:00")) == [
        _utc("2024-03-01T18:30"), _utc("2024-03-03T18:30"), _utc("2024-03-05T18:30")]
    weekly = {"type": "WEEKLY", "interval": 1, "startDate": "2024-03-05", "timeZone": "UTC",
              "atDays": {"type": "DAY_OF_WEEK", "days": ["MONDAY", "FRIDAY"]},
              "atTimes": {"type": "AT_TIME", "time": "09:05"}}
    assert expected_instants(weekly, _utc("2024-03-01T00:00"), _utc("2024-03-12T00:00")) == [
        _utc("2024-03-08T09:05"), _utc("2024-03-11T09:05")]
    weekdays = {"type": "CRON", "cronExpression": "55 23 * * 1-5", "startDate": "2024-03-01", "timeZone": "UTC"}
    assert expected_instants(weekdays, _utc("2024-03-01T00:00"), _utc("2024-03-05T00:00")) == [
        _utc("2024-03-01T23:55"), _utc("2024-03-04T23:55")]
    once = {"type": "ONCE", "startDate": "2024-03-02", "timeZone": "America/New_York",
            "atTimes": {"type": "AT_TIME", "time": "23:00"}}
    assert expected_instants(once, _utc("2024-03-01T00:00"), _utc("2024-04-01T00:00")) == [_utc("2024-03-03T04:00")]
    assert expected_instants(once, _utc("2024-03-03T04:00"), _utc("2024-04-01T00:00")) == []


# --- what the machine generates ---------------------------------------------------------------------------------
TASKS = (LOAD_CUSTOMERS, NIGHTLY_REPORT, ARCHIVE_LOGS)  # a quick one, a ten-minute one, one paused at first
NAMES = {LOAD_CUSTOMERS: "Load customers", NIGHTLY_REPORT: "Nightly report", ARCHIVE_LOGS: "Archive logs"}
# Seconds from trigger to end (fixtures/default.yaml): 1 received + 2 dispatching + executing (5, or 600).
DURATION = {LOAD_CUSTOMERS: timedelta(seconds=8), NIGHTLY_REPORT: timedelta(seconds=603),
            ARCHIVE_LOGS: timedelta(seconds=8)}
NIGHTLY_TRIGGER = {"type": "DAILY", "interval": 1, "startDate": "2024-01-01", "timeZone": "Europe/Paris",
                   "atTimes": {"type": "AT_TIME", "time": "02:00"}}
HORIZON = timedelta(days=3)  # how far ahead the events are compared

# Times are whole multiples of 5 minutes, so a schedule's single trigger always keeps its events 5 minutes apart
# (times the summer-time gap moves land on one instant, which counts once). Hours cluster around the gaps.
HOURS, MINUTES = (0, 1, 2, 3, 6, 9, 12, 18, 23), (0, 5, 30, 55)
clock_times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.sampled_from(HOURS), st.sampled_from(MINUTES))
at_time = clock_times.map(lambda t: {"type": "AT_TIME", "time": t})
at_times = st.one_of(at_time, st.lists(clock_times, min_size=2, max_size=3, unique=True).map(
    lambda times: {"type": "AT_SPECIFIC_TIMES", "times": sorted(times)}),
    # a burst: the second run comes while a ten-minute run of the first is still going
    st.sampled_from(HOURS).map(lambda h: {"type": "AT_SPECIFIC_TIMES", "times": [f"{h:02d}:00", f"{h:02d}:05"]}))
shapes = st.one_of(
    st.fixed_dictionaries({"type": st.just("DAILY"), "interval": st.sampled_from([1, 2]), "atTimes": at_times}),
    st.fixed_dictionaries({"type": st.just("WEEKLY"), "interval": st.just(1), "atTimes": at_time,
                           "atDays": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True).map(
                               lambda days: {"type": "DAY_OF_WEEK", "days": days})}),
    st.builds(lambda m, hours, dow: {"type": "CRON", "cronExpression": f"{m} {','.join(map(str, hours))} * * {dow}"},
              st.sampled_from(MINUTES), st.lists(st.sampled_from(HOURS), min_size=1, max_size=2, unique=True,
                                                 ).map(sorted), st.sampled_from(["*", "1-5"])),
    st.fixed_dictionaries({"type": st.just("ONCE"), "atTimes": at_time}))
# (shape, zone, start date in days from today)
triggers = st.tuples(shapes, st.sampled_from(sorted(ZONES)), st.sampled_from([-2, 0, 0, 1, 3]))
task_ids = st.sampled_from(TASKS)


def ms(moment: datetime) -> int:
    return (moment - EPOCH) // MS


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class SchedulerMachine(RuleBasedStateMachine):
    schedules = Bundle("schedules")

    def __init__(self):
        super().__init__()
        self.api = Api(make_app())
        self.now = START
        self.task = {t: {"trigger": None, "linked": None, "paused": False, "parallel": False} for t in TASKS}
        self.task[NIGHTLY_REPORT]["trigger"] = NIGHTLY_TRIGGER
        self.task[ARCHIVE_LOGS]["paused"] = True
        self.schedule = {}  # id -> {"trigger", "task"}
        self.runs = {t: [] for t in TASKS}  # (trigger instant, "SCHEDULED" or the misfire reason), in order
        self.busy_until = {t: START for t in TASKS}  # when the task's latest started run ends
        self.dirty = set(TASKS)  # the tasks whose reads the last step may have changed
        self.used = [NIGHTLY_TRIGGER]  # every trigger set or scheduled so far

    def trigger_of(self, task: str) -> dict | None:
        linked = self.task[task]["linked"]
        return self.schedule[linked]["trigger"] if linked else self.task[task]["trigger"]

    def put(self, path: str, body: dict):
        return self.api.client.put(path, headers=self.api.headers, json=body)

    def materialize(self, drawn: tuple) -> dict:
        shape, zone, start_in = drawn
        return {**shape, "timeZone": zone, "startDate": (self.now.date() + timedelta(days=start_in)).isoformat()}

    def drop_link(self, task: str) -> None:
        self.dirty.add(task)
        linked = self.task[task]["linked"]
        if linked:
            self.schedule[linked]["task"] = None
        self.task[task]["linked"] = None

    # --- the clock ------------------------------------------------------------------------------------------------
    def fire(self, task: str, before: datetime) -> list[tuple[datetime, str]]:
        """What the task's occurrences in (before, now] do, in order."""
        state, added = self.task[task], []
        for instant in expected_instants(self.trigger_of(task), before, self.now):
            if state["paused"]:
                kind = "TASK_IS_PAUSED"
            elif not state["parallel"] and instant < self.busy_until[task]:
                kind = "PARALLEL_EXECUTION_FORBIDDEN"
            else:
                kind = "SCHEDULED"
                self.busy_until[task] = max(self.busy_until[task], instant + DURATION[task])
            added.append((instant, kind))
        self.runs[task] += added
        return added

    def recorded_since(self, before: datetime) -> dict:
        """The runs the mock triggered in (before, now], per task, from the environment's history."""
        found, offset = {t: [] for t in TASKS}, 0
        while True:
            page = self.api.get("/processing/executables/tasks/executions", query_string={
                "environmentId": DEV_ENV, "from": ms(before), "to": ms(self.now), "limit": 100,
                "offset": offset}).json
            for item in page["items"]:
                triggered = parse(item["triggerTimestamp"])
                if triggered > before:
                    assert item["executionType"] == "SCHEDULED", item
                    found.setdefault(item["taskId"], []).append(
                        (triggered, item.get("misfiredExecutionReason", "SCHEDULED")))
            offset += 100
            if offset >= page["total"]:
                return {task: sorted(runs) for task, runs in found.items()}

    def advance_by(self, seconds: int) -> None:
        before = self.now
        self.now = before + timedelta(seconds=seconds)
        self.dirty.update(TASKS)
        expected = {task: self.fire(task, before) for task in TASKS}
        answer = self.api.advance(seconds)
        assert parse(answer["now"]) == self.now
        kinds = [kind for runs in expected.values() for _, kind in runs]
        started = kinds.count("SCHEDULED")
        assert (answer["runsStarted"], answer["misfires"]) == (started, len(kinds) - started), (answer, expected)
        assert self.recorded_since(before) == expected

    @initialize(days=st.sampled_from([0, 8, 29]), burst=st.booleans())
    def start(self, days, burst):
        """Maybe have the Nightly report run twice a night, 5 minutes apart (the second run misfires: the first
        takes 10 minutes); then start now, or the day before New York's or Paris's change to summer time."""
        if burst:
            self.configure(NIGHTLY_REPORT, {**NIGHTLY_TRIGGER, "atTimes": {"type": "AT_SPECIFIC_TIMES",
                                                                           "times": ["02:00", "02:05"]}}, False)
        if days:
            self.advance_by(days * 86400)

    @rule(seconds=st.integers(60, 3600))
    def advance_minutes(self, seconds):
        self.advance_by(seconds)

    @rule(hours=st.integers(1, 48), seconds=st.integers(0, 3599))
    def advance_hours(self, hours, seconds):
        self.advance_by(hours * 3600 + seconds)

    @rule(former=st.booleans(), pick=st.integers(0, 2))
    def advance_to_next_occurrence(self, former, pick):
        """Land exactly on one of the next 3 instants of the triggers in use or, with `former`, of the triggers no
        longer in use (where a stream left armed by mistake fires); a day ahead when none comes within two days."""
        horizon, in_use = self.now + timedelta(days=2), [self.trigger_of(task) for task in TASKS]
        unused = [trigger for trigger in self.used if all(trigger is not other for other in in_use)]
        upcoming = []
        for pool in ([unused] if former else []) + [in_use]:
            upcoming = upcoming or sorted({instant for trigger in pool
                                           for instant in expected_instants(trigger, self.now, horizon)[:3]})
        self.advance_by(int((upcoming[min(pick, len(upcoming) - 1)] - self.now).total_seconds()) if upcoming else 86400)

    # --- pause ----------------------------------------------------------------------------------------------------
    def set_pause(self, task: str, pause: bool) -> None:
        response = self.put(f"/orchestration/executables/tasks/{task}/pause", {"pause": pause})
        assert response.status_code == (202 if self.task[task]["paused"] != pause else 204), response.json
        self.dirty.add(task)
        self.task[task]["paused"] = pause

    @rule(task=task_ids)
    def pause(self, task):
        self.set_pause(task, True)

    @rule(task=task_ids)
    def resume(self, task):
        self.set_pause(task, False)

    # --- a task's own trigger -------------------------------------------------------------------------------------
    def configure(self, task: str, trigger: dict, parallel: bool) -> None:
        response = self.put(f"/orchestration/executables/tasks/{task}/run-config", {
            "trigger": trigger, "runtime": {"type": "CLOUD"}, "parallelExecutionAllowed": parallel})
        assert response.status_code == 200, response.json
        self.drop_link(task)
        self.task[task].update(trigger=trigger, parallel=parallel)
        self.used.append(trigger)

    @rule(task=task_ids, drawn=triggers, parallel=st.booleans())
    def set_trigger(self, task, drawn, parallel):
        self.configure(task, self.materialize(drawn), parallel)

    @rule(task=task_ids, minutes=st.sampled_from([1, 5, 9, 11, 30]), daily=st.booleans(),
          zone=st.sampled_from(sorted(ZONES)), parallel=st.booleans())
    def set_trigger_soon(self, task, minutes, daily, zone, parallel):
        """A trigger of the task's own that first fires minutes from now, maybe while a run is still going."""
        local = self.now + offset_at(zone, self.now) + timedelta(minutes=minutes)
        trigger = {"type": "DAILY", "interval": 1} if daily else {"type": "ONCE"}
        self.configure(task, {**trigger, "startDate": local.date().isoformat(), "timeZone": zone,
                              "atTimes": {"type": "AT_TIME", "time": local.strftime("%H:%M")}}, parallel)

    def wait_for(self, trigger: dict | None) -> None:
        """Advance to where a trigger no longer in use would have fired next (within two days), if anywhere."""
        upcoming = expected_instants(trigger, self.now, self.now + timedelta(days=2))
        if upcoming:
            self.advance_by(int((upcoming[0] - self.now).total_seconds()))

    @rule(task=task_ids, then_wait=st.booleans())
    def delete_run_config(self, task, then_wait):
        """Remove the task's trigger (and schedule); maybe wait to where it would have fired next."""
        former = self.trigger_of(task)
        assert self.api.delete(f"/orchestration/executables/tasks/{task}/run-config").status_code == 204
        self.drop_link(task)
        self.task[task]["trigger"] = None
        if then_wait:
            self.wait_for(former)

    # --- schedules ------------------------------------------------------------------------------------------------
    @initialize(target=schedules, drawn=triggers, task=st.sampled_from((LOAD_CUSTOMERS, ARCHIVE_LOGS)))
    def a_schedule_at_start(self, drawn, task):
        """Every run starts with a task on a schedule of its own, for the rules to unlink, relink or replace."""
        return self.create_and_link_schedule(drawn, task)

    @rule(target=schedules, drawn=triggers, task=task_ids)
    def create_and_link_schedule(self, drawn, task):
        trigger = {"name": "only", **self.materialize(drawn)}
        response = self.api.post("/orchestration/schedules", json={"environmentId": DEV_ENV, "trigger": trigger})
        assert response.status_code == 201, response.json
        self.schedule[response.json["id"]] = {"trigger": trigger, "task": None}
        self.used.append(trigger)
        self.link(response.json["id"], task)
        return response.json["id"]

    @rule(schedule=schedules, task=task_ids)
    def link(self, schedule, task):
        """Link a schedule made earlier: 403 while it serves another task."""
        holder = self.schedule[schedule]["task"]
        response = self.put(f"/orchestration/executables/tasks/{task}/schedule", {"scheduleId": schedule})
        self.dirty.add(task)
        if holder not in (None, task):
            assert_error(response, 403, "Schedule is already assigned to another task or plan")
            return
        assert response.status_code == 200, response.json
        self.drop_link(task)
        self.schedule[schedule]["task"] = task
        self.task[task].update(linked=schedule, trigger=None)
        assert self.api.get(f"/orchestration/executables/tasks/{task}/schedule").json["id"] == schedule

    @rule(task=task_ids, a_linked_one=st.booleans(), then_wait=st.booleans())
    def unlink(self, task, a_linked_one, then_wait):
        """Unlink `task` (404 when it has no schedule) or, asked for a linked one, the first task that has one;
        maybe wait to where its schedule would have fired next."""
        task = next((t for t in TASKS if self.task[t]["linked"]), task) if a_linked_one else task
        linked, former = self.task[task]["linked"], self.trigger_of(task)
        response = self.api.delete(f"/orchestration/executables/tasks/{task}/schedule")
        if linked:
            assert response.status_code == 204, response.json
        else:
            assert_error(response, 404, f"No schedule is associated with '{NAMES[task]}'")
        self.dirty.add(task)
        if linked:  # a task with no schedule keeps its own trigger
            self.drop_link(task)
            self.task[task]["trigger"] = None
        assert_error(self.api.get(f"/orchestration/executables/tasks/{task}/schedule"),
                     404, f"No schedule is associated with '{NAMES[task]}'")
        if linked and then_wait:
            self.wait_for(former)

    # --- every read agrees with the model -------------------------------------------------------------------------
    @invariant()
    def reads_agree(self):
        """Every task the last step could have changed (each request costs a contract check: ~3 ms)."""
        horizon = self.now + HORIZON
        for task in sorted(self.dirty):
            state = self.task[task]
            config = self.api.get(f"/orchestration/executables/tasks/{task}/run-config").json
            assert config["parallelExecutionAllowed"] == state["parallel"]
            if state["linked"]:
                assert config["trigger"]["type"] == "MULTIPLE"
            elif state["trigger"]:
                assert config["trigger"] == state["trigger"]
            else:
                assert config["trigger"]["type"] == "MANUAL"
            events = self.api.get(f"/orchestration/executables/tasks/{task}/run-config/events",
                                  query_string={"from": ms(self.now) + 1, "to": ms(horizon)}).json
            expected = expected_instants(self.trigger_of(task), self.now, horizon)
            assert ([parse(item) for item in events["items"]], events["total"]) == (expected, len(expected))
            history = self.api.get(f"/processing/executables/tasks/{task}/executions",
                                   query_string={"from": ms(START), "to": ms(self.now), "limit": 1}).json
            assert history["total"] == len(self.runs[task])
        self.dirty.clear()


SchedulerMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])
TestSchedulerMachine = SchedulerMachine.TestCase
