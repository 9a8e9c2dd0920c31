"""Paging the scheduled-runs search: pages walked to the total visit every event once, in date-then-id order,
and agree with each task's own occurrences."""
from datetime import datetime, timedelta, timezone
from itertools import takewhile

from hypothesis import HealthCheck, given, settings, strategies as st

from mocktmc.domain.scheduling.occurrences import occurrences
from mocktmc.domain.common.timeutil import to_iso, to_ms

from .conftest import (CHECK_REJECTS, DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, PARTNER_IMPORT, SYNC_ORDERS, Api,
                       make_app)

TASKS = (LOAD_CUSTOMERS, SYNC_ORDERS, NIGHTLY_REPORT, PARTNER_IMPORT, CHECK_REJECTS)
FROM = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)

times = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")
zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York"])
triggers = st.one_of(
    st.builds(lambda at, zone: {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": zone,
                                "atTimes": {"type": "AT_TIME", "time": at}}, times, zones),
    st.builds(lambda every, zone: {"type": "DAILY", "startDate": "2024-03-01", "timeZone": zone,
                                   "atTimes": {"type": "AT_INTERVALS", "startTime": "06:00", "endTime": "18:00",
                                               "interval": every}}, st.sampled_from([60, 180, 360]), zones),
    st.builds(lambda hour: {"type": "CRON", "cronExpression": f"0 {hour} * * ?", "startDate": "2024-03-01",
                            "timeZone": "UTC"}, st.integers(0, 23)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.dictionaries(st.sampled_from(TASKS), triggers, min_size=1, max_size=5),
       days=st.integers(0, 6), limit=st.integers(1, 40))
def test_pages_walked_to_the_total_visit_every_event_once_in_order(chosen, days, limit):
    api = Api(make_app())
    api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/run-config")
    for task_id, trigger in chosen.items():
        response = api.client.put(f"/orchestration/executables/tasks/{task_id}/run-config", headers=api.headers,
                                  json={"trigger": trigger, "runtime": {"type": "CLOUD"}})
        assert response.status_code == 200, response.json
    end = FROM + timedelta(days=days, hours=5)
    expected = sorted((to_iso(at), task_id) for task_id, trigger in chosen.items()
                      for at in takewhile(lambda at: at <= end, occurrences(trigger, FROM - timedelta(milliseconds=1))))
    seen, offset = [], 0
    while True:
        page = api.post("/orchestration/executables/events/search",
                        json={"environmentId": DEV_ENV, "to": to_ms(end), "limit": limit, "offset": offset}).json
        assert page["total"] == len(expected) and page["limit"] == limit and page["offset"] == offset
        if not page["items"]:
            break
        assert len(page["items"]) == min(limit, len(expected) - offset)
        seen += [(item["date"], item["id"]) for item in page["items"]]
        offset += limit
    assert seen == expected
