"""The operation inventory and the generated tables that document it."""
import collections
from pathlib import Path

from mocktmc.inventory import operations, operations_document

ROOT = Path(__file__).resolve().parent.parent


def test_inventory_counts():
    counts = collections.Counter(op.family for op in operations())
    # The contracts: 90 + 64 (+ the task-list alias) + 8 (+ the singular log alias) + 1 + 16 + 1 + 7 + 1 2021-03
    # operations (token, workspace permissions, audit log, service accounts, subscription),
    # 153 of v2.6, 13 of v1.2.
    assert counts == {"orchestration": 90, "processing": 65, "monitoring": 9, "security": 26,
                      "legacy-v2": 153, "legacy-v1.2": 13}
    assert len({(op.method, op.path) for op in operations()}) == len(operations())


def test_operations_md_is_up_to_date(api):
    """OPERATIONS.md is what `mocktmc routes` prints (tests/test_artifact.py runs the installed command)."""
    document = operations_document(api.app.url_map)
    assert (ROOT / "OPERATIONS.md").read_text() == document, "OPERATIONS.md is stale: run `make tables`"
    assert "| **all** | **356** | **0** |" in document  # the counts as they stand


def test_every_implemented_operation_answers_something_other_than_501(api):
    from mocktmc.inventory import coverage
    implemented = [op for op, ok in coverage(api.app.url_map) if ok]
    assert len(implemented) >= 11
    for op in implemented:
        response = api.client.open(op.sample_path, method=op.method, headers=api.headers)
        assert response.status_code != 501, op


def test_every_other_operation_answers_501(api):
    from mocktmc.inventory import coverage
    for op, ok in coverage(api.app.url_map):
        if not ok:
            response = api.client.open(op.sample_path.replace("/tmc/v2.6/", "/tmc/v2.5/"), method=op.method,
                                       headers=api.headers)
            assert response.status_code == 501, op
            assert op.operation_id in response.json["detail" if not op.path.startswith("/tmc/") else "details"]
