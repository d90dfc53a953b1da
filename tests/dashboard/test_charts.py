"""The SVG chart module on its own: scales, labels, units, escaping, and nothing CSP forbids."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from munjigi.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def chart(values, categories=None, unit="원"):
    categories = categories or tuple(f"레시피 {i}" for i in range(len(values)))
    return charts.Chart(
        title="Cost per meal",
        categories=tuple(categories),
        series=(charts.Series("Cost", tuple(values)),),
        unit=unit,
        value_axis="Cost of one meal (원)",
        category_axis="Recipe",
    )


@pytest.mark.parametrize(
    ("maximum", "expected_top"), [(0, 1), (1, 1), (7, 8), (4362, 5000), (12, 15), (99_999, 100_000)]
)
def test_nice_ticks_start_at_zero_and_pass_the_maximum_in_round_steps(maximum, expected_top):
    ticks = charts.nice_ticks(maximum)
    assert ticks[0] == 0
    assert ticks[-1] == expected_top
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_hbar_draws_one_bar_per_value_proportional_to_it_with_labels_and_units():
    svg = str(charts.hbar(chart((1000.0, 2500.0, 4362.0))))
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.PALETTE[0]]
    widths = [float(b.get("width")) for b in bars]
    assert len(widths) == 3
    assert widths[1] / widths[0] == pytest.approx(2.5, rel=0.01)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "4,362원" in texts and "레시피 2" in texts
    assert "Cost of one meal (원)" in texts and "Recipe" in texts  # both axes are named


def test_lines_chart_names_every_series_with_its_total_in_the_legend():
    data = charts.Chart(
        title="Sign-ins",
        categories=("11-21", "11-22", "11-23"),
        series=(
            charts.Series("Logins", (1, 2, 3)),
            charts.Series("Failed logins", (0, 5, 1), charts.PALETTE[3]),
        ),
        unit="",
        value_axis="Events (count)",
        category_axis="Day (UTC)",
    )
    root = ET.fromstring(str(charts.lines(data)))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Logins: 6" in texts and "Failed logins: 6" in texts
    assert "Events (count)" in texts and "Day (UTC)" in texts
    assert len(list(root.iter(f"{SVG}path"))) == 2


def test_stacked_shares_add_up_to_the_whole_bar():
    data = charts.Chart(
        title="김치찌개",
        categories=("김치찌개",),
        series=tuple(
            charts.Series(n, (v,), c)
            for (n, v), c in zip(
                (("돼지고기", 5000), ("김치", 900), ("두부", 1000)), charts.PALETTE, strict=False
            )
        ),
        unit="원",
        value_axis="Whole recipe",
        category_axis="Ingredient",
    )
    root = ET.fromstring(str(charts.stacked(data)))
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "34.0"]
    assert sum(float(r.get("width")) for r in segments) == pytest.approx(charts.WIDTH - 32, abs=0.5)
    assert "5,000원 (72%)" in [t.text for t in root.iter(f"{SVG}text")]


def test_labels_are_escaped_and_the_svg_has_no_style_or_script():
    svg = str(charts.hbar(chart((1.0,), categories=('<script>alert(1)</script>"',))))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert not re.search(r"\sstyle=|<style|<script|on\w+=", svg)
    ET.fromstring(svg)  # still well-formed XML


def test_an_empty_chart_says_so_instead_of_drawing_nothing():
    svg = str(charts.hbar(chart(())))
    assert "No data yet" in svg
    assert chart(()).empty and chart((0.0,)).empty and not chart((1.0,)).empty


def test_other_collects_the_smallest_slices():
    items = [("a", 5.0), ("b", 4.0), ("c", 3.0), ("d", 2.0), ("e", 1.0)]
    assert charts.top_with_other(items, 2, "Other") == [("a", 5.0), ("b", 4.0), ("Other", 6.0)]
    assert charts.top_with_other(items[:3], 2, "Other") == items[:3]


def _day_labels(n):
    return tuple(f"11-{d:02d}" if d <= 30 else f"12-{d - 30:02d}" for d in range(1, n + 1))


def _drawn_time_labels(svg, categories, y_min):
    root = ET.fromstring(str(svg))
    found = []
    for t in root.iter(f"{SVG}text"):
        if t.text in categories and float(t.get("y")) > y_min:
            half = charts.text_width(t.text, int(t.get("font-size"))) / 2
            found.append((float(t.get("x")) - half, float(t.get("x")) + half, t.text))
    return sorted(found)


@pytest.mark.parametrize("width", [charts.WIDTH, charts.NARROW])
@pytest.mark.parametrize("days", [2, 7, 8, 9, 24, 29, 30, 31, 90])
def test_time_labels_never_overlap_and_the_newest_is_always_named(width, days):
    # The seed: on the 30-day page the last two labels were drawn on top of each other.
    categories = _day_labels(days)
    data = charts.Chart(
        title="Sign-ins",
        categories=categories,
        series=(charts.Series("Logins", tuple(float(i % 5) for i in range(days))),),
        unit="",
        value_axis="Events",
        category_axis="Day (UTC)",
    )
    drawn = _drawn_time_labels(charts.lines(data, width=width), categories, 60)
    assert drawn[-1][2] == categories[-1] and drawn[0][2] == categories[0]
    for (_, right, a), (left, _, b) in zip(drawn, drawn[1:], strict=False):
        assert left - right >= 8, f"{a} and {b} touch at width {width}"


@pytest.mark.parametrize("draw", [charts.hbar, charts.stacked, charts.lines])
def test_the_phone_drawing_is_narrow_with_readable_text(draw):
    data = chart(
        (1000.0, 2500.0, 4362.0), ("아주 긴 이름의 돼지고기 김치찌개 레시피", "두부", "달걀")
    )
    root = ET.fromstring(str(draw(data, width=charts.NARROW)))
    assert root.get("width") == str(charts.NARROW) and root.get("viewBox").startswith("0 0 330 ")
    sizes = [int(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert min(sizes) >= 12  # drawn at the size it is shown at: nothing shrinks to 7 px
    for t in root.iter(f"{SVG}text"):
        if t.get("text-anchor") == "start" and not t.get("transform"):
            right = float(t.get("x")) + charts.text_width(t.text, int(t.get("font-size")))
            assert right <= charts.NARROW + 1, t.text  # no label runs off the drawing


def test_a_page_chart_comes_wide_and_narrow_and_the_heading_is_not_repeated():
    html = str(charts.page(charts.hbar, chart((1.0, 2.0))))
    assert html.count("<svg ") == 2 and 'width="720"' in html and 'width="330"' in html
    assert ">Cost per meal</text>" not in html  # the page's heading names it
    assert "<title>Cost per meal</title>" in html  # still named for screen readers


def test_no_two_texts_of_a_phone_chart_share_a_line_and_overlap():
    data = charts.Chart(
        title="김치찌개: cost by ingredient",
        categories=("김치찌개",),
        series=(charts.Series("돼지고기 앞다리살", (4770.0,)), charts.Series("김치", (900.0,))),
        unit="원",
        value_axis="Whole recipe: 5,670원 for 2 serving(s), 2,835원 per meal",
        category_axis="Ingredient",
    )
    root = ET.fromstring(str(charts.stacked(data, width=charts.NARROW)))
    boxes = []
    for t in root.iter(f"{SVG}text"):
        size, x = int(t.get("font-size")), float(t.get("x"))
        w = charts.text_width(t.text, size)
        left = {"start": x, "middle": x - w / 2, "end": x - w}[t.get("text-anchor")]
        boxes.append((float(t.get("y")), left, left + w, t.text))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            same_line = abs(a[0] - b[0]) < 12
            assert not (same_line and a[1] < b[2] and b[1] < a[2]), f"{a[3]!r} overlaps {b[3]!r}"
