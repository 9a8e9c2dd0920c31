"""A negative test names what the error says: no refused request is asserted on its status code alone.

An AST scan of tests/: an `assert` that compares `X.status_code` (or an exception's `.status`) with a 4xx
is status-only when X is a request made inline, or a response (or exception) that the test never reads
otherwise: its body, its headers, or handing it to a helper such as tests/errors.py's assert_error.
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
STATUS = ("status_code", "status")


def _is_4xx(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return 400 <= node.value < 500
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_4xx(element) for element in node.elts)
    return isinstance(node, ast.Name)  # a parametrized status: its table holds 4xx (scan errs on the safe side)


def _status_subjects(test: ast.AST) -> list[ast.AST]:
    """The X of every `X.status_code == <4xx>` in an assert's test."""
    subjects = []
    for compare in (n for n in ast.walk(test) if isinstance(n, ast.Compare)):
        operands = [compare.left, *compare.comparators]
        statuses = [o for o in operands if isinstance(o, ast.Attribute) and o.attr in STATUS]
        others = [o for o in operands if o not in statuses]
        if statuses and any(_is_4xx(o) for o in others):
            subjects += [s.value for s in statuses]
    return subjects


def _status_only(function: ast.FunctionDef) -> list[int]:
    """Lines of the asserts in `function` that check a refused request's status and nothing it says."""
    in_messages = {id(n) for a in ast.walk(function) if isinstance(a, ast.Assert) and a.msg
                   for n in ast.walk(a.msg)}
    status_reads = {id(n.value) for n in ast.walk(function) if isinstance(n, ast.Attribute) and n.attr in STATUS}
    stores: dict[str, list[tuple[int, int]]] = {}
    reads: list[tuple[str, int, int]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores.setdefault(node.id, []).append((node.lineno, node.col_offset))
        elif isinstance(node, ast.Name) and id(node) not in status_reads and id(node) not in in_messages:
            reads.append((node.id, node.lineno, node.col_offset))
    found = []
    for statement in (n for n in ast.walk(function) if isinstance(n, ast.Assert)):
        for subject in _status_subjects(statement.test):
            if isinstance(subject, ast.Call):
                found.append(statement.lineno)  # made inline: nothing else can read it
            elif isinstance(subject, ast.Name):
                at = (subject.lineno, subject.col_offset)
                start = max((s for s in stores.get(subject.id, []) if s <= at), default=(0, 0))
                end = min((s for s in stores.get(subject.id, []) if s > at), default=(10 ** 9, 0))
                if not any(name == subject.id and start < (line, col) < end for name, line, col in reads):
                    found.append(statement.lineno)
            else:  # an attribute chain such as caught.value
                key = ast.unparse(subject)
                if not any(id(n) not in in_messages and (
                        (isinstance(n, ast.Attribute) and n.attr not in STATUS and ast.unparse(n.value) == key)
                        or (isinstance(n, ast.Call) and any(ast.unparse(a) == key for a in n.args)))
                        for n in ast.walk(function)):
                    found.append(statement.lineno)
    return found


def status_only_assertions(root: Path = TESTS) -> list[str]:
    found = set()
    for path in sorted(root.glob("test_*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.update((path.name, line, function.name) for line in _status_only(function))
    return [f"{name}:{line} ({function})" for name, line, function in sorted(found)]


def test_no_negative_test_asserts_only_a_status_code():
    found = status_only_assertions()
    assert not found, ("these asserts check a refused request's status and not what its error names; "
                       "use tests/errors.py's assert_error(response, status, fragment...):\n" + "\n".join(found))


def test_the_scan_finds_a_status_only_assert(tmp_path):
    (tmp_path / "test_sample.py").write_text('''
def test_inline(api):
    assert api.get("/x/nope").status_code == 404

def test_named(api):
    response = api.get("/x/nope")
    assert response.status_code == 404, response.json

def test_parametrized(api, status):
    assert api.get("/x").status_code == status

def test_named_then_read(api):
    response = api.get("/x/nope")
    assert response.status_code == 404 and "x nope" in response.json["detail"]

def test_handed_to_a_helper(api):
    assert_error(api.get("/x/nope"), 404, "x nope")

def test_success(api):
    assert api.get("/x").status_code == 200
''')
    assert status_only_assertions(tmp_path) == ["test_sample.py:3 (test_inline)", "test_sample.py:7 (test_named)",
                                                "test_sample.py:10 (test_parametrized)"]
