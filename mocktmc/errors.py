"""TMC errors as types. Raised anywhere (domain or API), rendered once in app.py.

Two body shapes exist: the 2021-03 families send {status, message, detail, requestId};
the legacy /tmc/v2.x family sends {status, message, code, details, requestId, url}.
"""
from __future__ import annotations


class TMCError(Exception):
    status = 500
    message = "Internal Server Error"

    def __init__(self, detail: str = "", *, message: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or message or self.message)
        self.detail = detail
        if message is not None:
            self.message = message
        self.headers = dict(headers or {})

    def body(self, request_id: str, legacy: bool = False, url: str = "") -> dict:
        if legacy:
            body = {"status": self.status, "message": self.message,
                    "code": f"MOCKTMC-{self.status}", "requestId": request_id, "url": url}
            if self.detail:
                body["details"] = self.detail
            return body
        body = {"status": self.status, "message": self.message, "requestId": request_id}
        if self.detail:
            body["detail"] = self.detail
        return body


class BadRequest(TMCError):
    status = 400
    message = "Bad Request"


class Unauthorized(TMCError):
    status = 401
    message = "Unauthorized"


class Forbidden(TMCError):
    status = 403
    message = "Forbidden"


class NotFound(TMCError):
    status = 404
    message = "Not Found"


class MethodNotAllowed(TMCError):
    status = 405
    message = "Method Not Allowed"


class NotAcceptable(TMCError):
    """What the generic run-profile DELETE answers for a profile still in use."""
    status = 406
    message = "Not Acceptable"


class Conflict(TMCError):
    status = 409
    message = "Conflict"


class PayloadTooLarge(TMCError):
    status = 413
    message = "Payload Too Large"


class UnsupportedMediaType(TMCError):
    status = 415
    message = "Unsupported Media Type"


class Unprocessable(TMCError):
    status = 422
    message = "Unprocessable Entity"


class TooManyRequests(TMCError):
    status = 429
    message = "Too Many Requests"


class InternalError(TMCError):
    status = 500
    message = "Internal Server Error"


class NotImplementedYet(TMCError):
    """An operation of the published API that mocktmc does not simulate yet."""
    status = 501
    message = "Not Implemented"


class TaskPaused(MethodNotAllowed):
    """405 is how the Processing API says a paused task cannot run."""
    message = "Current Task is paused, it can't be executed"


class BrokenInvariant(RuntimeError):
    """State the simulation should never reach (a run indexed as started without a start time, an armed
    schedule without its executable): a bug in mocktmc, never a client error. Deliberately not a TMCError,
    so app.py answers it as any unexpected error: a 500, with the traceback in the server log."""


ERROR_TYPES: dict[int, type[TMCError]] = {cls.status: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge,
    UnsupportedMediaType, Unprocessable, TooManyRequests, InternalError, NotImplementedYet)}


def error_for_status(status: int, detail: str = "") -> TMCError:
    """The typed error for an HTTP status (used for errors raised by the web framework)."""
    cls = ERROR_TYPES.get(status)
    if cls is None:
        err = TMCError(detail)
        err.status = status
        err.message = "Error"
        return err
    return cls(detail)
