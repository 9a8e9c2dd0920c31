"""GET /_mocktmc/contracts[/<name>.yaml|.json]: the contracts this server answers to."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..errors import NotFound
from ..contract_documents import CONTRACTS, contract_json, contract_text

bp = Blueprint("control_contracts", __name__, url_prefix="/_mocktmc")


@bp.get("/contracts")
def list_contracts():
    return jsonify([{"name": name, "yaml": f"/_mocktmc/contracts/{name}.yaml",
                     "json": f"/_mocktmc/contracts/{name}.json"} for name in CONTRACTS])


@bp.get("/contracts/<file>")
def get_contract(file: str):
    name, _, extension = file.rpartition(".")
    if name not in CONTRACTS or extension not in ("yaml", "json"):
        raise NotFound(f"No contract {file!r}; contracts: "
                       f"{', '.join(f'{n}.yaml' for n in CONTRACTS)} (or .json)")
    if extension == "yaml":
        return Response(contract_text(name), mimetype="application/yaml")
    return Response(contract_json(name), mimetype="application/json")
