"""The benchmarks' page: build/bench/index.html, from the figures each benchmark left in build/bench/<name>.json
(bench/figures.py). `make bench` runs it last.

Where a benchmark measures a series, the page draws it (inline SVG, mocktmc/charts.py): the retention curve
(resident memory, runs held and each day's advance over mock days), latency percentiles (the poll loop per
--validate mode, the stress run's mixed requests, the history pages, the dashboard's reads), requests a second
(the mock beside bare Flask round by round, wrk per mode). Every benchmark's rows are also shown as a table, with
when and how they were measured. The page stands alone: no script, nothing fetched, styles inline. It draws only
what the files hold; a benchmark that has not run is named as missing.

    python bench/page.py [--dir build/bench]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

try:  # imported as bench.page (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import folder
except ImportError:
    from figures import folder  # type: ignore[no-redef]

from mocktmc.charts import bar_chart, esc, line_chart

# `make bench`'s order: the page follows it, then any other file it finds.
ORDER = ("validation_cost", "poll_loop", "history_scale", "dashboard_reads", "schedule_scale", "retention",
         "state_scale", "fresh_mock", "poll_vs_flask", "stress", "hostile_bodies", "import_scale", "fleet",
         "wrk_poll")
TITLES = {
    "validation_cost": "What checking requests costs (bench/validation_cost.py)",
    "poll_loop": "The served poll loop (bench/poll_loop.py)",
    "history_scale": "History at scale (bench/history_scale.py)",
    "dashboard_reads": "The dashboard's reads at scale (bench/dashboard_reads.py)",
    "schedule_scale": "Schedules at scale (bench/schedule_scale.py)",
    "retention": "Memory bounded by the retention window (bench/retention.py)",
    "state_scale": "State at scale (bench/state_scale.py)",
    "fresh_mock": "A fresh mock per test (bench/fresh_mock.py)",
    "poll_vs_flask": "The served poll beside bare Flask (bench/poll_vs_flask.py)",
    "stress": "Many clients at once (bench/stress.py)",
    "hostile_bodies": "Hostile bodies (bench/hostile_bodies.py)",
    "wrk_poll": "The poll at saturation, wrk (bench/wrk_poll.sh)",
    "import_scale": "Importing a tenant of 1,000 tasks (bench/import_scale.py)",
    "fleet": "A fleet behind nginx (bench/fleet.py)",
}
# Latency percentiles as the benchmarks name them, in the order a chart shows them.
PERCENTILES = (("median", "median_ms"), ("p50", "p50_ms"), ("p90", "p90_ms"), ("p95", "p95_ms"),
               ("p99", "p99_ms"), ("max", "max_ms"))

Figure = tuple[str, str]  # (caption, svg)


def _figures_of(rows: list[dict], keys: tuple[tuple[str, str], ...] = PERCENTILES) -> list[tuple[str, list[float]]]:
    """(name, values) for each percentile every row measured (older files lack p90 and p99: left out, not made)."""
    return [(name, [float(row[key]) for row in rows]) for name, key in keys
            if rows and all(isinstance(row.get(key), (int, float)) for row in rows)]


def retention(rows: list[dict]) -> list[Figure]:
    curve = [row for row in rows if row.get("measure") == "day by day"]
    if not curve:
        return []
    days = [row["mock_day"] for row in curve]
    return [
        ("Resident memory (RSS) of the process, sampled as the mock clock moves a day at a time (the target: "
         "level once the retention window is full, under 300 MB after a year).",
         line_chart([("RSS", list(zip(days, [row["rss_mb"] for row in curve])))], title="Resident memory",
                    x_label="mock day", y_label="MB", width=540, chart_id="retention-rss")),
        ("Runs the world holds (those older than the retention window, 60 days by default, are dropped).",
         line_chart([("runs held", list(zip(days, [row["runs_held"] for row in curve])))], title="Runs held",
                    x_label="mock day", y_label="runs", width=540, chart_id="retention-runs")),
        ("Seconds the sampled day's advance took.",
         line_chart([("advance", list(zip(days, [row["advance_s"] for row in curve])))],
                    title="One day's advance", x_label="mock day", y_label="s", width=540,
                    chart_id="retention-advance")),
    ]


def poll_loop(rows: list[dict]) -> list[Figure]:
    figures = []
    modes = list(dict.fromkeys(row.get("validate", "?") for row in rows))
    for mode in modes:
        mine = [row for row in rows if row.get("validate", "?") == mode]
        series = _figures_of(mine)
        if series:
            figures.append((f"Latency with one connection, --validate {mode}: percentiles of each operation's "
                            f"requests ({', '.join(str(row.get('requests')) for row in mine)} requests).",
                            bar_chart([row["operation"] for row in mine], series, title=f"Latency, --validate {mode}",
                                      y_label="ms", width=760, chart_id=f"poll-latency-{mode}")))
    operations = list(dict.fromkeys(row["operation"] for row in rows))
    by_mode = [(mode, [next((float(row["requests_per_s"]) for row in rows if row.get("validate", "?") == mode
                             and row["operation"] == operation), float("nan")) for operation in operations])
               for mode in modes]
    if operations:
        figures.append(("Requests a second with one connection, per --validate mode.",
                        bar_chart(operations, by_mode, title="Requests/s, one connection", y_label="requests/s",
                                  width=760, chart_id="poll-throughput")))
    return figures


def stress(rows: list[dict]) -> list[Figure]:
    timed = [row for row in rows if row.get("measure") == "request latency, mixed operations"]
    series = _figures_of(timed)
    if not series:
        return []
    return [(f"Latency of the mixed operations' {timed[0]['requests']} requests, as each client thread timed them "
             "(waiting for a server thread included).",
             bar_chart([name for name, _ in series], [("latency", [values[0] for _, values in series])],
                       title="Request latency, mixed operations", y_label="ms", chart_id="stress-latency"))]


def history_scale(rows: list[dict]) -> list[Figure]:
    return _pages(rows, "Latency of each history query through the app (median and p95 of its requests).",
                  "History pages", "history-latency")


def dashboard_reads(rows: list[dict]) -> list[Figure]:
    return _pages(rows, "Latency of each read the dashboard makes, through the app (median and p95 of its requests).",
                  "Dashboard reads", "dashboard-latency")


def _pages(rows: list[dict], caption: str, title: str, chart_id: str) -> list[Figure]:
    pages = [row for row in rows if "median_ms" in row]
    series = _figures_of(pages)
    if not series:
        return []
    return [(caption, bar_chart([row["measure"] for row in pages], series, title=title, y_label="ms", width=900,
                                chart_id=chart_id))]


def poll_vs_flask(rows: list[dict]) -> list[Figure]:
    rounds = [row for row in rows if "mock" in row and "bare_flask" in row]
    if not rounds:
        return []
    return [("Requests a second, the mock and a bare Flask app on the same server settings, round by round.",
             bar_chart([row["measure"].split(":")[0] for row in rounds],
                       [("mock", [row["mock"] for row in rounds]),
                        ("bare Flask", [row["bare_flask"] for row in rounds])],
                       title="Requests/s, mock beside bare Flask", y_label="requests/s", chart_id="poll-vs-flask"))]


def _throughput(label: str, caption: str, title: str, chart_id: str) -> Callable[[list[dict]], list[Figure]]:
    """A bar chart of each row's requests_per_s, named by its `label` field."""
    def chart(rows: list[dict]) -> list[Figure]:
        if not rows:
            return []
        return [(caption, bar_chart([str(row[label]) for row in rows],
                                    [("requests/s", [row["requests_per_s"] for row in rows])],
                                    title=title, y_label="requests/s", chart_id=chart_id))]
    return chart


wrk_poll = _throughput("validate", "The poll's requests a second at saturation (wrk), per --validate mode.",
                       "Poll at saturation", "wrk-poll")
fleet = _throughput("setup", "Requests a second of many clients' polls (wrk): one server reached directly, one "
                    "behind nginx, two behind nginx.", "A fleet behind nginx", "fleet")


CHARTS: dict[str, Callable[[list[dict]], list[Figure]]] = {
    "retention": retention, "poll_loop": poll_loop, "stress": stress, "history_scale": history_scale,
    "dashboard_reads": dashboard_reads,
    "poll_vs_flask": poll_vs_flask, "wrk_poll": wrk_poll, "fleet": fleet}


def load(directory: Path) -> tuple[dict[str, dict], list[str]]:
    """The benchmarks' documents by name, in make bench's order, and what could not be read."""
    documents, problems = {}, []
    for path in sorted(directory.glob("*.json")):
        try:
            document = json.loads(path.read_text())
            if not isinstance(document.get("rows"), list):
                raise ValueError("no rows")
        except (OSError, ValueError, AttributeError) as error:
            problems.append(f"{path.name}: {error}")
            continue
        documents[path.stem] = document
    order = {name: index for index, name in enumerate(ORDER)}
    ordered = dict(sorted(documents.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))
    return ordered, problems


def _cell(value: object) -> str:
    if isinstance(value, (dict, list)):
        return f"<code>{esc(json.dumps(value))}</code>"
    return esc(value)


def table(rows: list[dict]) -> str:
    """Every row a benchmark printed, columns the keys in the order they first appear."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{esc(column)}</th>" for column in columns)
    number = " class='n'"
    body = "".join("<tr>" + "".join(
        f"<td{number if isinstance(row.get(column), (int, float)) else ''}>{_cell(row.get(column, ''))}</td>"
        for column in columns) + "</tr>" for row in rows)
    return f"<table class='figures'><tr>{head}</tr>{body}</table>"


def render(documents: dict[str, dict], problems: Sequence[str] = ()) -> str:
    parts = [_HEAD, "<h1>mocktmc benchmarks</h1>",
             "<p class='lead'>The figures the last <code>make bench</code> left in <code>build/bench/</code>: a "
             "chart where a benchmark measures a series, and every benchmark's rows as a table. Each section says "
             "when it was measured, by which command, and how loaded the machine was. What each measures, and "
             "its target: <code>bench/README.md</code>.</p>"]
    missing = [name for name in ORDER if name not in documents]
    if documents:
        parts.append("<ul id='contents'>" + "".join(f"<li><a href='#{esc(name)}'>{esc(TITLES.get(name, name))}</a>"
                                                    "</li>" for name in documents) + "</ul>")
    else:
        parts.append("<p id='nothing'>No figures yet: run <code>make bench</code>.</p>")
    if missing:
        parts.append(f"<p id='missing' class='note'>Not measured yet: {esc(', '.join(missing))}.</p>")
    for problem in problems:
        parts.append(f"<p class='note problem'>Could not read {esc(problem)}</p>")
    for name, document in documents.items():
        rows = [row for row in document["rows"] if isinstance(row, dict)]
        load_average = document.get("load_average")
        parts.append(f"<section class='bench' id='{esc(name)}'><h2>{esc(TITLES.get(name, name))}</h2>"
                     f"<p class='meta'>saved {esc(document.get('written', '?'))} by "
                     f"<code>{esc(document.get('command', ''))}</code> &middot; {esc(document.get('cpus', '?'))} "
                     f"CPUs &middot; load average {esc(load_average[0] if load_average else '?')}</p>")
        for caption, svg in CHARTS.get(name, lambda rows: [])(rows):
            parts.append(f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>")
        parts.append(table(rows) + "</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def build(directory: Path | None = None) -> Path:
    """Render build/bench/index.html (or `directory`'s) from the JSON files there; answers its path."""
    directory = directory or folder()
    directory.mkdir(parents=True, exist_ok=True)
    documents, problems = load(directory)
    page = directory / "index.html"
    page.write_text(render(documents, problems))
    return page


_HEAD = """<!doctype html>
<html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>
<title>mocktmc benchmarks</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;max-width:1150px;padding:0 1em;
color:#1f2328;line-height:1.4}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}
.meta,.note,figcaption{color:#57606a;font-size:.92em}
.problem{color:#cf222e}
figure{margin:.8em 1.2em .8em 0;display:inline-block;vertical-align:top;max-width:100%}
figure svg{max-width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
figcaption{max-width:540px}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em;display:block;overflow-x:auto}
td,th{padding:3px 8px;text-align:left;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.92em}
</style></head><body>"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="where the JSON files are, and the page goes")
    args = parser.parse_args(argv)
    page = build(args.dir)
    print(f"benchmarks page: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
