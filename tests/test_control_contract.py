"""contracts/control.yaml and the control plane's routes describe the same operations; contracts are served."""
import json
from pathlib import Path

import yaml

from mocktmc.contract_documents import CONTRACTS, contract

from .errors import assert_error


def control_routes(app):
    """mocktmc's own routes: the control plane, and the landing page at / (pages.py)."""
    return {(rule.rule.replace("<", "{").replace(">", "}"), method)
            for rule in app.url_map.iter_rules()
            if (rule.rule.startswith("/_mocktmc") or rule.rule == "/")
            and not rule.endpoint.endswith(".static")  # a page's assets
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_control_contract_matches_the_routes(app):
    # This checkout's contracts/control.yaml, which describes this checkout's routes (an editable install of
    # another checkout would give its own through contract()).
    document = yaml.safe_load((Path(__file__).resolve().parent.parent / "contracts" / "control.yaml").read_text())
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    assert documented == control_routes(app)


def test_contracts_are_served_as_yaml_and_json(api):
    listing = api.client.get("/_mocktmc/contracts").json
    assert [entry["name"] for entry in listing] == list(CONTRACTS)
    for entry in listing:
        as_yaml = api.client.get(entry["yaml"])
        assert as_yaml.status_code == 200 and as_yaml.mimetype == "application/yaml"
        as_json = api.client.get(entry["json"])
        assert as_json.status_code == 200 and as_json.mimetype == "application/json"
        assert yaml.safe_load(as_yaml.get_data(as_text=True)) == json.loads(as_json.get_data(as_text=True))
        assert as_json.json["openapi"].startswith("3.0")


def test_unknown_contract_is_404(api):
    for name in ("nope.yaml", "processing.xml", "processing"):
        response = api.client.get(f"/_mocktmc/contracts/{name}")
        assert_error(response, 404, f"No contract '{name}'; contracts: orchestration.yaml, processing.yaml")


def test_every_link_names_an_operation_and_one_of_its_path_parameters():
    from mocktmc.contract_documents import TMC_CONTRACTS
    links = 0
    for name in TMC_CONTRACTS:
        doc = contract(name)
        by_id = {op["operationId"]: (path, item, op) for path, item in doc["paths"].items()
                 for method, op in item.items() if method != "parameters"}
        for _, item in doc["paths"].items():
            for method, op in item.items():
                if method == "parameters":
                    continue
                for response in op["responses"].values():
                    for link in response.get("links", {}).values():
                        path, target_item, target = by_id[link["operationId"]]
                        declared = {p["name"] for p in target_item.get("parameters", []) + target.get("parameters", [])
                                    if p.get("in") == "path"}
                        assert set(link["parameters"]) <= declared and f"{{{next(iter(link['parameters']))}}}" in path
                        links += 1
    assert links > 100


def test_every_contract_is_valid_openapi():
    """Needs no reference documents: runs wherever the package is."""
    from openapi_spec_validator import validate
    for name in CONTRACTS:
        validate(contract(name))
