"""Small charts as inline SVG, for pages that must open without a network: the contract kit's HTML report and
the benchmarks' page (bench/page.py). Standard library only, no script: the markup is the picture.

Two kinds: a line chart (one or more series of (x, y) points, e.g. resident memory over mock days) and a bar
chart (values per category, one series or several side by side or stacked, e.g. latency percentiles, checks
passed and failed per family). Each chart is an <svg role='img'> with a <title> and an aria-label that say what
it shows; every point and bar carries its figure in a <title> (a tooltip) and in data-* attributes (tests and
scripts read them). Text is escaped; empty series, one point, zeros, huge values and non-finite numbers are
drawn or left out without an error, and a chart with nothing to draw says so.
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

# Colours that stay apart for the colour-blind (Okabe and Ito's palette), in the order series take them.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
PASSED, FAILED = "#1a7f37", "#cf222e"  # the kit report's own green and red

# The plot area's margins: room for tick labels on the left and below, a title and a legend line above.
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 44, 48
_FAMILY = "font-family='system-ui,sans-serif'"
_FONT = f"{_FAMILY} font-size='11'"
# XML 1.0 cannot carry these characters; a label built from fuzzed data may hold them.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Point = tuple[float, float]


def esc(text: object) -> str:
    """Text for an SVG (or HTML) element or attribute: markup escaped, characters XML cannot hold made visible."""
    return html.escape(_UNPRINTABLE.sub(lambda found: f"\\x{ord(found.group()):02x}", str(text)), quote=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of `values`: a value that was measured, never an interpolation."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def number(value: float) -> str:
    """A figure as a label: three significant digits, thousands as k, millions as M, ... (1e10 reads 10G)."""
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1e15 or size < 1e-3:
        return f"{value:.2e}"
    # From 10,000 on: 1234 reads better whole, 12345 as 12.3k.
    for limit, unit, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if size >= limit:
            return _trim(f"{value / unit:.3g}") + suffix
    return _trim(f"{value:.3g}" if size < 1000 else f"{value:.0f}")


def _trim(text: str) -> str:
    if "e" in text or "." not in text:
        return text
    return text.rstrip("0").rstrip(".")


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values (steps of 1, 2 or 5 times a power of ten) covering low..high."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high < low:
        low, high = high, low
    if high == low:
        # One value (a single point, or all equal): a range around it, so that it sits inside the plot.
        pad = abs(high) * 0.5 or 1.0
        low, high = low - pad if low < 0 or low - pad >= 0 else 0.0, high + pad
    raw = (high - low) / max(1, count)
    if not math.isfinite(raw) or raw <= 0:
        return [low, high]
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    first = math.floor(low / step) * step
    steps = max(1, math.ceil((high - first) / step - 1e-9))
    values = [round(first + index * step, 12) for index in range(steps + 1)]
    # Values too close for floating point to tell apart (1e16 and 1e16 + 2): the two ends are the ticks.
    return values if values[-1] > values[0] and len(set(values)) == len(values) else [low, high]


def _finite(points: Sequence[Point]) -> list[Point]:
    return [(float(x), float(y)) for x, y in points if math.isfinite(x) and math.isfinite(y)]


def _open(kind: str, title: str, width: int, height: int, chart_id: str | None, summary: str) -> list[str]:
    ident = f" id='{esc(chart_id)}'" if chart_id else ""
    return [f"<svg xmlns='http://www.w3.org/2000/svg' class='chart {kind}'{ident} role='img' width='{width}' "
            f"height='{height}' viewBox='0 0 {width} {height}' aria-label='{esc(title)}: {esc(summary)}'>",
            f"<title>{esc(title)}</title>",
            f"<text class='chart-title' x='{_LEFT}' y='18' {_FAMILY} font-size='13' font-weight='600'>"
            f"{esc(title)}</text>"]


def _empty(kind: str, title: str, width: int, height: int, chart_id: str | None) -> str:
    parts = _open(kind, title, width, height, chart_id, "no data")
    parts.append(f"<text class='no-data' x='{width / 2:.1f}' y='{height / 2:.1f}' text-anchor='middle' {_FONT}>"
                 "no data</text></svg>")
    return "".join(parts)


def _y_axis(parts: list[str], values: list[float], y_of, width: int, label: str) -> None:
    for value in values:
        y = y_of(value)
        parts.append(f"<line class='grid' x1='{_LEFT}' x2='{width - _RIGHT}' y1='{y:.1f}' y2='{y:.1f}' "
                     "stroke='#e5e7eb'/>")
        parts.append(f"<text class='tick y-tick' x='{_LEFT - 6}' y='{y + 4:.1f}' text-anchor='end' {_FONT}>"
                     f"{esc(number(value))}</text>")
    if label:
        parts.append(f"<text class='axis-label y-label' x='4' y='{_TOP - 9}' {_FONT} fill='#57606a'>"
                     f"{esc(label)}</text>")


def _legend(parts: list[str], names: Sequence[str], colours: Sequence[str], width: int) -> None:
    # Right-aligned on a line of its own under the title; entries in the series' order.
    x = width - _RIGHT - sum(20 + 7 * len(name) for name in names)
    for name, colour in zip(names, colours):
        parts.append(f"<g class='legend-entry'><rect x='{x}' y='{_TOP - 18}' width='10' height='10' fill='{colour}'/>"
                     f"<text x='{x + 13}' y='{_TOP - 9}' {_FONT}>{esc(name)}</text></g>")
        x += 20 + 7 * len(name)


def line_chart(series: Sequence[tuple[str, Sequence[Point]]], *, title: str, x_label: str = "",
               y_label: str = "", width: int = 640, height: int = 280, chart_id: str | None = None,
               y_from_zero: bool = True) -> str:
    """Series of (x, y) points joined by lines, each point marked (and titled with its figures). Points that are
    not finite numbers are left out; `y_from_zero` keeps zero on the y axis, so that a flat curve looks flat."""
    drawn = [(name, sorted(_finite(points))) for name, points in series]
    drawn = [(name, points) for name, points in drawn if points]
    if not drawn:
        return _empty("line-chart", title, width, height, chart_id)
    xs = [x for _, points in drawn for x, _ in points]
    ys = [y for _, points in drawn for _, y in points]
    x_ticks = ticks(min(xs), max(xs))
    y_ticks = ticks(min(ys + [0.0]) if y_from_zero else min(ys), max(ys + [0.0]) if y_from_zero else max(ys))
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def x_of(x: float) -> float:
        return _LEFT + (x - x0) / (x1 - x0) * plot_w

    def y_of(y: float) -> float:
        return _TOP + plot_h - (y - y0) / (y1 - y0) * plot_h

    count = sum(len(points) for _, points in drawn)
    summary = "; ".join(f"{name}: {len(points)} points from {number(points[0][1])} to {number(points[-1][1])}"
                        for name, points in drawn)
    parts = _open("line-chart", title, width, height, chart_id, summary)
    parts[0] = parts[0].replace("role='img'", f"role='img' data-points='{count}'", 1)
    _y_axis(parts, y_ticks, y_of, width, y_label)
    base = _TOP + plot_h
    parts.append(f"<line class='axis' x1='{_LEFT}' x2='{width - _RIGHT}' y1='{base}' y2='{base}' stroke='#57606a'/>")
    for value in x_ticks:
        x = x_of(value)
        parts.append(f"<text class='tick x-tick' x='{x:.1f}' y='{base + 15}' text-anchor='middle' {_FONT}>"
                     f"{esc(number(value))}</text>")
    if x_label:
        parts.append(f"<text class='axis-label x-label' x='{_LEFT + plot_w / 2:.1f}' y='{height - 8}' "
                     f"text-anchor='middle' {_FONT} fill='#57606a'>{esc(x_label)}</text>")
    colours = [PALETTE[index % len(PALETTE)] for index in range(len(drawn))]
    for (name, points), colour in zip(drawn, colours):
        path = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in points)
        parts.append(f"<g class='series' data-series='{esc(name)}'>")
        if len(points) > 1:
            parts.append(f"<polyline class='line' points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        for x, y in points:
            parts.append(f"<circle class='point' cx='{x_of(x):.1f}' cy='{y_of(y):.1f}' r='3' fill='{colour}' "
                         f"data-x='{x:g}' data-y='{y:g}'><title>{esc(name)}: {esc(x_label or 'x')} "
                         f"{esc(number(x))}, {esc(number(y))} {esc(y_label)}</title></circle>")
        parts.append("</g>")
    if len(drawn) > 1:
        _legend(parts, [name for name, _ in drawn], colours, width)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
              y_label: str = "", stacked: bool = False, colours: Sequence[str] | None = None, width: int = 640,
              height: int = 280, chart_id: str | None = None, values_shown: bool = True) -> str:
    """A group of bars per category, one bar per series (side by side, or `stacked` on each other); a series
    holds one value per category. Values that are not finite numbers draw no bar; negative ones hang below 0."""
    colours = list(colours or PALETTE)
    if len(colours) < len(series):
        colours += [PALETTE[index % len(PALETTE)] for index in range(len(colours), len(series))]
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
    clean: list[tuple[str, list[float | None]]] = [
        (name, [float(v) if math.isfinite(v) else None for v in values]) for name, values in series]
    if not categories or not clean or all(v is None for _, values in clean for v in values):
        return _empty("bar-chart", title, width, height, chart_id)
    if stacked:
        tops = [sum(values[i] or 0.0 for _, values in clean if (values[i] or 0.0) > 0) for i in range(len(categories))]
        bottoms = [sum(values[i] or 0.0 for _, values in clean if (values[i] or 0.0) < 0)
                   for i in range(len(categories))]
        high, low = max(tops + [0.0]), min(bottoms + [0.0])
    else:
        found = [v for _, values in clean for v in values if v is not None]
        high, low = max(found + [0.0]), min(found + [0.0])
    y_ticks = ticks(low, high)
    y0, y1 = y_ticks[0], y_ticks[-1]
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def y_of(y: float) -> float:
        return _TOP + plot_h - (y - y0) / (y1 - y0) * plot_h

    bars = sum(1 for _, values in clean for v in values if v is not None)
    summary = "; ".join(f"{category}: " + ", ".join(f"{name} {number(value)}" for name, values in clean
                                                     if (value := values[i]) is not None)
                        for i, category in enumerate(categories))
    parts = _open("bar-chart", title, width, height, chart_id, summary)
    parts[0] = parts[0].replace("role='img'", f"role='img' data-bars='{bars}'", 1)
    _y_axis(parts, y_ticks, y_of, width, y_label)
    slot = plot_w / len(categories)
    per_group = 1 if stacked else len(clean)
    bar_w = max(1.0, slot * 0.7 / per_group)
    zero = y_of(0.0)
    for index, category in enumerate(categories):
        left = _LEFT + slot * index + slot * 0.15
        parts.append(f"<g class='category' data-category='{esc(category)}'>")
        up, down = 0.0, 0.0
        for position, ((name, shown), colour) in enumerate(zip(clean, colours)):
            value = shown[index]
            if value is None:
                continue
            if stacked:
                start = up if value >= 0 else down
                end = start + value
                up, down = (end, down) if value >= 0 else (up, end)
                x = left
            else:
                start, end = 0.0, value
                x = left + bar_w * position
            top, bottom = sorted((y_of(start), y_of(end)))
            parts.append(f"<rect class='bar' x='{x:.1f}' y='{top:.1f}' width='{bar_w:.1f}' "
                         f"height='{bottom - top:.1f}' fill='{colour}' data-series='{esc(name)}' "
                         f"data-category='{esc(category)}' data-value='{value:g}'><title>{esc(category)}, "
                         f"{esc(name)}: {esc(number(value))} {esc(y_label)}</title></rect>")
            if values_shown and not stacked:
                label_y = top - 3 if value >= 0 else bottom + 11
                parts.append(f"<text class='value' x='{x + bar_w / 2:.1f}' y='{label_y:.1f}' text-anchor='middle' "
                             f"{_FAMILY} font-size='10'>{esc(number(value))}</text>")
        if values_shown and stacked and len(clean) > 1:
            parts.append(f"<text class='value' x='{left + bar_w / 2:.1f}' y='{y_of(up) - 3:.1f}' "
                         f"text-anchor='middle' {_FAMILY} font-size='10'>{esc(number(up))}</text>")
        label = category if len(category) <= max(4, int(slot / 6.5)) else category[:max(3, int(slot / 6.5) - 1)] + "…"
        parts.append(f"<text class='tick x-tick' x='{_LEFT + slot * (index + 0.5):.1f}' y='{_TOP + plot_h + 15}' "
                     f"text-anchor='middle' {_FONT}>{esc(label)}<title>{esc(category)}</title></text></g>")
    parts.append(f"<line class='axis' x1='{_LEFT}' x2='{width - _RIGHT}' y1='{zero:.1f}' y2='{zero:.1f}' "
                 "stroke='#57606a'/>")
    if len(clean) > 1:
        _legend(parts, [name for name, _ in clean], colours[:len(clean)], width)
    parts.append("</svg>")
    return "".join(parts)
