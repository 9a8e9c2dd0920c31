"""The dashboard at /_mocktmc/ui: a page that shows one account at a time (its clock, runs, timeline, schedules,
the request journal, faults and behaviours) and steers it by clicking.

The page is a client like any other: its script reads and changes the world only through the control plane and
the public TMC API, with the control token the person gives it when the server has one (a browser cannot send a
header when it opens a page, so the page and its assets are open, and hold no data). Its assets ship in the
package (control/ui/) and need no network."""
from __future__ import annotations

from flask import Blueprint, render_template

from .. import __version__
from .caller import DASHBOARD_HEADER

bp = Blueprint("dashboard", __name__, url_prefix="/_mocktmc/ui", template_folder="ui/templates",
               static_folder="ui/static", static_url_path="/static")


@bp.get("")
@bp.get("/")
def dashboard():
    return render_template("dashboard.html", version=__version__, dashboard_header=DASHBOARD_HEADER)
