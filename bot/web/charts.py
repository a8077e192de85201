"""Server-made SVG charts: no JavaScript, no chart library, readable on a phone."""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
# LEFT leaves room for a five-character axis label (1.25M) at the phone's font size (22 units, see
# style.css); the last week's label is anchored at its end so it stays inside the chart.
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 12, 28
COLORS = ("#0b6e4f", "#c05621", "#2b6cb0", "#805ad5")


def _nice_max(value: float) -> float:
    """The axis top: 5, or the next round number (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 5:
        return 5
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _axis_number(value: float) -> str:
    """Short axis labels: 250, 2500, 25k, 2.5M (the page's tables give exact figures)."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def trend_svg(rows: list[dict], series: list[tuple[str, str]], title: str,
              x_key: str = "week", x_labels: list[str] | None = None,
              description: str = "") -> Markup:
    """A trend of `series` [(row key, label)] over `rows` (one per week), as inline SVG.

    Several weeks: one line per series with a marker on every week. One week: a bar per
    series with its figure written above it (a lone dot says nothing). `x_labels` are the
    weeks as the reader says them ("2 mar"); `description` is the chart in words (<desc>)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max([float(r.get(k) or 0) for r in rows for k, _ in series] or [0]))
    n = len(rows)
    labels = x_labels if x_labels is not None and len(x_labels) == n else [
        str(r.get(x_key, ""))[-3:] for r in rows]

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * (v / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{escape(description)}</desc>")
    for frac in (0, 0.5, 1):
        gy = y(top * frac)
        parts.append(f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}" '
                     f'class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" class="axis" '
                     f'text-anchor="end">{_axis_number(top * frac)}</text>')
    # At most 6 week labels, so that dates stay apart at the phone's font size.
    every = max(1, math.ceil(n / 6))
    shown = list(range(0, n, every))
    # The latest week always has its label; a neighbour too close to it gives way.
    if shown and shown[-1] != n - 1:
        shown[-1:] = [n - 1] if n - 1 - shown[-1] < every / 2 and len(shown) > 1 else \
            [shown[-1], n - 1]
    for i in shown:
        anchor = "end" if i == n - 1 and n > 1 else "start" if i == 0 and n > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" class="axis" '
                     f'text-anchor="{anchor}">{escape(labels[i])}</text>')
    if n == 1:
        bar_w = min(70.0, plot_w / (len(series) * 2 + 1))
        first = x(0) - bar_w * len(series) / 2
        for j, ((key, label), color) in enumerate(zip(series, COLORS, strict=False)):
            value = float(rows[0].get(key) or 0)
            bx, by = first + j * bar_w, y(value)
            parts.append(f'<rect class="bar" x="{bx + 4:.1f}" y="{by:.1f}" width="{bar_w - 8:.1f}" '
                         f'height="{TOP + plot_h - by:.1f}" fill="{color}">'
                         f"<title>{escape(label)}: {_axis_number(value)}</title></rect>")
            parts.append(f'<text x="{bx + bar_w / 2:.1f}" y="{max(by - 5, TOP + 10):.1f}" '
                         f'class="value" text-anchor="middle">{_axis_number(value)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))
    for (key, label), color in zip(series, COLORS, strict=False):
        points = " ".join(f"{x(i):.1f},{y(float(r.get(key) or 0)):.1f}"
                          for i, r in enumerate(rows))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" '
                     f'points="{points}"><title>{escape(label)}</title></polyline>')
        for i, r in enumerate(rows):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(r.get(key) or 0)):.1f}" r="4" '
                         f'fill="{color}" stroke="#fff" stroke-width="1.5">'
                         f'<title>{escape(labels[i])} · {escape(label)}: '
                         f'{r.get(key) or 0}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(series: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, color) pairs for the page's legend under the chart."""
    return [(label, color) for (_, label), color in zip(series, COLORS, strict=False)]
