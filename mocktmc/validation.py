"""Checking traffic against contracts/ with openapi-core, the authority on the contracts.

The parsed documents and openapi-core's objects are built once per process (they are immutable),
never per request; so are the path lookups and schema validators openapi-core would otherwise redo for
every response (what it finds and makes depends on the URL and the schema alone, never on a response).
`check_response` is what the project's tests use to validate every response the mock gives; request
validation in the mock itself comes with `--validate`.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any, cast
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas import oas30_read_schema_validators_factory
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .contract_documents import contract, legacy_contract_path
from .domain.access import FORBIDDEN_MESSAGE as NOT_PERMITTED
from .families import FAMILY_PREFIXES, ContractViolation, family_of
from .inventory import NOT_IMPLEMENTED_HEADER

__all__ = ["FAMILY_PREFIXES", "ContractViolation", "check_response", "family_of", "response_problems"]
CHECK_HOST = "http://mocktmc.check"


# openapi-core's spec and schema objects are typed Any below: they are jsonschema-path's SchemaPath, a
# package mocktmc does not declare (openapi-core brings it).
class _RememberingPathFinder(APICallPathFinder):
    """openapi-core's path finder, remembering what it found: finding a URL's operation walks the contract's
    path templates one by one (about a third of what a check costs), and what it finds depends on the
    method and the URL alone. Not found is not remembered: it raises, as before, every time."""

    def __init__(self, spec: Any, base_url: str | None = None) -> None:
        super().__init__(spec, base_url)
        self._found = lru_cache(maxsize=8192)(super().find)

    def find(self, method: str, name: str) -> PathOperationServer:
        return self._found(method, name)


class _RememberingSchemaValidators:
    """The schema validators openapi-core makes for 3.0 responses, made once per schema: openapi-core makes
    a new one (a deep copy of the format checker, a new jsonschema validator) for every value it checks,
    although it depends only on the schema and the options, and validating leaves it unchanged. It hands
    `create` on to openapi-core's own factory, whatever options that takes."""

    def __init__(self, factory: SchemaValidatorsFactory) -> None:
        self._factory = factory
        self._made: dict[tuple, SchemaValidator] = {}
        self._lock = threading.Lock()  # `--validate all` checks from waitress' threads

    def create(self, spec: Any, schema: Any, *args: Any, **kwargs: Any) -> SchemaValidator:
        # The options are flags and dicts of format validators that live as long as the validator.
        key = (id(spec), schema.parts, tuple(_option(value) for value in args),
               tuple(sorted((name, _option(value)) for name, value in kwargs.items())))
        with self._lock:
            made = self._made.get(key)
        if made is None:
            made = self._factory.create(spec, schema, *args, **kwargs)
            with self._lock:
                made = self._made.setdefault(key, made)
        return made

    def __getattr__(self, name: str) -> Any:  # anything else asked of a factory is openapi-core's
        return getattr(self._factory, name)


def _option(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, str)) else id(value)


class _ResponseValidator(V30ResponseValidator):
    """openapi-core's own 3.0 response validation, finding paths and making schema validators once."""
    path_finder_cls = _RememberingPathFinder
    # Duck-typed: it answers `create` itself and hands anything else to the factory it wraps.
    schema_validators_factory = cast(SchemaValidatorsFactory,
                                     _RememberingSchemaValidators(oas30_read_schema_validators_factory))


@lru_cache(maxsize=None)
def _openapi(family: str) -> OpenAPI:
    spec = dict(contract(family))
    # Requests are matched on their path alone, whatever host served them.
    spec["servers"] = [{"url": CHECK_HOST}]
    return OpenAPI.from_dict(spec, config=Config(response_validator_cls=_ResponseValidator))


class _RouteOnlyRequest:
    """What openapi-core needs of a request to find its operation; the body was read by the app."""

    def __init__(self, method: str, path: str, query: str, content_type: str) -> None:
        self.host_url = CHECK_HOST
        self.path = path
        self.method = method.lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
                                            header=Headers(), cookie=ImmutableMultiDict(), path={})
        self.content_type = content_type
        self.body = b""


def check_response(method: str, path: str, query: str, response) -> bool:
    """Validate a werkzeug response to `method path` against its family's contract.

    Returns False when no contract operation covers the request (unknown path or method, control
    plane) or the operation is not simulated yet (NOT_IMPLEMENTED_HEADER); raises
    ContractViolation when the response breaks the contract.
    """
    family = family_of(path)
    if family is None or NOT_IMPLEMENTED_HEADER in response.headers:
        return False
    if response.status_code == 413:
        # A body over a size limit (--json-limit, --upload-limit) is refused before any operation reads it, as
        # TMC's gateway refuses it: any operation that takes a body can answer 413, though the published
        # documents declare it only beside their upload limits.
        return False
    if response.status_code == 403 and NOT_PERMITTED in response.get_data(as_text=True):
        # The permissions table's refusal (api/authorization.py) can come from any operation, as TMC's can, though
        # one published operation declares no 403 (TMC-API-NOTES §10.5).
        return False
    try:
        return _validate_response(family, method, path, query, response)
    except Exception as exc:  # openapi-core's validation errors: the response breaks the contract
        causes = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [exc.__cause__] if e)
        raise ContractViolation(f"{method} {path} -> {response.status_code}: {exc}"
                                f"{' (' + causes + ')' if causes else ''}\n{response.get_data(as_text=True)[:500]}")


def _validate_response(family: str, method: str, path: str, query: str, response) -> bool:
    """openapi-core's check of a response against its family's contract: False when no operation of the contract
    covers the request; raises openapi-core's error when the response breaks it. One place for check_response (the
    mock's own answers) and response_problems (the proxied service's)."""
    # /tmc/v2.2 to /tmc/v2.5 serve the v2.6 layout and /tmc/v1.3 the v1.2 one, which the legacy contract describes.
    request = _RouteOnlyRequest(method, legacy_contract_path(path), query, "")
    try:
        _openapi(family).validate_response(request, WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        return False
    return True


PROBLEM_LIMIT = 300  # characters of a value quoted in a problem's message


def response_problems(method: str, path: str, query: str, response) -> list[tuple[str, str]] | None:
    """How a werkzeug response to `method path` breaks its contract, for the proxy (mocktmc/proxy/): a list of
    (kind, message), kind one of status, content type, header, body; [] when the response keeps the contract;
    None when no contract operation covers the request, or for a 413 (as check_response). A message names the
    field and quotes at most PROBLEM_LIMIT characters of a value, never the whole body."""
    family = family_of(path)
    if family is None or response.status_code == 413:
        return None
    try:
        if not _validate_response(family, method, path, query, response):
            return None
    except ResponseNotFound:
        return [("status", f"status {response.status_code} is not declared for {method} {path}")]
    except Exception as exc:  # openapi-core's validation errors
        errors = list(getattr(exc, "schema_errors", None) or getattr(exc.__cause__, "schema_errors", None) or [])
        if errors:
            return [("body", _schema_problem(error)) for error in errors]
        name = f"{type(exc).__name__} {type(exc.__cause__).__name__}"
        kind = "header" if "Header" in name else "content type" if "MediaType" in name else "body"
        return [(kind, _cut(str(exc.__cause__ or exc)))]
    return []


def _schema_problem(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"body{' field ' + repr(where) if where else ''}: {_cut(error.message)}"


def _cut(text: str) -> str:
    return text if len(text) <= PROBLEM_LIMIT else text[:PROBLEM_LIMIT] + "..."
