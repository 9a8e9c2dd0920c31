"""Hostile input (issue 20, rows 1-5): each is refused with a 400/413 naming the limit or rule, and changes nothing."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mocktmc.cli import main
from mocktmc.domain import fixtures
from mocktmc.domain.fixtures import FixtureError, load_fixture

from .conftest import LOAD_CUSTOMERS
from .errors import assert_error

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


def test_row4_a_fixture_nested_500_deep_is_a_400_naming_the_limit(api, monkeypatch):
    monkeypatch.setattr(fixtures, "_to_python", _never_expanded)
    deep = [(_deep(500), "application/yaml"),
            ('{"account": ' + "[" * 500 + "]" * 500 + "}", "application/json")]
    for body, content_type in deep:
        refused = api.client.post("/_mocktmc/fixtures", data=body, content_type=content_type)
        assert_error(refused, 400, "the fixture nests deeper than 32 levels, the limit of a fixture world")
    assert api.get(TASK).json["name"] == "Load customers"