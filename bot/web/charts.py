"""Server-made SVG charts: no JavaScript, no chart library, readable on a phone."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 28
COLORS = ("#0b6e4f", "#c05621", "#2b6cb0", "#805ad5")


def _nice_max(value: float) -> float:
    if value <= 5:
        return 5
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return float(int(value * 1.1) + 1)


def trend_svg(rows: list[dict], series: list[tuple[str, str]], title: str,
              x_key: str = "week") -> Markup:
    """A line chart of `series` [(row key, label)] over `rows` (one per week), as inline SVG."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max([float(r.get(k) or 0) for r in rows for k, _ in series] or [0]))
    n = len(rows)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * (v / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for frac in (0, 0.5, 1):
        gy = y(top * frac)
        parts.append(f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}" '
                     f'class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" class="axis" '
                     f'text-anchor="end">{top * frac:g}</text>')
    every = max(1, n // 8)
    for i, r in enumerate(rows):
        if i % every == 0 or i == n - 1:
            label = escape(str(r.get(x_key, ""))[-3:])
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" class="axis" '
                         f'text-anchor="middle">{label}</text>')
    for (key, label), color in zip(series, COLORS, strict=False):
        points = " ".join(f"{x(i):.1f},{y(float(r.get(key) or 0)):.1f}"
                          for i, r in enumerate(rows))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" '
                     f'points="{points}"><title>{escape(label)}</title></polyline>')
        for i, r in enumerate(rows):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(r.get(key) or 0)):.1f}" r="3" '
                         f'fill="{color}"><title>{escape(str(r.get(x_key, "")))} · '
                         f'{escape(label)}: {r.get(key) or 0}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(series: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, color) pairs for the page's legend under the chart."""
    return [(label, color) for (_, label), color in zip(series, COLORS, strict=False)]
