"""POST /security/oauth/token: client credentials (HTTP Basic) -> a service-account bearer token.

Clients send the body as JSON (the published media type) or form-encoded (what OAuth libraries
send), so both are accepted. Credentials are checked in every auth mode, so a client's handling of
a bad secret can be tested against any server.
"""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, g, jsonify, request

from . import bodies, context
from ..errors import BadRequest, Unauthorized, UnsupportedMediaType

bp = Blueprint("security", __name__)

_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="mocktmc"'}


def _client_credentials() -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthorized("The ClientId or Secret is missing or invalid: send "
                           "'Authorization: Basic base64(clientId:clientSecret)'", headers=_BASIC_CHALLENGE)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("The Basic credentials are not valid base64 of 'clientId:clientSecret'",
                           headers=_BASIC_CHALLENGE) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise Unauthorized("The Basic credentials must read 'clientId:clientSecret'", headers=_BASIC_CHALLENGE)
    return client_id, secret


def _token_request() -> dict:
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            text = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The request body is not valid JSON: it is not UTF-8") from None
        body = bodies.loads(text or "null")
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object with grant_type and audience")
        return body
    if not request.get_data(cache=True):
        raise BadRequest("A request body with grant_type and audience is required")
    raise UnsupportedMediaType("Content-Type must be application/json or application/x-www-form-urlencoded, "
                               f"got {mimetype or 'none'}")


@bp.post("/security/oauth/token")
def token():
    client_id, secret = _client_credentials()
    body = _token_request()
    if body.get("grant_type") != "client_credentials":
        raise BadRequest(f"grant_type must be 'client_credentials', got {body.get('grant_type')!r}")
    audience = body.get("audience")
    if not isinstance(audience, str) or not audience:
        raise BadRequest("audience is required: the base URL of the API, e.g. https://api.eu.cloud.talend.com")
    issued = context.state().accounts.issue_service_token(client_id, secret, audience)
    # The journal writes this call down as the account's, with the token it issued (as a fingerprint) and its
    # expiry: the client report pairs it with the calls that bear the token (control/journal.py, client_rules.py).
    g.mocktmc_account = issued.account_id
    g.mocktmc_issued = (issued.token, issued.expires)
    expires_in = issued.expires_in
    response = jsonify({"access_token": issued.token, "token_type": "Bearer",
                        # The service sends a number of seconds, as OAuth 2 does; the published document says string.
                        "expires_in": expires_in if context.quirk("expires_in_number") else str(expires_in)})
    response.headers["Cache-Control"] = "no-store"
    return response
