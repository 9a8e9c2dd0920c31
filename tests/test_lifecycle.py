"""The lifecycle table and the behavior parser, checked as data."""
import pytest

from mocktmc.domain.model import lifecycle as lc
from mocktmc.domain.executables.behaviors import BehaviorError, parse_behavior_plan


def test_every_execution_status_has_a_status():
    assert set(lc.STATUS) == set(lc.EXECUTION_STATUSES)
    published = {"dispatching", "deploy_failed", "executing", "execution_rejected", "execution_successful",
                 "execution_failed", "terminated", "terminated_timeout", "terminated_shutdown"}
    assert set(lc.STATUS.values()) == published
    assert set(lc.STATUS_FILTER) == published


def test_status_filter_agrees_with_the_mapping():
    for status, members in lc.STATUS_FILTER.items():
        for execution_status in members:
            mapped = lc.STATUS[execution_status]
            assert mapped == status or (status == "terminated" and mapped.startswith("terminated")) or \
                (status == "executing" and execution_status == lc.STOPPING)


def test_the_published_mapping_table():
    from .test_properties import PUBLISHED_STATUS
    assert lc.STATUS == PUBLISHED_STATUS


def test_terminal_states_have_no_way_out_and_others_do():
    for state in lc.EXECUTION_STATUSES:
        if lc.is_terminal(state):
            assert state not in lc.TRANSITIONS
        else:
            assert lc.TRANSITIONS[state], state


def test_every_path_follows_allowed_transitions_and_ends_terminal():
    for outcome, path in lc.PATHS.items():
        assert path[0] == lc.EVENT_RECEIVED
        assert path[-1] == outcome and lc.is_terminal(outcome)
        for current, target in zip(path, path[1:]):
            lc.check_transition(current, target)


def test_every_state_is_reachable_from_event_received():
    seen, frontier = {lc.EVENT_RECEIVED}, [lc.EVENT_RECEIVED]
    while frontier:
        for target in lc.TRANSITIONS.get(frontier.pop(), ()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(lc.EXECUTION_STATUSES)


def test_illegal_transitions_are_refused():
    with pytest.raises(lc.IllegalTransition):
        lc.check_transition(lc.SUCCESS, lc.EXECUTING)
    with pytest.raises(lc.IllegalTransition):
        lc.check_transition(lc.EVENT_RECEIVED, lc.SUCCESS)
    assert lc.can_terminate(lc.EXECUTING) and not lc.can_terminate(lc.SUCCESS)


def test_behavior_sequence_then_base():
    plan = parse_behavior_plan({"processedRows": 5, "sequence": [{"outcome": "EXECUTION_FAILED"},
                                                                  {"outcome": "DEPLOY_FAILED"}]})
    first, second, third, fourth = (plan.next() for _ in range(4))
    assert (first.outcome, second.outcome, third.outcome, fourth.outcome) == (
        "EXECUTION_FAILED", "DEPLOY_FAILED", "EXECUTION_SUCCESS", "EXECUTION_SUCCESS")
    assert first.processed_rows == 5  # sequence entries inherit from the base


def test_generated_log_lines_follow_the_behaviors_own_and_a_sequence_inherits_them():
    plan = parse_behavior_plan({"logLines": ["a"], "logLinesGenerated": {"count": 2},
                                "sequence": [{"logLinesGenerated": None}]})
    first, then = plan.next(), plan.next()
    assert [line.message for line in first.all_log_lines()] == ["a"]
    assert [(line.severity, line.message) for line in then.all_log_lines()] == [
        ("INFO", "a"), ("INFO", "Log line 1 of 2"), ("INFO", "Log line 2 of 2")]


def test_rejected_behavior_always_has_rejected_rows():
    assert parse_behavior_plan({"outcome": "EXECUTION_REJECTED"}).next().rejected_rows >= 1


@pytest.mark.parametrize("spec, path", [
    ({"outcome": "WIN"}, ("outcome",)),
    ({"durations": {"DISPATCHING_FLOW": -1}}, ("durations", "DISPATCHING_FLOW")),
    ({"durations": {"NOPE": 1}}, ("durations", "NOPE")),
    ({"processedRows": -3}, ("processedRows",)),
    ({"logLines": [{"severity": "LOUD", "message": "x"}]}, ("logLines", 0, "severity")),
    ({"logLinesGenerated": {"count": 1_000_001}}, ("logLinesGenerated", "count")),
    ({"logLinesGenerated": {"count": -1}}, ("logLinesGenerated", "count")),
    ({"logLinesGenerated": {}}, ("logLinesGenerated", "count")),
    ({"logLinesGenerated": {"count": 1, "message": "x" * 1001}}, ("logLinesGenerated", "message")),
    ({"logLinesGenerated": {"count": 1, "severity": "LOUD"}}, ("logLinesGenerated", "severity")),
    ({"logLinesGenerated": {"count": 1, "colour": "red"}}, ("logLinesGenerated", "colour")),
    ({"logLinesGenerated": [1]}, ("logLinesGenerated",)),
    ({"sequence": [{"sequence": []}]}, ("sequence", 0, "sequence")),
    ({"colour": "red"}, ("colour",)),
])
def test_bad_behaviors_name_the_field(spec, path):
    with pytest.raises(BehaviorError) as info:
        parse_behavior_plan(spec)
    assert info.value.path == path
