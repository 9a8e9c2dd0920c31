"""The log download flow: token, IN_PROGRESS then READY, an address that needs no token and expires."""
import json

from .conftest import LOAD_CUSTOMERS, SYNC_ORDERS
from .errors import assert_error


def finished_run(api, task=LOAD_CUSTOMERS):
    execution_id = api.execute(task, logLevel="INFO")
    api.advance(60)
    return execution_id


def status(api, execution_id, token):
    return api.post(f"/monitoring/executions/{execution_id}/logs/status", data=json.dumps(token),
                    headers={"Content-Type": "application/json"})


def test_download_flow_json(api):
    execution_id = finished_run(api)
    response = api.post(f"/monitoring/executions/{execution_id}/logs")
    assert response.status_code == 200
    token, size = response.json["token"], response.json["size"]
    assert size == 6
    assert status(api, execution_id, token).json == {"status": "IN_PROGRESS"}
    api.advance(5)
    ready = status(api, execution_id, token).json
    assert ready["status"] == "READY"
    url = ready["presignedURL"]
    assert url.startswith("http://localhost/_mocktmc/downloads/")
    downloaded = api.app.test_client().get(url)  # no Authorization header
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/json"
    assert f'filename="{execution_id}.log"' in downloaded.headers["Content-Disposition"]
    lines = downloaded.json
    assert len(lines) == size and lines[0]["logMessage"].startswith("Execution request received")
    api.advance(61 * 60)
    # the address lasts 60 minutes
    assert_error(api.app.test_client().get(url), 404, "Unknown or expired download address")
    # and the token one hour
    assert_error(status(api, execution_id, token), 404, "Unknown or expired log download token")


def test_text_format_new_file_name_and_window(api):
    execution_id = finished_run(api, SYNC_ORDERS)
    response = api.post(f"/monitoring/executions/{execution_id}/logs",
                        query_string={"fileFormat": "text", "newFileName": "true"})
    token = response.json["token"]
    api.advance(5)
    url = status(api, execution_id, token).json["presignedURL"]
    downloaded = api.app.test_client().get(url)
    assert downloaded.mimetype == "text/plain"
    assert f'filename="{SYNC_ORDERS}_{execution_id}.log"' in downloaded.headers["Content-Disposition"]
    text = downloaded.get_data(as_text=True)
    assert text.count("\n") == response.json["size"] and "ERROR" in text


def test_bad_download_requests(api):
    execution_id = finished_run(api)
    assert_error(api.post(f"/monitoring/executions/{execution_id}/logs", query_string={"fileFormat": "pdf"}),
                 400, "Query parameter 'fileFormat': 'pdf' is not one of")
    assert_error(api.post("/monitoring/executions/nope/logs"), 404, "Execution nope not found")
    assert_error(status(api, execution_id, "not-a-token"), 404, "Unknown or expired log download token")
    assert_error(api.post(f"/monitoring/executions/{execution_id}/logs/status", json={"token": "x"}),
                 400, "The request body must be a JSON string, got dict")
    assert_error(api.app.test_client().get("/_mocktmc/downloads/nope"), 404, "Unknown or expired download address")


def test_delete_logs(api):
    execution_id = finished_run(api)
    assert_error(api.delete("/monitoring/executions/not-a-uuid/logs"), 400, "execution ID is not a UUID")
    assert_error(api.delete("/monitoring/executions/00000000-0000-4000-8000-000000000000/logs"),
                 404, "Execution 00000000-0000-4000-8000-000000000000 not found")
    response = api.delete(f"/monitoring/executions/{execution_id}/logs")
    assert response.status_code == 200 and response.json == {}
    assert api.get(f"/monitoring/executions/{execution_id}/logs").json["totalSize"] == 0
    assert api.run(execution_id)["status"] == "execution_successful"  # the run itself stays


def test_a_log_cut_at_the_entry_limit_answers_206(api, monkeypatch):
    from mocktmc.domain.executions import log_exports
    monkeypatch.setattr(log_exports, "MAX_ENTRIES", 3)  # the published limit is 100,000 entries
    execution_id = finished_run(api)
    response = api.post(f"/monitoring/executions/{execution_id}/logs")
    assert response.status_code == 206 and response.json["size"] == 3
