"""The legacy API (/tmc/v2.2 to /tmc/v2.6, and /tmc/v1.2 with /tmc/v1.3), served by the 2021-03 handlers.

`install` adds one URL rule per legacy operation of routes.py. Its view renames the path
parameters, calls the handler of the 2021-03 operation and lets the operation's adapter, if any,
reshape the answer into the v2.6 layout. Everything else is shared with 2021-03: the same world,
authentication, journal and faults; requests are checked against the legacy contract (the path
says which), and errors take the v2.6 body {status, message, code, details, requestId, url}.
"""
from __future__ import annotations

import re
from typing import Callable, cast

from flask import Flask, request
from flask.typing import ResponseReturnValue

from .. import body_fields, context
from ...errors import NotFound
from ...inventory import flask_rule
from .adapters import ADAPTERS
from .routes import ROUTES, LegacyRoute

_NAMES = re.compile(r"\{([^}]+)\}")


def install(app: Flask) -> None:
    """Route every legacy operation of routes.py to the handler of its 2021-03 counterpart."""
    endpoints = {(rule.rule, method): rule.endpoint
                 for rule in app.url_map.iter_rules() for method in rule.methods or ()}
    for route in ROUTES:
        target = endpoints[(flask_rule(route.target_path), route.target_method)]
        # Flask's types admit async views; every view of this app is a plain function.
        handler = cast(Callable[..., ResponseReturnValue], app.view_functions[target])
        app.add_url_rule(flask_rule(route.path), endpoint=f"legacy {route.method} {route.path}",
                         view_func=_view(route, handler), methods=[route.method])


def _view(route: LegacyRoute, handler: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    renames = list(zip(_NAMES.findall(route.path), _NAMES.findall(route.target_path)))
    adapter = ADAPTERS[route.adapter] if route.adapter else None

    def view(**path: str) -> ResponseReturnValue:
        if path.get("legacyVersion") == "v1.3" and not context.quirk("legacy_v1_bare_arrays"):
            raise NotFound(f"No operation at {request.method} {request.path}")  # the documents know only v1.2
        arguments = {target: path[legacy] for legacy, target in renames}
        body_fields.serve_as(route.target_method, route.target_path)  # its handler reads the 2021-03 fields
        if adapter is None:
            return handler(**arguments)
        return adapter(lambda: handler(**arguments), **arguments)
    return view
