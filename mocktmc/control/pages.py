"""The pages a person opens in a browser: the landing page (`/`, `/_mocktmc/`) and the API browser
(`/_mocktmc/docs`), Swagger UI over the contracts this server answers to.

Swagger UI's files come from the flask-swagger-ui package (its `dist` folder, the upstream build), served here
under `/_mocktmc/docs/assets/`: nothing is fetched from another site, so the pages work offline. Only its files
are used, not its blueprint, so that every address here is one contracts/control.yaml describes."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request, send_from_directory

from .. import __version__
from ..api import context
from ..contract_documents import CONTRACTS, contract
from ..errors import BadRequest, NotFound
from .routes import server_status

bp = Blueprint("control_pages", __name__, template_folder="templates")

DOCS = "/_mocktmc/docs"
ASSETS = f"{DOCS}/assets"
LINKS = {"dashboard": "/_mocktmc/ui", "docs": DOCS, "contracts": "/_mocktmc/contracts", "health": "/_mocktmc/health"}
# The asset types the API browser loads, each with the type it is served as (fixed here, rather than read from
# the machine's mimetypes table, which names JavaScript differently from one system to the next).
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
# Swagger UI's query parameter for the contract its selector shows (it keeps it in the address bar as one picks).
CONTRACT_PARAMETER = "urls.primaryName"


@lru_cache(maxsize=1)
def _swagger_dist() -> Path:
    """Swagger UI's build, as the installed flask-swagger-ui holds it; looked for on first use, so that a
    server nobody browses never imports it."""
    return Path(str(resources.files("flask_swagger_ui").joinpath("dist")))


@lru_cache(maxsize=1)
def _assets() -> frozenset[str]:
    """The files of the build that are served: scripts, style sheets and icons, nothing else it ships."""
    return frozenset(path.name for path in _swagger_dist().iterdir()
                     if path.is_file() and path.suffix in ASSET_TYPES)


def _wants_html() -> bool:
    """A browser's page: only when the client prefers HTML to JSON (curl's */* gets JSON, as does no Accept)."""
    accepted = request.accept_mimetypes
    return accepted.quality("text/html") > accepted.quality("application/json")


@bp.get("/")
@bp.get("/_mocktmc/")
def landing():
    """What is running and where to go from here, for a person (HTML) or a program (JSON)."""
    status = server_status()
    closed = bool(context.state().settings.control_token)
    about = {"name": "mocktmc", **status, "controlPlane": "control token" if closed else "open",
             "links": LINKS, "contracts": [{"name": name, "docs": _docs_of(name)} for name in CONTRACTS]}
    if _wants_html():
        response = Response(render_template("mocktmc_pages/landing.html", about=about, host=request.host_url),
                            mimetype="text/html")
    else:
        response = jsonify(about)
    response.vary.add("Accept")  # the same address answers a browser and a program differently
    response.cache_control.no_cache = True  # the clock and the account count move on
    return response


def _docs_of(name: str) -> str:
    return f"{DOCS}?{CONTRACT_PARAMETER}={name}"


@bp.get(DOCS)
def api_browser():
    """Swagger UI with a selector of every contract; `?urls.primaryName=` picks the one shown first."""
    shown = request.args.get(CONTRACT_PARAMETER, CONTRACTS[0])
    if shown not in CONTRACTS:
        raise BadRequest(f"No contract {shown!r}; contracts: {', '.join(CONTRACTS)}")
    config = {"urls": [{"name": name, "url": f"{DOCS}/{name}.json"} for name in CONTRACTS],
              CONTRACT_PARAMETER: shown,
              "deepLinking": True,
              # The token given in Authorize outlives a change of contract or a reload (a mock's tokens only).
              "persistAuthorization": True,
              "displayRequestDuration": True,
              # Swagger UI would otherwise send every document to an online validator for its badge.
              "validatorUrl": None}
    return Response(render_template("mocktmc_pages/docs.html", config=config, assets=ASSETS, version=__version__),
                    mimetype="text/html")


@bp.get(f"{DOCS}/<name>.json")
def api_browser_contract(name: str):
    """A contract as the API browser reads it: its server is this one, as the browser reached it, so that
    "Try it out" calls the mock."""
    if name not in CONTRACTS:
        raise NotFound(f"No contract {name!r}; contracts: {', '.join(CONTRACTS)}")
    return Response(_served_contract(name, request.host_url.rstrip("/")), mimetype="application/json")


@lru_cache(maxsize=32)  # per contract and per host name a browser used: a few
def _served_contract(name: str, server: str) -> str:
    document = copy.copy(contract(name))  # the shared parse stays as it is: only top-level keys are replaced
    document["servers"] = [{"url": server, "description": "this mocktmc server"}]
    if "securitySchemes" not in document.get("components", {}):
        # The control plane takes the control token as a bearer token (when the server has one): Authorize
        # offers it there too.
        document["components"] = {**document.get("components", {}), "securitySchemes": {
            "ControlToken": {"type": "http", "scheme": "bearer",
                             "description": "The control token, on a server started with one"}}}
        document["security"] = [{"ControlToken": []}]
    return json.dumps(document, separators=(",", ":"))


@bp.get(f"{ASSETS}/<file>")
def api_browser_asset(file: str):
    """A file of Swagger UI's build (script, style sheet, icon)."""
    if file not in _assets():
        raise NotFound(f"No asset {file!r} of the API browser")
    return send_from_directory(_swagger_dist(), file, mimetype=ASSET_TYPES[Path(file).suffix])
