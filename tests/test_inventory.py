"""The operation inventory and the generated tables that document it."""
import collections
import importlib.util
from pathlib import Path

from mocktmc.inventory import operations

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("update_operations_table",
                                                  ROOT / "tools" / "update_operations_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inventory_counts():
    counts = collections.Counter(op.family for op in operations())
    # The contracts: 90 + 64 (+ the task-list alias) + 8 (+ the singular log alias) + 1 2021-03 operations,
    # 153 of v2.6, 13 of v1.2.
    assert counts == {"orchestration": 90, "processing": 65, "monitoring": 9, "security": 1,
                      "legacy-v2": 153, "legacy-v1.2": 13}
    assert len({(op.method, op.path) for op in operations()}) == len(operations())


def test_generated_tables_are_up_to_date():
    tool = _tool()
    table, operations_md = tool.generated()
    readme = (ROOT / "README.md").read_text()
    assert tool.readme_with(table, readme) == readme, "README.md's operations table is stale: run `make tables`"
    assert (ROOT / "OPERATIONS.md").read_text() == operations_md, "OPERATIONS.md is stale: run `make tables`"


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
