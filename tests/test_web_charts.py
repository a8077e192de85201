"""The server-made trend chart: every axis label stays inside the drawing, on a phone too."""

from __future__ import annotations

import re

import pytest

from bot.web import charts

PHONE_FONT = 22  # svg.chart .axis font-size on phones (style.css), in viewBox units
CHAR_WIDTH = 0.62  # a generous average glyph width for the UI's sans-serif, in em


def _labels(svg: str) -> list[tuple[float, str, str]]:
    return [(float(x), anchor, text) for x, anchor, text in re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" class="axis" text-anchor="(\w+)">([^<]*)</text>', svg)]


@pytest.mark.parametrize("peak", [3, 40, 980, 12_345, 2_400_000])
@pytest.mark.parametrize("weeks", [1, 2, 12, 26])
def test_every_axis_label_fits_inside_the_chart_at_the_phone_font_size(peak, weeks) -> None:
    rows = [{"week": f"2026-W{i + 1:02d}", "queries": peak if i == weeks - 1 else i}
            for i in range(weeks)]
    svg = str(charts.trend_svg(rows, [("queries", "Queries")], "Trend"))
    labels = _labels(svg)
    assert labels
    for x, anchor, text in labels:
        width = len(text) * PHONE_FONT * CHAR_WIDTH
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        assert left >= 0 and left + width <= charts.WIDTH, (text, anchor, x)


def test_axis_numbers_are_round_and_short() -> None:
    rows = [{"week": "2026-W01", "n": 0}, {"week": "2026-W02", "n": 1_234_567}]
    texts = [t for _, _, t in _labels(str(charts.trend_svg(rows, [("n", "n")], "t")))]
    assert "2M" in texts and "1M" in texts
    assert not any("e+" in t for t in texts)


def test_one_week_is_drawn_as_labelled_bars_not_lone_dots() -> None:
    rows = [{"week": "2026-W10", "queries": 12, "opens": 7}]
    svg = str(charts.trend_svg(rows, [("queries", "Queries"), ("opens", "Opens")], "Trend",
                               x_labels=["2 mar"]))
    assert svg.count("<rect") == 2 and "<circle" not in svg and "<polyline" not in svg
    assert re.findall(r'class="value"[^>]*>([^<]*)<', svg) == ["12", "7"]
    assert ">2 mar</text>" in svg


def test_several_weeks_are_lines_with_a_marker_per_week_and_dated_labels() -> None:
    rows = [{"week": f"2026-W{i:02d}", "queries": i} for i in range(1, 27)]
    labels = [f"{i} mar" for i in range(1, 27)]
    svg = str(charts.trend_svg(rows, [("queries", "Queries")], "Trend", x_labels=labels,
                               description="26 weeks"))
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 26
    shown = [t for _, _, t in _labels(svg) if "mar" in t]
    assert 3 <= len(shown) <= 7 and shown[-1] == "26 mar"
    assert "<desc>26 weeks</desc>" in svg
