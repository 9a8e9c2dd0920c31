"""Judge the client (GET /_mocktmc/report, mocktmc/control/client_rules.py): every rule is shown by a scripted
client that breaks it (its findings name the journal seqs that show it) and kept quiet by one that does not."""
from __future__ import annotations

from mocktmc.control import client_rules, redaction
from mocktmc.control.journal import retry_after_seconds

from .conftest import DEV_ENV, LOAD_CUSTOMERS, SYNC_ORDERS, Api
from .errors import assert_error
from .test_api_auth import TOKEN_BODY, basic
from .test_api_plan_runs import DAILY
from .test_faults import add_rule

RUN = "/processing/executions"


def report(api: Api, **filters) -> dict:
    response = api.client.get("/_mocktmc/report", query_string=filters)
    assert response.status_code == 200, response.json
    return response.json


def findings(api: Api, rule: str, **filters) -> list[dict]:
    return [finding for finding in report(api, **filters)["findings"] if finding["rule"] == rule]


def seqs(api: Api, method: str, path: str) -> list[int]:
    return [entry["seq"] for entry in api.client.get("/_mocktmc/requests", query_string={"method": method,
                                                                                         "path": path}).json]


def finish(api: Api, execution_id: str) -> dict:
    """Poll as a good client does: once, then mock time moves on 5 s, until the run is over."""
    while True:
        run = api.run(execution_id)
        if run["status"] not in ("dispatching", "executing"):
            return run
        api.advance(5)


def poll_again(api: Api, path: str, times: int) -> None:
    """Poll `path` `times` more times, mock time moving on 5 s before each."""
    for _ in range(times):
        api.advance(5)
        assert api.get(path).status_code == 200


def test_the_readme_quick_start_loop_gets_no_findings(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    logs = api.get(f"/monitoring/executions/{execution_id}/logs", query_string={"order": "ASC"})
    assert logs.status_code == 200 and logs.json["data"]
    answer = report(api)
    assert answer["findings"] == []
    assert answer["entries"] > 3  # it judged the loop, not an empty journal
    assert [rule["name"] for rule in answer["rules"]] == [rule.name for rule in client_rules.CATALOG]


def test_polls_too_fast(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    for _ in range(11):  # eleven polls in one second of (frozen) mock time
        api.run(execution_id)
    found = findings(api, "polls_too_fast")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", f"{RUN}/{execution_id}")]
    assert found[0]["severity"] == "error" and "Fix:" in found[0]["message"]


def test_ten_polls_a_second_are_not_too_fast(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    for _ in range(10):
        api.run(execution_id)
    api.advance(1)
    for _ in range(10):
        api.run(execution_id)
    assert findings(api, "polls_too_fast") == []


def test_polls_after_the_end(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    poll_again(api, f"{RUN}/{execution_id}", 4)
    polls = seqs(api, "GET", f"{RUN}/{execution_id}")
    found = findings(api, "polls_after_the_end")
    assert [finding["seqs"] for finding in found] == [polls[-5:]]  # the terminal answer, then four more polls
    entry = api.client.get("/_mocktmc/requests", query_string={"path": f"{RUN}/{execution_id}"}).json[-1]
    assert entry["runStatus"] == "execution_successful"


def test_three_confirming_polls_after_the_end_are_forgiven(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    poll_again(api, f"{RUN}/{execution_id}", 3)
    assert findings(api, "polls_after_the_end") == []


def test_polls_of_a_plan_run_after_its_end(api):
    run_id = api.post("/processing/executions/plans", json={"executable": DAILY}).json["executionId"]
    path = f"{RUN}/plans/{run_id}"
    while api.get(path).json["status"] == "executing":
        api.advance(30)
    poll_again(api, path, 4)
    polls = seqs(api, "GET", path)
    assert [finding["seqs"] for finding in findings(api, "polls_after_the_end")] == [polls[-5:]]
    assert api.client.get("/_mocktmc/requests", query_string={"path": path}).json[-1]["runStatus"] != "executing"


def test_component_metrics_queried_more_than_five_times_a_minute(api):
    query = {"environmentId": DEV_ENV, "startTime": "2024-03-01T00:00:00Z", "endTime": "2024-03-09T00:00:00Z"}
    metrics = "/monitoring/observability/metrics/component"
    for _ in range(5):
        assert api.post(metrics, json=query).status_code == 200
        api.advance(10)
    assert findings(api, "polls_too_fast") == []  # five in 50 s: within the published rate
    api.post(metrics, json=query)
    found = findings(api, "polls_too_fast")
    assert [finding["seqs"] for finding in found] == [seqs(api, "POST", metrics)]
    assert "5 queries a minute" in found[0]["message"]


def test_ignores_retry_after(api):
    add_rule(api, method="GET", path="/orchestration/environments", status=429, retryAfter=2, times=1)
    assert_error(api.get("/orchestration/environments"), 429, "Injected by mocktmc fault rule")
    api.advance(1)
    assert api.get("/orchestration/environments").status_code == 200
    refused, retry = seqs(api, "GET", "/orchestration/environments")
    assert [finding["seqs"] for finding in findings(api, "ignores_retry_after")] == [[refused, retry]]
    assert api.client.get("/_mocktmc/requests", query_string={"status": 429}).json[0]["retryAfter"] == 2


def test_retrying_a_5xx_at_once_ignores_retry_after_too(api):
    add_rule(api, method="GET", path="/orchestration/environments", status=500, times=1)
    api.get("/orchestration/environments")
    api.get("/orchestration/environments")
    assert [finding["seqs"] for finding in findings(api, "ignores_retry_after")] == [
        seqs(api, "GET", "/orchestration/environments")]


def test_waiting_out_retry_after_is_quiet(api):
    add_rule(api, method="GET", path="/orchestration/environments", status=429, retryAfter=2, times=1)
    api.get("/orchestration/environments")
    api.advance(2)
    assert api.get("/orchestration/environments").status_code == 200
    add_rule(api, method="GET", path="/orchestration/workspaces", status=500, times=1)
    api.get("/orchestration/workspaces")
    api.advance(1)
    api.get("/orchestration/workspaces")
    assert findings(api, "ignores_retry_after") == []


def retry_through(api: Api, path: str, waits: list[float]) -> None:
    """Call path, and again after each wait (mock seconds); a fault answers 500 (no Retry-After) until the last."""
    add_rule(api, method="GET", path=path, status=500, times=len(waits))
    api.get(path)
    for wait in waits:
        api.advance(wait)
        api.get(path)


def test_no_backoff(api):
    retry_through(api, "/orchestration/environments", [2, 2, 2])
    found = findings(api, "no_backoff")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", "/orchestration/environments")]
    assert "2, 2, 2 s" in found[0]["message"] and findings(api, "ignores_retry_after") == []


def test_a_growing_wait_is_a_backoff(api):
    retry_through(api, "/orchestration/environments", [1, 2, 4])
    retry_through(api, "/orchestration/workspaces", [2, 2])  # two retries: too few to call it a pattern
    assert findings(api, "no_backoff") == []


def issue(api: Api) -> str:
    response = api.client.post("/security/oauth/token", headers=basic(), json=TOKEN_BODY)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def test_token_past_expiry(api):
    token = issue(api)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/orchestration/environments", headers=bearer).status_code == 200
    api.advance(1799)
    assert api.get("/orchestration/environments", headers=bearer).status_code == 200
    api.advance(1)  # 30 minutes: the token's expiry (auth mode open still answers it, the service would not)
    api.get("/orchestration/environments", headers=bearer)
    api.get("/orchestration/workspaces", headers=bearer)
    issued = api.client.get("/_mocktmc/requests", query_string={"path": "/security/oauth/token"}).json[0]
    assert issued["issued"]["token"] == redaction.authorization(f"Bearer {token}")
    assert issued["account"] is not None  # the token endpoint's call is the service account's account's
    late = [seqs(api, "GET", "/orchestration/environments")[-1], seqs(api, "GET", "/orchestration/workspaces")[-1]]
    found = findings(api, "token_past_expiry")
    assert [finding["seqs"] for finding in found] == [[issued["seq"], *late]]
    assert [finding["seqs"] for finding in findings(api, "token_past_expiry", token=token)] == [[issued["seq"], *late]]
    assert findings(api, "token_past_expiry", account=issued["account"])


def test_renewing_the_token_before_it_expires_is_quiet(api):
    first = issue(api)
    api.get("/orchestration/environments", headers={"Authorization": f"Bearer {first}"})
    api.advance(1700)
    second = issue(api)
    api.advance(200)
    api.get("/orchestration/environments", headers={"Authorization": f"Bearer {second}"})
    assert findings(api, "token_past_expiry") == []


def test_token_per_call(api):
    for number in range(4):
        api.get("/orchestration/environments", headers={"Authorization": f"Bearer token-{number}"})
    found = findings(api, "token_per_call")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", "/orchestration/environments")]


def test_one_token_for_many_calls_and_a_few_short_ones_are_quiet(api):
    for _ in range(5):
        api.get("/orchestration/environments")
    for number in range(3):  # three short-lived tokens (a refresh or two) are no pattern yet
        api.get("/orchestration/environments", headers={"Authorization": f"Bearer token-{number}"})
    assert findings(api, "token_per_call") == []


def test_the_report_of_one_token(api):
    api.get("/orchestration/environments")
    api.get("/orchestration/environments", headers={"Authorization": "Bearer other"})
    answer = report(api, token="other")
    assert answer["entries"] == 1 and answer["token"] == redaction.authorization("Bearer other")


def test_first_page_only(api):
    page = api.get("/orchestration/executables/tasks", query_string={"limit": 1})
    assert page.json["total"] > 1
    found = findings(api, "first_page_only")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", "/orchestration/executables/tasks")]
    entry = api.client.get("/_mocktmc/requests", query_string={"path": "/orchestration/executables/tasks"}).json[0]
    assert (entry["total"], entry["items"]) == (page.json["total"], 1)


def test_reading_every_page_is_quiet(api):
    offset, total = 0, None
    while total is None or offset < total:
        page = api.get("/orchestration/executables/tasks", query_string={"limit": 2, "offset": offset}).json
        total, offset = page["total"], offset + 2
    assert offset > 2  # it did read more than one page
    assert findings(api, "first_page_only") == []


def test_a_log_page_whose_next_page_is_never_read(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    path = f"/monitoring/executions/{execution_id}/logs"
    first = api.get(path, query_string={"count": 1, "order": "ASC"}).json
    assert first["nextIndex"] is not None
    assert [finding["seqs"] for finding in findings(api, "first_page_only")] == [seqs(api, "GET", path)]
    while (following := first.get("nextIndex")) is not None:
        first = api.get(path, query_string={"count": 50, "order": "ASC", "startIndex": following}).json
    assert findings(api, "first_page_only") == []


def test_rereads_logs(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    path = f"/monitoring/executions/{execution_id}/logs"
    for _ in range(4):
        api.advance(5)
        api.get(path, query_string={"count": 200})
    assert [finding["seqs"] for finding in findings(api, "rereads_logs")] == [seqs(api, "GET", path)]


def test_reading_a_log_on_from_next_index_is_quiet(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    path = f"/monitoring/executions/{execution_id}/logs"
    read = 0
    for _ in range(6):  # tail the run: read on from the lines already read
        api.advance(5)
        page = api.get(path, query_string={"count": 200, **({"startIndex": read} if read else {})}).json
        read += len(page["data"])
    assert read > 0 and len(seqs(api, "GET", path)) == 6 and findings(api, "rereads_logs") == []


def download_address(api: Api) -> str:
    execution_id = api.execute(LOAD_CUSTOMERS)
    finish(api, execution_id)
    token = api.post(f"/monitoring/executions/{execution_id}/logs", json={}).json["token"]
    while (status := api.post(f"/monitoring/executions/{execution_id}/logs/status", json=token).json)[
            "status"] != "READY":
        api.advance(5)
    return status["presignedURL"].split("://", 1)[1].partition("/")[2]


def test_presigned_url_with_authorization(api):
    path = "/" + download_address(api)
    assert api.get(path).status_code == 200  # the mock serves it all the same; the storage would not
    assert api.client.get(path).status_code == 200  # a plain client: no Authorization
    download = api.client.get("/_mocktmc/requests", query_string={"path": path}).json
    assert download[0]["account"] is not None and download[0]["authorization"] is not None
    found = findings(api, "presigned_url_with_authorization", account=download[0]["account"])
    assert [finding["seqs"] for finding in found] == [[download[0]["seq"]]]


def test_fetching_the_presigned_url_without_authorization_is_quiet(api):
    path = "/" + download_address(api)
    assert api.client.get(path).status_code == 200
    assert findings(api, "presigned_url_with_authorization") == []


def test_retries_client_error(api):
    for _ in range(3):
        assert_error(api.post(RUN, json={"executabel": LOAD_CUSTOMERS}), 400, "executable")
    found = findings(api, "retries_client_error")
    assert [finding["seqs"] for finding in found] == [seqs(api, "POST", RUN)]
    assert "refused with 400" in found[0]["message"]


def test_fixing_a_refused_request_is_quiet(api):
    assert_error(api.post(RUN, json={"executabel": LOAD_CUSTOMERS}), 400, "executable")
    api.execute(LOAD_CUSTOMERS)
    api.get("/orchestration/workspaces", headers={"Authorization": "Bearer unknown"})
    assert findings(api, "retries_client_error") == []


def test_repeated_create(api):
    body = {"name": "Finance", "environmentId": DEV_ENV}
    add_rule(api, method="POST", path="/orchestration/workspaces", status=500, times=1)
    assert api.post("/orchestration/workspaces", json=body).status_code == 500
    api.advance(3)
    assert api.post("/orchestration/workspaces", json=body).status_code == 201
    found = findings(api, "repeated_create")
    assert [finding["seqs"] for finding in found] == [seqs(api, "POST", "/orchestration/workspaces")]


def test_a_creation_retried_after_looking_it_up_is_quiet(api):
    body = {"name": "Finance", "environmentId": DEV_ENV}
    add_rule(api, method="POST", path="/orchestration/workspaces", status=500, times=1)
    api.post("/orchestration/workspaces", json=body)
    api.advance(3)
    assert api.get("/orchestration/workspaces").status_code == 200
    assert api.post("/orchestration/workspaces", json=body).status_code == 201
    assert findings(api, "repeated_create") == []


def test_repeated_start(api):
    add_rule(api, method="POST", path=RUN, status=500, times=1)
    assert api.post(RUN, json={"executable": LOAD_CUSTOMERS}).status_code == 500
    api.advance(2)
    api.execute(LOAD_CUSTOMERS)
    api.execute(SYNC_ORDERS)  # another executable: not a repeat
    starts = seqs(api, "POST", RUN)
    assert [finding["seqs"] for finding in findings(api, "repeated_start")] == [starts[:2]]


def test_a_start_retried_after_looking_at_the_runs_is_quiet(api):
    add_rule(api, method="POST", path=RUN, status=500, times=1)
    api.post(RUN, json={"executable": LOAD_CUSTOMERS})
    api.advance(2)
    assert api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").status_code == 200
    api.execute(LOAD_CUSTOMERS)
    api.execute(LOAD_CUSTOMERS)  # a second start after an answered one is the client's choice
    assert findings(api, "repeated_start") == []


def test_deprecated_path(api):
    api.get("/tmc/v2.6/workspaces")
    api.get("/orchestration/workspaces")
    found = findings(api, "deprecated_path")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", "/tmc/v2.6/workspaces")]
    assert "GET /orchestration/workspaces" in found[0]["message"] and found[0]["severity"] == "info"


def test_deprecated_paths_are_named_by_their_2021_03_operation(api):
    execution_id = api.post("/tmc/v1.2/executions", json={"executable": LOAD_CUSTOMERS}).json["executionId"]
    api.get(f"/tmc/v2.6/executions/{execution_id}")
    api.get("/tmc/v2.6/executables/tasks")
    named = {finding["message"].split(" where ")[1].split(" does ")[0] for finding in findings(api, "deprecated_path")}
    assert named == {"POST /processing/executions", "GET /processing/executions/{executionId}",
                     "GET /orchestration/executables/tasks"}
    # Derived from the contracts: every successor is a published 2021-03 operation.
    assert len(client_rules.successors()) > 100


def test_retry_after_as_seconds_or_an_http_date():
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT") == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:30 GMT") == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None and retry_after_seconds("-3") == 0


def test_unknown_query_parameter(api):
    api.get("/orchestration/executables/tasks", query_string={"limit": 5, "offest": 5})
    api.get("/orchestration/executables/tasks", query_string={"limit": 5, "offset": 5})
    found = findings(api, "unknown_query_parameter")
    assert [finding["seqs"] for finding in found] == [seqs(api, "GET", "/orchestration/executables/tasks")[:1]]
    assert "'offest'" in found[0]["message"]


def test_the_report_takes_since_and_refuses_unknown_filters(api):
    for number in range(4):
        api.get("/orchestration/environments", headers={"Authorization": f"Bearer token-{number}"})
    last = seqs(api, "GET", "/orchestration/environments")[-1]
    assert findings(api, "token_per_call") and not findings(api, "token_per_call", since=last)
    assert_error(api.client.get("/_mocktmc/report", query_string={"acount": "x"}), 400,
                 "Unknown query parameter 'acount'")


def test_the_rules_are_plain_python_over_entries():
    entries = [{"seq": n, "time": "2024-03-01T09:00:00.000Z", "method": "GET", "path": "/processing/executions/r",
                "query": {}, "status": 200, "account": "a", "authorization": "Bearer sha256:x"} for n in range(1, 12)]
    assert [finding.rule for finding in client_rules.judge(entries)] == ["polls_too_fast"]
    assert client_rules.judge(entries[:10]) == []


def test_a_dropped_start_sent_again_is_a_repeated_start():
    start = {"time": "2024-03-01T09:00:00.000Z", "method": "POST", "path": RUN, "query": {}, "account": "a",
             "authorization": "Bearer sha256:x", "body": {"executable": LOAD_CUSTOMERS}}
    entries = [{**start, "seq": 1, "status": None}, {**start, "seq": 2, "status": 201}]
    assert [(finding.rule, finding.seqs) for finding in client_rules.judge(entries)] == [("repeated_start", (1, 2))]
    assert client_rules.judge([{**start, "seq": 1, "status": 201}, {**start, "seq": 2, "status": 201}]) == []


def test_control_report_in_the_python_api():
    from .conftest import mock_tmc
    mock = mock_tmc()
    client = mock.client()
    for _ in range(11):
        assert client.get(f"{mock.url}/orchestration/environments").status_code == 200
    answer = mock.report()
    assert [finding["rule"] for finding in answer["findings"]] == ["polls_too_fast"]
    assert len(answer["findings"][0]["seqs"]) == 11
    assert mock.report(since=answer["seqs"][1])["findings"] == []
    assert mock.report(token="not-this-clients")["entries"] == 0


def test_in_isolated_mode_a_token_is_judged_on_its_own_account_only():
    from .conftest import make_app
    app = make_app(auth="isolated")
    alice, bob = Api(app, {"Authorization": "Bearer alice"}), Api(app, {"Authorization": "Bearer bob"})
    for _ in range(11):
        bob.get("/orchestration/environments")
    alice.get("/orchestration/environments")
    bob_account = app.extensions["mocktmc"].accounts.account_of("bob").account_id
    mine = alice.client.get("/_mocktmc/report", headers=alice.headers)
    assert mine.status_code == 200 and mine.json["entries"] == 1 and mine.json["findings"] == []
    assert_error(alice.client.get("/_mocktmc/report", headers=alice.headers, query_string={"account": bob_account}),
                 403, "steers only its own account")
    assert [f["rule"] for f in bob.client.get("/_mocktmc/report", headers=bob.headers).json["findings"]] == [
        "polls_too_fast"]


def test_an_account_with_a_clock_of_its_own_is_judged_in_its_own_time():
    from .conftest import make_app
    app = make_app(auth="isolated")
    bob = Api(app, {"Authorization": "Bearer bob"})
    account = app.extensions["mocktmc"].accounts.account_of("bob").account_id
    execution_id = bob.execute(LOAD_CUSTOMERS)
    for _ in range(12):  # a poll a second of bob's time; the server's clock stands still
        bob.run(execution_id)
        moved = bob.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, query_string={"account": account})
        assert moved.status_code == 200, moved.json
    polls = bob.client.get("/_mocktmc/requests", query_string={"path": f"{RUN}/{execution_id}"}).json
    assert len({entry["time"] for entry in polls}) == 12  # each at its own moment of the account's clock
    assert findings(bob, "polls_too_fast", account=account) == []
    assert bob.client.get("/_mocktmc/clock").json["now"] < polls[-1]["time"]  # the server's clock did not move
