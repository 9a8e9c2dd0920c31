"""The contract checks of a proxied exchange: the request as the mock's own request checks see it (but never
refused: it is forwarded all the same), and the service's response as openapi-core sees it."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.wrappers import Response

from ..api.request_checks import check_request
from ..errors import TMCError, UnsupportedMediaType
from ..inventory import published_route

_PARAMETER = ("Query parameter", "Path parameter", "Header parameter")


@dataclass(frozen=True)
class Violation:
    where: str  # request | response
    kind: str  # operation, parameter, body, content type (request); status, content type, header, body (response)
    message: str

    def as_json(self) -> dict[str, str]:
        return {"where": self.where, "kind": self.kind, "message": self.message}


def operation_of(method: str, path: str) -> str | None:
    """The operationId of the published operation `method path` names, or None."""
    operation, _ = published_route(path, method)
    return operation.operation_id if operation is not None else None


def request_violations(req: Request, operation: str | None) -> list[Violation]:
    """How the request breaks its operation's contract (at most one finding: the first the checks meet)."""
    if operation is None:
        return [Violation("request", "operation", f"{req.method} {req.path} is no operation of the published API")]
    try:
        check_request(req)  # the checks of the operation the mock routes the path to (the mock's URL map)
    except UnsupportedMediaType as err:
        return [Violation("request", "content type", err.detail)]
    except TMCError as err:
        detail = err.detail or err.message
        return [Violation("request", "parameter" if detail.startswith(_PARAMETER) else "body", detail)]
    return []


def response_violations(method: str, path: str, query: str, status: int, content_type: str | None,
                        content: bytes) -> list[Violation]:
    """How the service's response breaks its operation's contract."""
    from ..validation import response_problems  # openapi-core: imported by a proxy only

    response = Response(content, status=status)
    if content_type:
        response.headers["Content-Type"] = content_type
    else:
        del response.headers["Content-Type"]
    problems = response_problems(method, path, query, response)
    return [Violation("response", kind, message) for kind, message in problems or ()]
