"""URL rules compile their URL builders when first used (mocktmc/app.py, _LazyBuilderRule): building URLs still
works, with path variables and query arguments, and an unknown argument still goes to the query string."""
from flask import url_for

from .conftest import make_app


def test_urls_are_built_as_werkzeug_builds_them():
    app = make_app()
    with app.test_request_context():
        assert url_for("control.health") == "/_mocktmc/health"
        assert url_for("orchestration_connections.update_connection", connectionId="c-1") == \
            "/orchestration/connections/c-1"
        assert url_for("orchestration_connections.update_connection", connectionId="a b", extra="x") == \
            "/orchestration/connections/a%20b?extra=x"
    assert all(type(rule).__name__ == "_LazyBuilderRule" for rule in app.url_map.iter_rules())
