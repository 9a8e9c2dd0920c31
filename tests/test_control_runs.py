"""GET /_mocktmc/runs: every run of an account, task, plan and promotion alike, newest first, with its outcome; and
the dashboard's reads, which are neither journaled nor faulted."""
import pytest
from flask.testing import FlaskClient

from .conftest import DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, PROD_ENV, SYNC_ORDERS, Api, make_app
from .errors import assert_error

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
DEV_TO_PROD = "65f1a0c2e4b0a1b2c3d43001"
READ = {"X-Mocktmc-Dashboard": "read"}


def runs(api, **query):
    response = api.client.get("/_mocktmc/runs", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def busy(api):
    """A task run that failed, one that misfired, a plan run, a promotion run, and a task run still going."""
    api.client.put(f"/_mocktmc/behaviors/tasks/{SYNC_ORDERS}", json={"outcome": "EXECUTION_FAILED"})
    ids = {"failed": api.execute(SYNC_ORDERS)}
    api.advance(60)
    plan = api.post("/processing/executions/plans", json={"executable": DAILY_PLAN})
    assert plan.status_code == 201, plan.json
    ids["plan"] = plan.json["executionId"]
    api.advance(600)
    promotion = api.post("/processing/executions/promotions", json={"executable": DEV_TO_PROD})
    assert promotion.status_code == 201, promotion.json
    ids["promotion"] = promotion.json["executionId"]
    api.advance(600)
    ids["running"] = api.execute(NIGHTLY_REPORT)
    ids["misfired"] = api.execute(NIGHTLY_REPORT)  # parallel runs are not allowed: refused as it is triggered
    return ids


def test_every_kind_of_run_newest_first_with_its_outcome(api, busy):
    listed = runs(api)
    by_id = {row["id"]: row for row in listed["items"]}
    assert listed["total"] == len(listed["items"]) >= 5
    assert [row["triggered"] for row in listed["items"]] == sorted((r["triggered"] for r in listed["items"]),
                                                                    reverse=True)
    assert (by_id[busy["failed"]]["kind"], by_id[busy["failed"]]["outcome"]) == ("task", "failed")
    assert by_id[busy["failed"]]["status"] == "execution_failed" and by_id[busy["failed"]]["trigger"] == "MANUAL"
    assert (by_id[busy["plan"]]["kind"], by_id[busy["plan"]]["executableId"]) == ("plan", DAILY_PLAN)
    promotion = by_id[busy["promotion"]]
    assert (promotion["kind"], promotion["environmentId"]) == ("promotion", DEV_ENV)
    assert promotion["outcome"] == {"PROMOTED": "successful", "PROMOTION_WARNING": "warning"}[promotion["status"]]
    assert (by_id[busy["running"]]["outcome"], by_id[busy["running"]]["finished"]) == ("running", None)
    misfired = by_id[busy["misfired"]]
    assert (misfired["outcome"], misfired["started"]) == ("misfired", None)
    # The plan's step runs are task runs of their own, triggered by the plan.
    assert any(row["trigger"] == "PLAN" and row["kind"] == "task" for row in listed["items"])


def test_filters_and_pages(api, busy):
    everything = runs(api)["items"]
    assert [row["id"] for row in runs(api, kind="promotion")["items"]] == [busy["promotion"]]
    assert {row["kind"] for row in runs(api, kind="plan,promotion")["items"]} == {"plan", "promotion"}
    # EXECUTION_TERMINATED holds both a misfire and a stopped run: the outcome tells them apart.
    assert [row["id"] for row in runs(api, kind="task", outcome="misfired")["items"]] == [busy["misfired"]]
    assert runs(api, kind="task", outcome="terminated")["total"] == 0
    assert [row["id"] for row in runs(api, outcome="running")["items"]] == [busy["running"]]
    failed = runs(api, outcome="failed,misfired")
    assert {busy["failed"], busy["misfired"]} <= {row["id"] for row in failed["items"]}
    assert all(row["outcome"] in ("failed", "misfired") for row in failed["items"])
    # The promotion run goes from Development to Production: it is in both; task runs are in Development.
    assert busy["promotion"] in {row["id"] for row in runs(api, environmentId=PROD_ENV)["items"]}
    assert runs(api, environmentId=PROD_ENV, kind="task")["total"] == 0
    # The period: runs going at some moment of it (epoch ms or ISO-8601).
    last = everything[0]["triggered"]
    recent = runs(api, **{"from": last})
    assert {row["id"] for row in recent["items"]} >= {busy["running"], busy["misfired"]}
    assert busy["failed"] not in {row["id"] for row in recent["items"]}
    assert runs(api, to="0")["total"] == 0
    # Pages follow each other without a gap or a repeat.
    paged = [row["id"] for offset in range(0, len(everything), 2) for row in runs(api, offset=offset, limit=2)["items"]]
    assert paged == [row["id"] for row in everything]
    assert runs(api, offset=len(everything))["items"] == []


@pytest.mark.parametrize("query, says", [
    ({"kind": "job"}, ["'kind' takes a comma-separated list of task, plan, promotion"]),
    ({"outcome": ","}, ["'outcome' takes a comma-separated list"]),
    ({"limit": "501"}, ["Query parameter 'limit'", "500"]),
    ({"offset": "-1"}, ["Query parameter 'offset'", "minimum of 0"]),
    ({"from": "yesterday"}, ["'from' must be an ISO-8601 date-time"]),
    ({"from": "2024-03-02T00:00:00Z", "to": "2024-03-01T00:00:00Z"},
     ["'from' (2024-03-02T00:00:00.000Z) must not be after 'to'"]),
    ({"status": "failed"}, ["Unknown query parameter 'status'"]),
])
def test_bad_queries_are_400s_naming_the_parameter(api, query, says):
    assert_error(api.client.get("/_mocktmc/runs", query_string=query), 400, *says)


def test_an_isolated_token_lists_its_own_runs_only():
    app = make_app(auth="isolated")
    a, b = Api(app, {"Authorization": "Bearer a"}), Api(app, {"Authorization": "Bearer b"})
    run = a.execute(LOAD_CUSTOMERS)
    mine = a.client.get("/_mocktmc/runs", headers=a.headers).json
    assert [row["id"] for row in mine["items"]] == [run]
    assert b.client.get("/_mocktmc/runs", headers=b.headers).json["total"] == 0
    assert_error(b.client.get("/_mocktmc/runs", headers=b.headers, query_string={"account": mine["account"]}),
                 403, "steers only its own account")


def test_the_dashboards_reads_are_neither_journaled_nor_faulted(api):
    raw = FlaskClient(api.app, api.app.response_class)  # a faulted answer breaks the contract on purpose
    rule = api.client.post("/_mocktmc/faults", json={"path": "/orchestration/environments", "status": 503,
                                                     "times": 1}).json
    assert api.get("/orchestration/environments", headers=READ).status_code == 200
    assert api.client.get("/_mocktmc/runs", headers=READ).status_code == 200
    # The rule is still whole: the client's next request meets it.
    assert raw.get("/orchestration/environments", headers=api.headers).status_code == 503
    journal = api.client.get("/_mocktmc/requests").json
    assert [(e["path"], e["status"], e["fault"]) for e in journal if e["path"] != "/_mocktmc/faults"] == [
        ("/orchestration/environments", 503, rule["id"])]
    # Only the header's one value marks a read: anything else is a client's request like any other.
    assert api.get("/orchestration/environments", headers={"X-Mocktmc-Dashboard": "yes"}).status_code == 200
    assert api.client.get("/_mocktmc/requests").json[-1]["path"] == "/orchestration/environments"


def test_the_page_and_its_assets_are_open_behind_a_control_token():
    client = make_app(control_token="secret").test_client()
    page = client.get("/_mocktmc/ui")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-dashboard-header="X-Mocktmc-Dashboard"' in html
    for asset, mimetype in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        assert f"/_mocktmc/ui/static/{asset}" in html
        served = client.get(f"/_mocktmc/ui/static/{asset}")
        assert served.status_code == 200 and served.mimetype == mimetype and served.content_length > 1000
        served.close()
    assert client.get("/_mocktmc/ui/").status_code == 200
    assert_error(client.get("/_mocktmc/ui/static/nothing.js"), 404, "/_mocktmc/ui/static/nothing.js")
    # The data stays behind the token.
    assert_error(client.get("/_mocktmc/runs"), 401, "control token")
    assert client.get("/_mocktmc/runs", headers={"Authorization": "Bearer secret"}).status_code == 200
