"""The pages a person opens (issue 21): the landing page at / and /_mocktmc/, HTML for a browser and JSON for a
program, and the API browser at /_mocktmc/docs with the contracts it reads and Swagger UI's assets; all open on a
server whose control plane is closed, and nothing else with them. The Flask test client checks every
/_mocktmc response against contracts/control.yaml (conftest.py)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

import mocktmc
from mocktmc.contract_documents import CONTRACTS, contract

from .conftest import START, make_app
from .errors import assert_error

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
LANDINGS = ("/", "/_mocktmc/")
HOST = "http://mock.example:8123"


class _Page(HTMLParser):
    """What a test reads of a page: each element's text by id, the links, the scripts and style sheets."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.links: dict[str, str] = {}  # id -> href
        self.loads: list[str] = []  # src of scripts, href of style sheets and icons
        self.scripts: list[str] = []  # inline script bodies
        self._open: list[str | None] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("id"):
            self.links[attributes["id"]] = attributes["href"] or ""
        if tag == "script":
            self._in_script = not attributes.get("src")
            if attributes.get("src"):
                self.loads.append(attributes["src"] or "")
        if tag == "link":
            self.loads.append(attributes["href"] or "")
        if tag not in ("meta", "link", "br", "img", "input"):
            self._open.append(attributes.get("id"))
            if attributes.get("id"):
                self.text[attributes["id"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if self._open and tag not in ("meta", "link", "br", "img", "input"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        for element in self._open:
            if element:
                self.text[element] += data


def landing_json(client, path: str = "/", **headers: str) -> dict:
    response = client.get(path, headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json", response.get_data(as_text=True)
    assert "Accept" in response.vary
    return response.json


@pytest.mark.parametrize("path", LANDINGS)
def test_a_program_gets_the_landing_page_as_json(path):
    app = make_app()
    client = app.test_client()
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}, {"Accept": "image/png"},
                   {"Accept": "text/html;q=0.5, application/json"}):
        about = landing_json(client, path, **accept)
        assert about["name"] == "mocktmc" and about["version"] == mocktmc.__version__
        assert (about["auth"], about["fidelity"], about["accounts"], about["controlPlane"]) == (
            "open", "observed", 1, "open")
        assert about["clock"] == client.get("/_mocktmc/clock").json  # the server clock, frozen at the tests' start
        assert about["clock"]["frozen"] is True and about["clock"]["nowMs"] == int(START.timestamp() * 1000)
        assert about["links"] == {"dashboard": "/_mocktmc/ui", "docs": "/_mocktmc/docs",
                                  "contracts": "/_mocktmc/contracts", "health": "/_mocktmc/health"}
        assert [entry["name"] for entry in about["contracts"]] == list(CONTRACTS)
        health = client.get("/_mocktmc/health").json
        assert {key: about[key] for key in health} == health


def test_the_landing_page_follows_the_server_it_describes():
    app = make_app(auth="isolated", fidelity="documented", control_token="s3cret")
    client = app.test_client()
    client.get("/orchestration/environments", headers={"Authorization": "Bearer someone-new"})  # a new account
    client.post("/_mocktmc/clock/advance", json={"seconds": 90}, headers={"Authorization": "Bearer s3cret"})
    about = landing_json(client)
    assert (about["auth"], about["fidelity"], about["accounts"], about["controlPlane"]) == (
        "isolated", "documented", 2, "control token")
    assert about["clock"]["nowMs"] == int(START.timestamp() * 1000) + 90_000
    page = _Page(client.get("/", headers={"Accept": BROWSER}).get_data(as_text=True))
    assert (page.text["auth"], page.text["fidelity"], page.text["accounts"], page.text["control-plane"]) == (
        "isolated", "documented", "2", "control token")
    assert page.text["clock-now"] == about["clock"]["now"]


@pytest.mark.parametrize("path", LANDINGS)
def test_a_browser_gets_the_landing_page_as_html(path):
    app = make_app()
    client = app.test_client()
    about = landing_json(client, path)
    for accept in (BROWSER, "text/html", "application/json;q=0.5, text/html"):
        response = client.get(path, headers={"Accept": accept}, base_url=HOST)
        assert response.status_code == 200 and response.mimetype == "text/html", accept
        assert "Accept" in response.vary and response.cache_control.no_cache
        page = _Page(response.get_data(as_text=True))
        assert page.text["version"] == mocktmc.__version__ and page.text["host"] == f"{HOST}/"
        assert (page.text["auth"], page.text["fidelity"], page.text["accounts"]) == ("open", "observed", "1")
        assert (page.text["clock-now"], page.text["clock-rate"], page.text["clock-frozen"]) == (
            about["clock"]["now"], str(about["clock"]["rate"]), "yes")
        assert {name: page.links[f"link-{name}"] for name in about["links"]} == about["links"]
        assert {name: page.links[f"docs-{name}"] for name in CONTRACTS} == {
            name: f"/_mocktmc/docs?urls.primaryName={name}" for name in CONTRACTS}
        assert not [src for src in page.loads if "//" in src]  # nothing from another site: it works offline


def swagger_config(html: str) -> dict:
    """The configuration the docs page gives Swagger UI (rendered into its inline script as JSON)."""
    script = next(body for body in _Page(html).scripts if "SwaggerUIBundle(" in body)
    found = re.search(r"Object\.assign\((\{.*?\}), \{\n", script, re.S)
    assert found, script
    return json.loads(found.group(1))


def test_the_api_browser_names_every_contract_and_loads_only_this_server():
    client = make_app().test_client()
    response = client.get("/_mocktmc/docs", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    config = swagger_config(html)
    assert config["urls"] == [{"name": name, "url": f"/_mocktmc/docs/{name}.json"} for name in CONTRACTS]
    assert config["urls.primaryName"] == "orchestration"
    assert config["validatorUrl"] is None  # no document goes to Swagger's online validator
    page = _Page(html)
    assert page.links["home"] == "/_mocktmc/"
    assets = [src for src in page.loads]
    assert {"/_mocktmc/docs/assets/swagger-ui-bundle.js", "/_mocktmc/docs/assets/swagger-ui.css",
            "/_mocktmc/docs/assets/swagger-ui-standalone-preset.js"} <= set(assets)
    for src in assets:  # every file the page loads is served here, with its type
        asset = client.get(src)
        assert asset.status_code == 200, src
        expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}[src.rsplit(".", 1)[1]]
        assert asset.mimetype == expected and len(asset.get_data()) > 100, src


def test_the_api_browser_opens_on_the_contract_asked_for():
    client = make_app().test_client()
    for name in CONTRACTS:
        html = client.get(f"/_mocktmc/docs?urls.primaryName={name}").get_data(as_text=True)
        assert swagger_config(html)["urls.primaryName"] == name
    assert_error(client.get("/_mocktmc/docs?urls.primaryName=billing"), 400, "urls.primaryName")


def test_every_contract_is_served_to_the_browser_with_this_server_as_its_server():
    client = make_app().test_client()
    for name in CONTRACTS:
        response = client.get(f"/_mocktmc/docs/{name}.json", base_url=HOST)
        assert response.status_code == 200 and response.mimetype == "application/json"
        served = response.json
        assert served["servers"] == [{"url": HOST, "description": "this mocktmc server"}]
        assert served["paths"] == contract(name)["paths"]
        # Authorize asks for what the family takes: a bearer token (TMC's own, or the control plane's control
        # token), and for the token endpoint the service account's id and secret.
        schemes = {scheme["scheme"] for scheme in served["components"]["securitySchemes"].values()}
        assert schemes == ({"basic", "bearer"} if name == "security" else {"bearer"}), (name, schemes)
        # Another host name, another server; the contract the mock checks requests by is left as it was.
        assert client.get(f"/_mocktmc/docs/{name}.json", base_url="http://127.0.0.1:9").json["servers"] == [
            {"url": "http://127.0.0.1:9", "description": "this mocktmc server"}]
        assert contract(name)["servers"][0] == {"url": "http://127.0.0.1:8080"}
    assert "securitySchemes" not in contract("control").get("components", {})
    assert client.get("/_mocktmc/docs/control.json").json["components"]["securitySchemes"] == {
        "ControlToken": {"type": "http", "scheme": "bearer",
                         "description": "The control token, on a server started with one"}}
    assert_error(client.get("/_mocktmc/docs/billing.json"), 404, "No contract 'billing'")


def test_only_swagger_uis_scripts_styles_and_icons_are_served():
    client = make_app().test_client()
    first = client.get("/_mocktmc/docs/assets/swagger-ui-bundle.js")
    assert first.status_code == 200 and "SwaggerUIBundle" in first.get_data(as_text=True)
    again = client.get("/_mocktmc/docs/assets/swagger-ui-bundle.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # a browser's reload fetches nothing new
    for name in ("LICENSE", "VERSION", "oauth2-redirect.html", "nope.js", "swagger-ui.js.map"):
        assert_error(client.get(f"/_mocktmc/docs/assets/{name}"), 404, f"No asset '{name}'")


def test_a_closed_control_plane_still_shows_its_pages_and_nothing_more():
    client = make_app(control_token="s3cret").test_client()
    for path in ("/", "/_mocktmc/", "/_mocktmc/docs", "/_mocktmc/docs?urls.primaryName=control",
                 "/_mocktmc/docs/control.json", "/_mocktmc/docs/assets/swagger-ui.css", "/_mocktmc/ui",
                 "/_mocktmc/ui/static/dashboard.js"):
        assert client.get(path, headers={"Accept": BROWSER}).status_code == 200, path
    assert client.get("/_mocktmc").status_code == 308  # to /_mocktmc/, which a browser follows
    for path in ("/_mocktmc/clock", "/_mocktmc/state", "/_mocktmc/requests", "/_mocktmc/accounts", "/_mocktmc/runs",
                 "/_mocktmc/uix", "/_mocktmc/ui/runs", "/_mocktmc/docsx", "/_mocktmc/documents"):
        assert_error(client.get(path, headers={"Accept": BROWSER}), 401, "needs the control token")
    # A path inside the pages' folder reaches no other control route.
    assert_error(client.get("/_mocktmc/docs/../state"), 404, "No operation")
    assert client.get("/_mocktmc/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200
