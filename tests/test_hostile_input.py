"""Hostile input (issue 20, rows 1-5): each is refused with a 400/413 naming the limit or rule, and changes nothing."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mocktmc.cli import main
from mocktmc.domain import fixtures
from mocktmc.domain.fixtures import FixtureError, load_fixture

from .conftest import DEV_ENV, LOAD_CUSTOMERS, Api, make_app
from .errors import assert_error

RUNS = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
TASK = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"


def _alias_bomb(levels: int = 9) -> str:
    """The reporter's 254-byte kind: each level a list of nine aliases of the one before (9**9 strings)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _deep(levels: int) -> str:
    return "account: " + "[" * levels + "]" * levels + "\n"


def _never_expanded(*args, **kwargs):
    raise AssertionError("the fixture was read into data before its limits were checked")


def test_row1_a_yaml_alias_bomb_is_refused_before_it_expands(api, tmp_path, monkeypatch):
    # Bounded work: the refusal comes from the YAML events alone; the nodes are never turned into data.
    monkeypatch.setattr(fixtures, "_to_python", _never_expanded)
    bomb = _alias_bomb()
    refused = api.client.post("/_mocktmc/fixtures", data=bomb, content_type="application/yaml")
    assert_error(refused, 400, "request body:2: YAML aliases (*a0) are not allowed in fixture worlds")
    assert api.get(TASK).json["name"] == "Load customers"  # the world is the one it was

    # From a file: the same rule, and `serve` stops with it instead of starting.
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(FixtureError, match=r"bomb.yaml:2: YAML aliases \(\*a0\) are not allowed"):
        load_fixture(str(path))
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--fixtures", str(path)])
    assert result.exit_code == 2 and "cannot load the fixture world" in result.output, result.output
    assert "YAML aliases (*a0) are not allowed" in result.output


def test_row1_fixture_size_and_node_limits(api, tmp_path, monkeypatch):
    monkeypatch.setattr(fixtures, "MAX_FIXTURE_NODES", 5)
    many = "users: [{login: a@x.test}, {login: b@x.test}, {login: c@x.test}]\n"
    assert_error(api.client.post("/_mocktmc/fixtures", data=many, content_type="application/yaml"),
                 400, "more than 5 YAML nodes, the limit of a fixture world")
    monkeypatch.setattr(fixtures, "MAX_FIXTURE_BYTES", 20)
    path = tmp_path / "big.yaml"
    path.write_text(many, encoding="utf-8")
    with pytest.raises(FixtureError, match="fixture worlds are limited to 20 bytes"):
        load_fixture(str(path))
    assert api.get(TASK).json["name"] == "Load customers"


def test_row2_a_number_too_long_is_a_400_naming_the_rule(api):
    before = api.get(RUNS).json["total"]
    digits = "9" * 4301  # past Python's int-conversion limit, which was a 500
    cases = [
        ("/processing/executions", f'{{"executable": "{LOAD_CUSTOMERS}", "timeout": {digits}}}', "column 55"),
        ("/tmc/v1.2/executions", f'{{"executable": "{LOAD_CUSTOMERS}", "timeout": {digits}}}', "column 55"),
        ("/monitoring/observability/executions/search",
         f'{{"environmentId": "{DEV_ENV}", "category": "ETL",\n "limit": -{digits}.5e3}}', "line 2, column 11"),
        ("/security/oauth/token", f'{{"grant_type": {digits}}}', "column 16"),
        ("/_mocktmc/fixtures", f'{{"account": {{"name": {digits}}}}}', "column 22"),
    ]
    for path, body, where in cases:
        refused = api.post(path, data=body, headers={**api.headers, "Content-Type": "application/json"})
        assert_error(refused, 400, "numbers are limited to 1000 characters", where)
    # Without the contract checks (--validate off) the handlers read bodies the same way (the token endpoint
    # then asks for its Basic credentials first).
    unchecked = Api(make_app(validate="off"))
    for path, body, where in [case for case in cases if case[0] != "/security/oauth/token"]:
        refused = unchecked.post(path, data=body, headers={**api.headers, "Content-Type": "application/json"})
        assert_error(refused, 400, "numbers are limited to 1000 characters", where)
    # A number of 1000 characters is read as a number; its field's own rule refuses it.
    assert_error(api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "timeout": int("9" * 1000)}),
                 400, "timeout")
    assert api.get(RUNS).json["total"] == before
    assert api.get(TASK).json["name"] == "Load customers"


def test_row3_text_that_is_not_text_is_refused_at_the_door(api):
    task = api.get(TASK).json
    renamed = {"name": "Load \ud800 customers"}  # json= writes it as the escape \ud800, as a client would
    assert_error(api.client.patch(TASK, json=renamed, headers=api.headers), 400,
                 "Field 'name' holds a lone UTF-16 surrogate")
    nested = {"executable": LOAD_CUSTOMERS, "parameters": {"ok": "fine", "bad": ["x", "\udc00"]}}
    assert_error(api.post("/processing/executions", json=nested), 400, "Field 'parameters.bad[1]' holds a lone")
    # A pair is a character: accepted.
    assert api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS,
                                                    "parameters": {"emoji": "\ud83d\ude00"}}).status_code == 201
    # Query strings and paths: bytes that are not UTF-8 (a surrogate's CESU bytes among them) are refused,
    # not read as U+FFFD.
    assert_error(api.get("/orchestration/executables/tasks?name=%ED%A0%80"), 400,
                 "The query string is not UTF-8 text")
    # A WSGI server hands the path's bytes on as Latin-1 (the test client would have replaced them already).
    bad_path = api.get("/processing/executions/x",
                       environ_overrides={"PATH_INFO": "/processing/executions/\xed\xa0\x80"})
    assert_error(bad_path, 400, "The request path is not UTF-8 text")
    assert api.get(TASK).json == task
    download = api.post("/monitoring/observability/executions/download",
                        json={"environmentId": DEV_ENV, "category": "ETL"})
    assert download.status_code == 200 and "Load customers" in download.get_data(as_text=True)


def test_row4_a_fixture_nested_500_deep_is_a_400_naming_the_limit(api, monkeypatch):
    monkeypatch.setattr(fixtures, "_to_python", _never_expanded)
    deep = [(_deep(500), "application/yaml"),
            ('{"account": ' + "[" * 500 + "]" * 500 + "}", "application/json")]
    for body, content_type in deep:
        refused = api.client.post("/_mocktmc/fixtures", data=body, content_type=content_type)
        assert_error(refused, 400, "the fixture nests deeper than 32 levels, the limit of a fixture world")
    assert api.get(TASK).json["name"] == "Load customers"


def test_row5_json_bodies_and_run_parameters_are_bounded(api):
    before = api.get(RUNS).json["total"]
    # The reporter's 10 MB body: refused on its Content-Length, before it is read into objects.
    pairs = b",".join(b'"p%07d":"v"' % i for i in range(700_000))
    huge = b'{"executable": "%s", "parameters": {%s}}' % (LOAD_CUSTOMERS.encode(), pairs)
    assert len(huge) > 10_000_000
    refused = api.post("/processing/executions", data=huge, headers={**api.headers, "Content-Type": "application/json"})
    assert_error(refused, 413, f"The JSON body has {len(huge)} bytes", "limited to 1048576 bytes", "--json-limit")
    # Under the JSON limit, a run still keeps at most 1000 parameters.
    many = {f"p{i}": "v" for i in range(1001)}
    assert_error(api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "parameters": many}),
                 400, "parameters: a run takes at most 1000 context parameters, got 1001")
    assert api.get(RUNS).json["total"] == before
    many.pop("p1000")
    assert api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "parameters": many}).status_code \
        == 201


def test_the_json_limit_is_configurable_and_spares_snapshots():
    api = Api(make_app(json_limit=100))
    snapshot = api.client.get("/_mocktmc/state")
    assert len(snapshot.get_data()) > 100
    assert_error(api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "logLevel": "INFO" * 30}),
                 413, "JSON bodies are limited to 100 bytes (mocktmc serve --json-limit, MOCKTMC_JSON_LIMIT)")
    assert api.client.put("/_mocktmc/state", data=snapshot.get_data(), content_type="application/json").status_code \
        == 200
    assert api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
