"""Named checks: every assertion the kit makes has a name, a family, and (when a request was involved)
a curl command that repeats it, so a failure says what broke, where, and how to see it again."""
from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

import requests

from .report import RECORD

FAMILIES = {"orchestration": "orchestration", "processing": "processing", "monitoring": "monitoring",
            "security": "security", "account": "security", "tmc": "legacy"}


def family_of(path: str) -> str:
    """The API family a path belongs to (/orchestration/... -> orchestration, /tmc/... -> legacy)."""
    head = path.lstrip("/").split("/", 1)[0]
    return FAMILIES.get(head, "other")


class KitFailure(AssertionError):
    """A check that did not hold. Its text starts with the check's name, which is what reports group by."""

    def __init__(self, name: str, family: str, message: str, curl: str | None = None) -> None:
        self.check, self.family, self.detail, self.curl = name, family, message, curl
        text = f"[{name}] {message}"
        if curl:
            text += f"\n  repeat it: {curl}"
        super().__init__(text)


def curl_of(prepared: requests.PreparedRequest | None, base_url: str = "", shown_base: str = "",
            secrets: Mapping[str, str] | None = None) -> str | None:
    """A curl command that sends the same request, credentials included, so that it fails the same way.

    The kit's own credentials are never shown: an Authorization header whose credentials are a key of `secrets`
    reads the shell variable its value names (the kit's token: $TMC_TOKEN). Any other credentials (the invalid
    ones a check sent on purpose) are shown as they were sent. Without `secrets` every bearer token reads
    $TMC_TOKEN. `base_url` is replaced by `shown_base` (the in-process mock has no address a shell could reach)."""
    if prepared is None or not prepared.url:
        return None
    url = prepared.url
    if base_url and shown_base and url.startswith(base_url):
        url = shown_base + url[len(base_url):]
    parts = [shlex.quote(part) for part in ("curl", "-X", prepared.method or "GET", url)]
    for key, raw in prepared.headers.items():
        if key.lower() in ("user-agent", "accept-encoding", "connection", "content-length", "accept"):
            continue
        # requests sends a header value given as bytes as it is: shown with str() it would read b'...'.
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        if key.lower() == "authorization":
            scheme, _, credentials = value.partition(" ")
            variable = secrets.get(credentials) if secrets is not None else (
                "TMC_TOKEN" if scheme.lower() == "bearer" else None)
            if variable is not None:
                # Double quotes, so that the shell expands the variable.
                parts += ["-H", f'"Authorization: {scheme} ${variable}"']
                continue
        parts += ["-H", shlex.quote(f"{key}: {value}")]
    body = prepared.body
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        parts += ["--data-raw", shlex.quote(text[:4000])]
    return " ".join(parts)


def check(name: str, holds: Any, message: str, *, family: str, operation: str | None = None,
          curl: str | None = None) -> None:
    """Record `name` as passed when `holds` is truthy, else record it failed and raise KitFailure."""
    if holds:
        RECORD.passed(family, name, operation)
        return
    RECORD.failed(family, name, operation, message, curl)
    raise KitFailure(name, family, message, curl)


def json_or_none(response: requests.Response) -> Any:
    """The answer's JSON, or None when its body is not JSON (a gateway's error page, say): the checks then
    say what came instead."""
    try:
        return response.json()
    except ValueError:
        return None


def describe(response: requests.Response) -> str:
    """`METHOD path -> status: body` for messages, the body cut short."""
    request = response.request
    path = (request.path_url if request is not None else "?")
    parsed = json_or_none(response)
    body = json.dumps(parsed) if isinstance(parsed, (Mapping, list)) else response.text
    if len(body) > 300:
        body = body[:300] + "..."
    return f"{request.method if request is not None else '?'} {path} -> {response.status_code}: {body}"
