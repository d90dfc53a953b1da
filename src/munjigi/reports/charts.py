"""Our own small SVG charts: one drawing for the pages (inline) and the PDFs (fpdf2 vectors).

Hand-built on purpose (ECOSYSTEM.md): pygal styles its SVG with CSS that fpdf2 does not
apply, matplotlib costs a second to import per worker and draws raster-looking text, and
Chart.js would be a CDN or a vendored bundle. These charts use only SVG presentation
attributes (``fill``, ``stroke``, ``font-size``) that browsers and fpdf2 both honour, no
``style`` attribute or ``<style>`` element (strict CSP, and fpdf2), and a font list whose
first name is the Korean font the PDF registers, so Hangul labels render in both.

Pure module: data in, SVG text out; no app, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

# The PDF registers its Korean font as "ReportSans" (fpdf2 takes the first registered name);
# browsers skip that name and use the next Korean font they have, else sans-serif.
PDF_FAMILY = "ReportSans"
FONT_FAMILY = f"{PDF_FAMILY}, NanumGothic, 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"
# Okabe–Ito: tells apart for colour-blind readers, dark enough on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#555555")
INK = "#1F2933"
MUTED = "#52606D"
GRID = "#D9DEE3"
WIDTH = 720


@dataclass(frozen=True)
class Series:
    """One named row of values drawn in one colour."""

    name: str
    values: tuple[float, ...]
    colour: str = PALETTE[0]


@dataclass(frozen=True)
class Chart:
    """What a chart shows: categories (x or bar labels), series, and the axes' words."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str  # appended to values: "원", " events"
    value_axis: str  # e.g. "Cost per meal (원)"
    category_axis: str  # e.g. "Recipe"

    @property
    def empty(self) -> bool:
        """Nothing to draw: no categories, or every value is zero."""
        return not self.categories or not any(v for s in self.series for v in s.values)


def number(value: float, unit: str = "") -> str:
    """1234.4 → "1,234" + unit: whole numbers with thousands separators."""
    return f"{round(value):,}{unit}"


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 past ``maximum`` in steps of 1, 2 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0)  # counts and won are whole numbers
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
    rotate: bool = False,
) -> str:
    extra = ' font-weight="bold"' if bold else ""
    if rotate:
        extra += f' transform="rotate(-90 {x:.1f} {y:.1f})"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT_FAMILY}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'
    )


def text_width(label: str, size: int = 12) -> float:
    """Roughly how wide ``label`` is drawn: Hangul and other wide glyphs take a full em."""
    return sum(size if ord(c) >= 0x1100 else size * 0.6 for c in label)


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _frame(chart: Chart, height: float, body: list[str], kind: str) -> Markup:
    # The page lays the SVG out at 100% width (reports.css); the PDF scales it to the column.
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{kind}" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-label="{escape(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height:.0f}" fill="#FFFFFF"/>',
        _text(16, 26, chart.title, size=16, bold=True),
        *body,
        "</svg>",
    ]
    return Markup("\n".join(parts))


def hbar(chart: Chart, *, label_width: int = 210) -> Markup:
    """Horizontal bars, one per category (long Korean names read well on the left)."""
    rows = len(chart.categories)
    values = chart.series[0].values if chart.series else ()
    colour = chart.series[0].colour if chart.series else PALETTE[0]
    top, row_h = 58.0, 30.0
    left, right = 16.0 + label_width, WIDTH - 90.0
    plot_h = max(rows, 1) * row_h
    height = top + plot_h + 58
    ticks = nice_ticks(max(values, default=0))
    scale = (right - left) / ticks[-1]
    body: list[str] = []
    for tick in ticks:
        x = left + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{top + plot_h:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(x, top + plot_h + 18, number(tick), size=11, anchor="middle", fill=MUTED))
    for i, (label, value) in enumerate(zip(chart.categories, values, strict=True)):
        y = top + i * row_h
        body.append(_text(left - 10, y + row_h / 2 + 4, _shorten(label, 18), anchor="end"))
        w = max(value * scale, 1.5 if value else 0)
        body.append(
            f'<rect x="{left:.1f}" y="{y + 5:.1f}" width="{w:.1f}" height="{row_h - 10:.1f}" '
            f'fill="{colour}"/>'
        )
        body.append(_text(left + w + 6, y + row_h / 2 + 4, number(value, chart.unit), size=11))
    body.append(
        f'<line x1="{left:.1f}" y1="{top - 6:.1f}" x2="{left:.1f}" y2="{top + plot_h:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    body.append(_text((left + right) / 2, height - 12, chart.value_axis, anchor="middle", size=12))
    body.append(_text(16, 46, chart.category_axis, size=12, fill=MUTED))
    if not rows:
        body.append(_text((left + right) / 2, top + 20, "No data yet", anchor="middle", fill=MUTED))
    return _frame(chart, height, body, "hbar")


def stacked(chart: Chart) -> Markup:
    """One 100 % bar split into the series (a recipe's cost by ingredient), with a legend."""
    total = sum(s.values[0] for s in chart.series if s.values)
    left, right, top, bar_h = 16.0, WIDTH - 16.0, 48.0, 34.0
    body: list[str] = []
    x = left
    for s in chart.series:
        share = s.values[0] / total if total else 0
        w = (right - left) * share
        if w > 0:
            body.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{bar_h:.1f}" '
                f'fill="{s.colour}" stroke="#FFFFFF" stroke-width="1"/>'
            )
            if w > 44:
                body.append(
                    _text(x + w / 2, top + bar_h / 2 + 4, f"{share:.0%}", size=11, anchor="middle",
                          fill="#FFFFFF", bold=True)
                )  # fmt: skip
        x += w
    # Legend: two columns of swatch, name, cost and share.
    legend_top, row_h, col_w = top + bar_h + 24, 22.0, (right - left) / 2
    for i, s in enumerate(chart.series):
        col, row = i % 2, i // 2
        lx, ly = left + col * col_w, legend_top + row * row_h
        value = s.values[0] if s.values else 0
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 11:.1f}" width="12" height="12" fill="{s.colour}"/>'
        )
        body.append(_text(lx + 18, ly, _shorten(s.name, 16), size=12))
        part = f" ({value / total:.0%})" if total else ""
        body.append(
            _text(lx + col_w - 24, ly, number(value, chart.unit) + part, size=12, anchor="end")
        )
    rows = (len(chart.series) + 1) // 2
    height = legend_top + rows * row_h + 26
    body.append(_text(left, height - 10, chart.value_axis, size=11, fill=MUTED))
    if not chart.series:
        body.append(_text(WIDTH / 2, top + 20, "No ingredients", anchor="middle", fill=MUTED))
    return _frame(chart, height, body, "stacked")


def lines(chart: Chart) -> Markup:
    """Several series over time (categories are the time buckets), with a legend."""
    left, right, top, plot_h = 64.0, WIDTH - 20.0, 64.0, 220.0
    bottom = top + plot_h
    n = len(chart.categories)
    peak = max((v for s in chart.series for v in s.values), default=0)
    ticks = nice_ticks(peak, 4)
    y_scale = plot_h / ticks[-1]
    step = (right - left) / max(n - 1, 1)
    body: list[str] = []
    for tick in ticks:
        y = bottom - tick * y_scale
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, number(tick), size=11, anchor="end", fill=MUTED))
    every = max(1, math.ceil(n / 8))  # at most ~8 time labels
    for i, label in enumerate(chart.categories):
        if i % every == 0 or i == n - 1:
            x = left + i * step
            body.append(_text(x, bottom + 18, label, size=11, anchor="middle", fill=MUTED))
    for s in chart.series:
        points = [(left + i * step, bottom - v * y_scale) for i, v in enumerate(s.values)]
        if not points:
            continue
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
        body.append(f'<path d="{d}" fill="none" stroke="{s.colour}" stroke-width="2.5"/>')
        if n <= 48:
            for x, y in points:
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.colour}"/>')
    body.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    body.append(
        _text(18, top + plot_h / 2, chart.value_axis, size=12, anchor="middle", rotate=True)
    )
    body.append(
        _text((left + right) / 2, bottom + 40, chart.category_axis, size=12, anchor="middle")
    )
    # Legend in one row under the axis label.
    lx, ly = left, bottom + 66
    for s in chart.series:
        total = sum(s.values)
        label = f"{s.name}: {number(total)}"
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="14" height="4" fill="{s.colour}"/>'
        )
        body.append(_text(lx + 20, ly, label, size=12))
        lx += 44 + text_width(label)
        if lx > right - 120:
            lx, ly = left, ly + 20
    height = ly + 18
    return _frame(chart, height, body, "lines")


def palette(count: int) -> list[str]:
    """``count`` colours from the palette, repeating when there are more series than colours."""
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def top_with_other(
    items: Sequence[tuple[str, float]], keep: int, other: str
) -> list[tuple[str, float]]:
    """The ``keep`` largest items, and the rest added up as ``other`` (legends stay readable)."""
    ordered = sorted(items, key=lambda item: item[1], reverse=True)
    if len(ordered) <= keep + 1:
        return ordered
    rest = sum(v for _, v in ordered[keep:])
    return [*ordered[:keep], (other, rest)]
