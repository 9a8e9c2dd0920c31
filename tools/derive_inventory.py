"""Derive mocktmc's operation inventory from Talend's published API documents.

The inventory lists every operation the mock answers (method, path template, family,
operation id); operations without a handler answer 501. Only structure is taken from
the documents. Run with `make inventory` when ../shared/reference changes.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
OUT = ROOT / "mocktmc" / "data" / "operations.json"

# 2021-03 documents in scope, with the family each one belongs to.
DOCUMENTS = {
    "orchestration.json": "orchestration",
    "processing.json": "processing",
    "execution-logs.json": "monitoring",
    "execution-history-search.json": "monitoring",
    "observability-metrics.json": "monitoring",
    "oauth.json": "security",
}
METHODS = ("get", "post", "put", "patch", "delete")

# /tmc/v1.2 has no machine-readable document; this list follows the legacy
# executables/executions layout (TMC-API-NOTES section 5).
V12_OPERATIONS = [
    ("get", "/executables", "getAvailableExecutables"),
    ("get", "/executables/{id}", "getExecutable"),
    ("post", "/executions", "execute"),
    ("get", "/executions/{id}", "getExecutionStatus"),
    ("delete", "/executions/{id}", "terminateExecution"),
    ("get", "/executables/plans", "getAvailablePlans"),
    ("get", "/executables/plans/{id}", "getPlan"),
    ("post", "/executions/plans", "executePlan"),
    ("get", "/executions/plans/{id}", "getPlanExecutionStatus"),
    ("get", "/executables/promotions", "getAvailablePromotions"),
    ("get", "/executables/promotions/{id}", "getPromotion"),
    ("post", "/executions/promotions", "executePromotion"),
    ("get", "/executions/promotions/{id}", "getPromotionExecutionStatus"),
]


def fallback_operation_id(method: str, path: str) -> str:
    """A stable id for operations the documents leave unnamed."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return method + "".join(w[:1].upper() + w[1:] for w in words)


def derive() -> list[dict]:
    operations = []
    for filename, family in DOCUMENTS.items():
        doc = json.loads((REFERENCE / "talend-2021-03" / filename).read_text())
        for path, item in doc["paths"].items():
            for method in METHODS:
                if method in item:
                    op_id = item[method].get("operationId") or fallback_operation_id(method, path)
                    operations.append({"family": family, "method": method.upper(), "path": path,
                                       "operationId": op_id, "source": filename})
    legacy = json.loads((REFERENCE / "tmc-v2.6.reconstructed.swagger.json").read_text())
    for path, item in legacy["paths"].items():
        for method in METHODS:
            if method in item:
                op_id = item[method].get("operationId") or fallback_operation_id(method, path)
                operations.append({"family": "legacy-v2", "method": method.upper(),
                                   "path": "/tmc/v2.6" + path, "operationId": op_id,
                                   "source": "tmc-v2.6.reconstructed.swagger.json"})
    for method, path, op_id in V12_OPERATIONS:
        operations.append({"family": "legacy-v1.2", "method": method.upper(),
                           "path": "/tmc/v1.2" + path, "operationId": op_id,
                           "source": "TMC-API-NOTES.md section 5"})
    # Beyond the documents: a path real clients call although Processing does not
    # publish it (TMC-API-NOTES 9.7).
    operations.append({"family": "processing", "method": "GET", "path": "/processing/executables/tasks",
                       "operationId": "getAvailableTasksProcessingAlias",
                       "source": "TMC-API-NOTES.md 9.7"})
    return operations


def main() -> int:
    if not REFERENCE.is_dir():
        print(f"reference documents not found at {REFERENCE}", file=sys.stderr)
        return 1
    operations = derive()
    OUT.write_text(json.dumps(operations, indent=1) + "\n")
    print(f"wrote {len(operations)} operations to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
