"""The inline SVG charts (mocktmc/charts.py), read back as XML: what they draw, what they say, and that odd input
(nothing, one point, zeros, huge or non-finite values, markup in labels) draws without an error."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from mocktmc.charts import bar_chart, line_chart, number, percentile, ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def found(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [element for element in root.iter(f"{SVG}{tag}") if cls in (element.get("class") or "").split()]


def texts(root: ET.Element, cls: str) -> list[str]:
    return [element.text or "" for element in found(root, "text", cls)]


def test_a_line_chart_marks_every_point_on_ticked_axes():
    days = [(15 * n, 90.0 + n) for n in range(1, 25)] + [(365, 190.0)]
    root = parse(line_chart([("RSS", days)], title="Resident memory", x_label="mock day", y_label="MB",
                            chart_id="rss"))
    assert root.get("id") == "rss" and root.get("data-points") == "25"
    assert root.find(f"{SVG}title").text == "Resident memory"
    assert root.get("aria-label").startswith("Resident memory: RSS: 25 points from 91 to 190")
    points = found(root, "circle", "point")
    assert len(points) == 25 and (points[-1].get("data-x"), points[-1].get("data-y")) == ("365", "190")
    assert points[0].find(f"{SVG}title").text == "RSS: mock day 15, 91 MB"
    assert len(found(root, "polyline", "line")[0].get("points").split()) == 25
    # Ticks are round, cover the data, and start at zero on y (a flat curve must look flat).
    x_ticks = [float(t) for t in texts(root, "x-tick")]
    assert x_ticks[0] <= 15 and x_ticks[-1] >= 365 and x_ticks == sorted(x_ticks)
    assert texts(root, "y-tick")[0] == "0" and float(texts(root, "y-tick")[-1]) >= 190
    assert texts(root, "x-label") == ["mock day"] and texts(root, "y-label") == ["MB"]
    # Points go left to right and up with the figure.
    xs = [float(p.get("cx")) for p in points]
    assert xs == sorted(xs) and float(points[-1].get("cy")) < float(points[0].get("cy"))


def test_several_series_get_a_legend_and_their_own_colour():
    root = parse(line_chart([("off", [(1, 1.0), (2, 2.0)]), ("requests", [(1, 1.5), (2, 2.5)])], title="t"))
    series = found(root, "g", "series")
    assert [g.get("data-series") for g in series] == ["off", "requests"]
    assert len({g.find(f"{SVG}circle").get("fill") for g in series}) == 2
    assert [g.find(f"{SVG}text").text for g in found(root, "g", "legend-entry")] == ["off", "requests"]


def test_bars_side_by_side_with_their_values():
    root = parse(bar_chart(["poll", "logs"], [("p50", [0.9, 1.2]), ("p99", [2.5, 4.0])], title="latency",
                           y_label="ms"))
    bars = found(root, "rect", "bar")
    assert root.get("data-bars") == "4" and len(bars) == 4
    assert [(b.get("data-category"), b.get("data-series"), b.get("data-value")) for b in bars] == [
        ("poll", "p50", "0.9"), ("poll", "p99", "2.5"), ("logs", "p50", "1.2"), ("logs", "p99", "4")]
    assert texts(root, "value") == ["0.9", "2.5", "1.2", "4"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[3] == max(heights) and heights[0] == min(heights)
    assert [t.split("<")[0] for t in texts(root, "x-tick")] == ["poll", "logs"]
    assert "poll: p50 0.9, p99 2.5; logs: p50 1.2, p99 4" in root.get("aria-label")


def test_stacked_bars_add_up():
    root = parse(bar_chart(["orchestration", "processing"], [("passed", [10, 7]), ("failed", [2, 0])],
                           title="checks", stacked=True))
    bars = found(root, "rect", "bar")
    assert len(bars) == 4
    by = {(b.get("data-category"), b.get("data-series")): b for b in bars}
    passed, failed = by[("orchestration", "passed")], by[("orchestration", "failed")]
    # The failed part sits on the passed part; 0 failed draws a bar of no height.
    assert math.isclose(float(failed.get("y")) + float(failed.get("height")), float(passed.get("y")), abs_tol=0.15)
    assert float(by[("processing", "failed")].get("height")) == 0
    assert texts(root, "value") == ["12", "7"]  # each stack's total


def test_text_is_escaped():
    hostile = "<script>alert('x')</script> & \x00"
    svg = line_chart([(hostile, [(1, 2)])], title=hostile, x_label=hostile, y_label=hostile)
    svg += bar_chart([hostile], [(hostile, [1])], title=hostile)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "\\x00" in svg
    for chart in svg.split("</svg>")[:-1]:
        root = parse(chart + "</svg>")
        assert root.find(f"{SVG}title").text == "<script>alert('x')</script> & \\x00"


@pytest.mark.parametrize("chart", [
    lambda: line_chart([], title="empty"),
    lambda: line_chart([("a", [])], title="empty"),
    lambda: line_chart([("a", [(1, math.nan), (math.inf, 2)])], title="empty"),
    lambda: bar_chart([], [], title="empty"),
    lambda: bar_chart(["a"], [("s", [math.nan])], title="empty"),
])
def test_nothing_to_draw_says_so(chart):
    root = parse(chart())
    assert texts(root, "no-data") == ["no data"] and not found(root, "circle", "point")
    assert root.get("aria-label") == "empty: no data"


def test_one_point_zeros_and_huge_values_draw():
    one = parse(line_chart([("a", [(3, 7)])], title="one"))
    point = found(one, "circle", "point")
    assert len(point) == 1 and not found(one, "polyline", "line")
    x_ticks = [float(t) for t in texts(one, "x-tick")]
    assert x_ticks[0] < 3 < x_ticks[-1]  # the lone point sits inside the plot, not on its edge
    zeros = parse(line_chart([("a", [(0, 0), (1, 0)])], title="zeros"))
    assert {p.get("cy") for p in found(zeros, "circle", "point")} == {found(zeros, "circle", "point")[0].get("cy")}
    huge = parse(bar_chart(["year", "1e10 s"], [("s", [11.4, 1.6e10])], title="huge"))
    assert texts(huge, "value") == ["11.4", "16G"] and texts(huge, "y-tick")[-1].endswith("G")
    zero_bars = parse(bar_chart(["a", "b"], [("s", [0, 0])], title="zero"))
    assert [b.get("height") for b in found(zero_bars, "rect", "bar")] == ["0.0", "0.0"]
    negative = parse(line_chart([("a", [(0, -5), (1, 5)])], title="negative"))
    assert float(texts(negative, "y-tick")[0]) <= -5
    for value in (math.nan, math.inf):
        mixed = parse(bar_chart(["a", "b"], [("s", [1, value])], title="mixed"))
        assert mixed.get("data-bars") == "1"


def test_a_series_must_match_its_categories():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        bar_chart(["a", "b", "c"], [("s", [1, 2])], title="x")


def test_numbers_ticks_and_percentiles():
    assert [number(v) for v in (0, 0.25, 3.14159, 999, 1234, 12_345, 2_500_000, 1e10, 1e16, 1e-5, -42_000)] == [
        "0", "0.25", "3.14", "999", "1234", "12.3k", "2.5M", "10G", "1.00e+16", "1.00e-05", "-42k"]
    assert ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert ticks(3, 3)[0] <= 3 <= ticks(3, 3)[-1] and len(ticks(3, 3)) >= 2
    assert ticks(1e16, 1e16 + 2) in ([1e16, 1e16 + 2], ticks(1e16, 1e16 + 2))
    assert len(ticks(0, 1.6e10)) <= 7 and ticks(-1e308, 1e308) == [-1e308, 1e308]
    values = list(range(1, 101))
    assert [percentile(values, q) for q in (50, 90, 95, 99, 100)] == [50, 90, 95, 99, 100]
    assert percentile([7.0], 99) == 7.0 and percentile([3, 1, 2], 50) == 2
    with pytest.raises(ValueError):
        percentile([], 50)
