"""The validating proxy: `mocktmc serve --proxy URL [--record DIR]`.

Every TMC API request (/orchestration/, /processing/, /monitoring/, /tmc/, /security/, /account/) is forwarded to the
service at URL with the caller's own credentials and answered as the service answered it; the mock's world
is not consulted. On the way the proxy checks the request and the response against the contracts, tells the
quirks (mocktmc/quirks.py) it sees, journals both, logs each violation and counts them for
`GET /_mocktmc/proxy/report`; with --record each interaction goes to a cassette (mocktmc/cassette.py).

- upstream.py: the HTTP client side (a pooled `requests` session, bodies streamed up to a limit).
- checks.py: the contract checks of a proxied exchange.
- quirk_signs.py: which way an exchange shows a quirk of the catalog, and the contract breaks a quirk explains.
- report.py: the report's store and its route.
- forwarding.py: the request step app.py calls, and what is journaled, logged and recorded.
"""
