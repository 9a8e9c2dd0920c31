"""What the request journal never stores: credentials and secrets. Plain Python.

The rule, exactly:
- The Authorization header is kept as its scheme and a fingerprint, "Bearer sha256:<12 hex>": the
  first 12 hex digits of the SHA-256 of what follows the scheme (the token, or the Basic credentials'
  base64). A header without a scheme is "sha256:<12 hex>" of the whole value.
- A *secret name* is one that, lower-cased with everything but letters and digits removed, contains
  one of SECRET_WORDS (client_secret, db_password, preAuthorizedKey, x-api-key, access_token, ...).
- JSON bodies, at every depth: the value of a member with a secret name becomes "[redacted]", whatever
  it was; so does the "value" member of an object that has "encrypted": true or whose "name" is a
  secret name (connection and context parameters: {"name": "password", "value": ...}).
- Form bodies and query strings: the values of keys with a secret name.
- Other text bodies: `"name": "value"` and `name=value` pairs whose name is a secret name.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, Iterable
from urllib.parse import quote_plus, unquote_plus

from ..domain.model.definitions import REDACTED  # one placeholder, which the domain knows too

SECRET_WORDS = ("password", "passwd", "secret", "preauthorizedkey", "apikey", "privatekey", "accesstoken",
                "refreshtoken", "authorization")
_TEXT_PAIRS = re.compile(r'(?P<quoted>"(?P<qname>[^"\\]{1,200})"\s*:\s*)"(?:[^"\\]|\\.)*"'
                         r'|(?P<plain>(?P<name>[A-Za-z0-9_.\-]{1,200})=)[^&\s]*')


@lru_cache(maxsize=4096)  # bodies repeat their member names: a 100,000-line behavior asks for the same few
def is_secret_name(name: str) -> bool:
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in folded for word in SECRET_WORDS)


@lru_cache(maxsize=1024)  # a client sends the same header again and again
def authorization(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, sep, credentials = header.strip().partition(" ")
    if not sep:
        scheme, credentials = "", scheme
    fingerprint = hashlib.sha256(credentials.strip().encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{scheme} sha256:{fingerprint}".lstrip()


def json_value(value: Any) -> Any:
    """A parsed JSON value with its secrets replaced (a copy; the value given is left as it is)."""
    if isinstance(value, dict):
        name = value.get("name")
        hide_value = value.get("encrypted") is True or (isinstance(name, str) and is_secret_name(name))
        return {key: REDACTED if is_secret_name(key) or (hide_value and key == "value") else json_value(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    return value


def query(args: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: [REDACTED] * len(values) if is_secret_name(key) else values for key, values in args.items()}


def form(pairs: Iterable[tuple[str, str]]) -> str:
    """A form body as its urlencoded text, secret values replaced (the placeholder itself left unencoded)."""
    return "&".join(f"{quote_plus(key)}={REDACTED if is_secret_name(key) else quote_plus(value)}"
                    for key, value in pairs)


def text(body: str) -> str:
    def hide(match: re.Match) -> str:
        if match.group("quoted") is not None:
            return f'{match.group("quoted")}"{REDACTED}"' if is_secret_name(match.group("qname")) else match.group(0)
        return match.group("plain") + REDACTED if is_secret_name(unquote_plus(match.group("name"))) else match.group(0)
    return _TEXT_PAIRS.sub(hide, body)
