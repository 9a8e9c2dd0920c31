"""Checking traffic against contracts/ with openapi-core, the authority on the contracts.

The parsed documents and openapi-core's objects are built once per process (they are immutable),
never per request. `ResponseChecker` is what the project's tests use to validate every response
the mock gives; request validation in the mock itself comes with `--validate`.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .contract_documents import contract, legacy_contract_path
from .inventory import NOT_IMPLEMENTED_HEADER

# Path prefix -> contract family.
FAMILY_PREFIXES = (("/orchestration/", "orchestration"), ("/processing/", "processing"),
                   ("/monitoring/", "monitoring"), ("/security/", "security"), ("/tmc/", "legacy"),
                   ("/_mocktmc/", "control"))
CHECK_HOST = "http://mocktmc.check"


class ContractViolation(AssertionError):
    """A response that breaks its contract."""


def family_of(path: str) -> str | None:
    return next((family for prefix, family in FAMILY_PREFIXES if path.startswith(prefix)), None)


@lru_cache(maxsize=None)
def _openapi(family: str) -> OpenAPI:
    spec = dict(contract(family))
    # Requests are matched on their path alone, whatever host served them.
    spec["servers"] = [{"url": CHECK_HOST}]
    return OpenAPI.from_dict(spec)


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
    # /tmc/v2.2 to /tmc/v2.5 serve the v2.6 layout and /tmc/v1.3 the v1.2 one, which the legacy contract describes.
    request = _RouteOnlyRequest(method, legacy_contract_path(path), query, "")
    try:
        _openapi(family).validate_response(request, WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        return False
    except Exception as exc:  # openapi-core's validation errors: the response breaks the contract
        causes = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [exc.__cause__] if e)
        raise ContractViolation(f"{method} {path} -> {response.status_code}: {exc}"
                                f"{' (' + causes + ')' if causes else ''}\n{response.get_data(as_text=True)[:500]}")
    return True
