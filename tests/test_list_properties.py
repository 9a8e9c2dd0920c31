"""List operations as properties: a filtered list equals filtering the whole list in Python, and
pages of any size and offset partition the whole list in its stable order."""
from __future__ import annotations

import fnmatch

from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import Api, make_app

API = Api(make_app())
WORKSPACES = API.get("/orchestration/workspaces").json
FIELDS = {"name": lambda w: w["name"], "type": lambda w: w["type"], "owner": lambda w: w["owner"],
          "environment.name": lambda w: w["environment"]["name"]}
VALUES = st.sampled_from(["Sales", "Personal", "custom", "personal", "Development", "Production",
                          "alice@demo.mocktmc.local", "bob@demo.mocktmc.local", "S*", "*al*", "*", "nothing"])
comparisons = st.tuples(st.sampled_from(sorted(FIELDS)), st.sampled_from(["==", "!="]), VALUES)


def holds(workspace: dict, comparison: tuple) -> bool:
    field, op, value = comparison
    matched = fnmatch.fnmatchcase(FIELDS[field](workspace), value)  # no [ or ? in the values: * only
    return matched if op == "==" else not matched


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=st.lists(st.lists(comparisons, min_size=1, max_size=3), min_size=1, max_size=3))
def test_workspace_filter_equals_filtering_in_python(groups):
    query = ",".join(";".join(f"{f}{op}{v}" for f, op, v in group) for group in groups)
    response = API.get("/orchestration/workspaces", query_string={"query": query})
    assert response.status_code == 200, response.json
    expected = [w for w in WORKSPACES if any(all(holds(w, c) for c in group) for group in groups)]
    assert response.json == expected, query


TASKS = API.get("/orchestration/executables/tasks").json["items"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=st.integers(1, 100), offset=st.integers(0, 12))
def test_pages_are_slices_of_the_whole_list(limit, offset):
    page = API.get("/orchestration/executables/tasks", query_string={"limit": limit, "offset": offset}).json
    assert (page["limit"], page["offset"], page["total"]) == (limit, offset, len(TASKS))
    assert page["items"] == TASKS[offset:offset + limit]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=st.integers(1, 4))
def test_paging_until_the_total_visits_every_item_once(limit):
    seen, offset = [], 0
    while offset < len(TASKS):
        page = API.get("/orchestration/executables/tasks", query_string={"limit": limit, "offset": offset}).json
        seen += [item["id"] for item in page["items"]]
        offset += limit
    assert seen == [t["id"] for t in TASKS]
