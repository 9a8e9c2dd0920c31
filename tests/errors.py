"""assert_error: a negative test asserts what the error names, not only its status.

TMC error bodies (mocktmc/errors.py) carry the status, a `message` (the reason phrase, or for a few
TMC errors the rule itself) and what went wrong: `detail` in the 2021-03 families, `details` in the
legacy /tmc/v2.x family. A test of a refused request names the field, parameter, resource or rule
that the error must name; a refused 405 also names the methods its Allow header must list.
"""
from __future__ import annotations


def error_body(response) -> dict:
    """The JSON body of a Flask test response or a `requests` response."""
    body = response.json() if callable(response.json) else response.json
    assert isinstance(body, dict), f"an error body must be a JSON object, got {body!r}"
    return body


def error_text(body: dict) -> str:
    """What an error body says: its message and its detail (or the legacy family's details)."""
    return " | ".join(str(body[key]) for key in ("message", "detail", "details") if body.get(key))


def assert_error(response, status: int, *fragments: str, allow: str | None = None) -> dict:
    """Assert `response` is a TMC error of `status` whose message or detail holds every fragment.

    At least one fragment is required: the field, parameter, resource id or rule the error names.
    `allow` is the exact Allow header a 405 must send. Returns the body for further checks.
    """
    assert fragments, "name what the error must say, not only its status"
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)
                                            if hasattr(response, "get_data") else response.text)
    body = error_body(response)
    assert body.get("status") == status, body
    said = error_text(body)
    for fragment in fragments:
        assert fragment in said, f"{fragment!r} is not in the error: {said!r}"
    if allow is not None:
        assert response.headers.get("Allow") == allow, response.headers
    return body
