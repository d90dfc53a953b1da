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
from collections.abc import Callable
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
# The phone drawing: a 360 px screen leaves about 300 px inside a card, and a 390 px one
# about 330 px, so 330 units show at (nearly) their own size on both.
NARROW = 330
NARROW_BELOW = 480
EMPTY_PERIOD = "No events in this period"


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


def _fit(label: str, room: float, size: int = 12) -> str:
    """``label`` cut (with …) to what fits in ``room`` units at ``size``."""
    while len(label) > 1 and text_width(label, size) > room:
        label = label[:-2] + "…"
    return label


def _frame(chart: Chart, height: float, body: list[str], kind: str, width: int) -> Markup:
    # Drawn at the width it is shown at: the page has a narrow twin for phones (``page``),
    # the PDF scales the wide one to its column.
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{kind}" '
        f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{escape(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height:.0f}" fill="#FFFFFF"/>',
        *body,
        "</svg>",
    ]
    return Markup("\n".join(parts))


def _head(chart: Chart, titled: bool) -> tuple[list[str], float]:
    """The title line (unless the page's own heading names the chart) and the y below it."""
    if not titled:
        return [], 0.0
    return [_text(16, 26, chart.title, size=16, bold=True)], 36.0


def hbar(
    chart: Chart, *, label_width: int = 210, width: int = WIDTH, titled: bool = True
) -> Markup:
    """Horizontal bars, one per category (long Korean names read well on the left).

    Narrower than ``NARROW_BELOW``, each name goes on its own line above its bar, so names
    and bars both keep the full width of a phone.
    """
    stacked_labels = width < NARROW_BELOW
    rows = len(chart.categories)
    values = chart.series[0].values if chart.series else ()
    colour = chart.series[0].colour if chart.series else PALETTE[0]
    body, head = _head(chart, titled)
    top = head + 26.0
    row_h = 44.0 if stacked_labels else 30.0
    left = 12.0 if stacked_labels else 16.0 + label_width
    right = width - (70.0 if stacked_labels else 90.0)
    plot_h = max(rows, 1) * row_h
    height = top + plot_h + 52
    ticks = nice_ticks(max(values, default=0), 3 if stacked_labels else 5)
    scale = (right - left) / ticks[-1]
    for tick in ticks:
        x = left + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{top + plot_h:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(x, top + plot_h + 18, number(tick), size=12, anchor="middle", fill=MUTED))
    for i, (label, value) in enumerate(zip(chart.categories, values, strict=True)):
        y = top + i * row_h
        w = max(value * scale, 1.5 if value else 0)
        if stacked_labels:
            body.append(_text(left, y + 14, _fit(label, width - 2 * left, 13), size=13))
            bar_y, bar_h = y + 20, row_h - 26
        else:
            body.append(_text(left - 10, y + row_h / 2 + 4, _shorten(label, 18), anchor="end"))
            bar_y, bar_h = y + 5, row_h - 10
        body.append(
            f'<rect x="{left:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour}"/>'
        )
        body.append(_text(left + w + 6, bar_y + bar_h / 2 + 4, number(value, chart.unit), size=12))
    body.append(
        f'<line x1="{left:.1f}" y1="{top - 6:.1f}" x2="{left:.1f}" y2="{top + plot_h:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    axis_x = (left + right) / 2
    body.append(_text(axis_x, height - 12, chart.value_axis, anchor="middle", size=12))
    body.append(_text(left if stacked_labels else 16, top - 12, chart.category_axis, fill=MUTED))
    if not rows:
        body.append(_text(axis_x, top + 20, "No data yet", anchor="middle", fill=MUTED))
    return _frame(chart, height, body, "hbar", width)


def stacked(chart: Chart, *, width: int = WIDTH, titled: bool = True) -> Markup:
    """One 100 % bar split into the series (a recipe's cost by ingredient), with a legend."""
    total = sum(s.values[0] for s in chart.series if s.values)
    body, head = _head(chart, titled)
    left, right, top, bar_h = 16.0, width - 16.0, head + 12.0, 34.0
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
                    _text(x + w / 2, top + bar_h / 2 + 4, f"{share:.0%}", size=12, anchor="middle",
                          fill="#FFFFFF", bold=True)
                )  # fmt: skip
        x += w
    # Legend: swatch, name, cost and share; two columns, one on a phone.
    columns = 1 if width < NARROW_BELOW else 2
    legend_top, row_h, col_w = top + bar_h + 24, 22.0, (right - left) / columns
    for i, s in enumerate(chart.series):
        col, row = i % columns, i // columns
        lx, ly = left + col * col_w, legend_top + row * row_h
        value = s.values[0] if s.values else 0
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 11:.1f}" width="12" height="12" fill="{s.colour}"/>'
        )
        part = f" ({value / total:.0%})" if total else ""
        amount = number(value, chart.unit) + part
        room = col_w - 24 - 18 - text_width(amount) - 8
        body.append(_text(lx + 18, ly, _fit(s.name, room), size=12))
        body.append(_text(lx + col_w - (0 if columns == 1 else 24), ly, amount, anchor="end"))
    rows = (len(chart.series) + columns - 1) // columns
    height = legend_top + rows * row_h + 26
    axis = chart.value_axis
    if text_width(axis, 12) > right - left:
        head_line, _, rest = axis.partition(": ")  # two lines on a phone
        body.append(_text(left, height - 10, head_line + ":", size=12, fill=MUTED))
        height += 18
        body.append(_text(left, height - 10, rest, size=12, fill=MUTED))
    else:
        body.append(_text(left, height - 10, axis, size=12, fill=MUTED))
    if not chart.series:
        body.append(_text(width / 2, top + 20, "No ingredients", anchor="middle", fill=MUTED))
    return _frame(chart, height, body, "stacked", width)


def time_labels(xs: Sequence[float], labels: Sequence[str], size: int = 12) -> list[int]:
    """Which of the centred time labels to draw so that none overlaps the next.

    The last one (the newest bucket) is always drawn; a label that would touch it gives way.
    """
    gap = size * 0.8
    kept: list[int] = []
    right_edge = -math.inf
    for i, (x, label) in enumerate(zip(xs, labels, strict=True)):
        half = text_width(label, size) / 2
        if x - half >= right_edge + gap:
            kept.append(i)
            right_edge = x + half
    if labels and (not kept or kept[-1] != len(labels) - 1):
        last = len(labels) - 1
        last_left = xs[last] - text_width(labels[last], size) / 2
        while kept and xs[kept[-1]] + text_width(labels[kept[-1]], size) / 2 + gap > last_left:
            kept.pop()
        kept.append(last)
    return kept


def lines(chart: Chart, *, width: int = WIDTH, titled: bool = True) -> Markup:
    """Several series over time (categories are the time buckets), with a legend."""
    narrow = width < NARROW_BELOW
    body, head = _head(chart, titled)
    left, right, top = (52.0 if narrow else 64.0), width - 20.0, head + 28.0
    plot_h = 180.0 if narrow else 220.0
    bottom = top + plot_h
    n = len(chart.categories)
    peak = max((v for s in chart.series for v in s.values), default=0)
    ticks = nice_ticks(peak, 4)
    y_scale = plot_h / ticks[-1]
    step = (right - left) / max(n - 1, 1)
    for tick in ticks:
        y = bottom - tick * y_scale
        body.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, number(tick), size=12, anchor="end", fill=MUTED))
    xs = [left + i * step for i in range(n)]
    for i in time_labels(xs, chart.categories):
        body.append(
            _text(xs[i], bottom + 18, chart.categories[i], size=12, anchor="middle", fill=MUTED)
        )
    if chart.empty:
        # A flat line at zero reads as "measured, all quiet" and hides "nothing happened".
        body.append(
            _text((left + right) / 2, top + plot_h / 2, EMPTY_PERIOD, anchor="middle", fill=MUTED)
        )
    for s in () if chart.empty else chart.series:
        points = [(left + i * step, bottom - v * y_scale) for i, v in enumerate(s.values)]
        if not points:
            continue
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in points)
        body.append(f'<path d="{d}" fill="none" stroke="{s.colour}" stroke-width="2.5"/>')
        if n <= (24 if narrow else 48):
            for x, y in points:
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.colour}"/>')
    body.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    body.append(
        _text(16, top + plot_h / 2, chart.value_axis, size=12, anchor="middle", rotate=True)
    )
    body.append(
        _text((left + right) / 2, bottom + 40, chart.category_axis, size=12, anchor="middle")
    )
    # Legend under the axis label, wrapping to the next row when a name would not fit.
    lx, ly = left, bottom + 66
    for s in chart.series:
        total = sum(s.values)
        label = f"{s.name}: {number(total)}"
        item = 44 + text_width(label)
        if lx > left and lx + item - 24 > right:
            lx, ly = left, ly + 20
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="14" height="4" fill="{s.colour}"/>'
        )
        body.append(_text(lx + 20, ly, label, size=12))
        lx += item
    height = ly + 18
    return _frame(chart, height, body, "lines", width)


def page(draw: Callable[..., Markup], chart: Chart, *, titled: bool = False) -> Markup:
    """A chart for a page: drawn once wide and once for phones; CSS shows the one that fits.

    Each is drawn at the size it is shown at (not a wide chart shrunk until its text is
    7 px); the hidden twin is ``display: none``, so screen readers meet the chart once.
    """
    wide = draw(chart, titled=titled)
    narrow = draw(chart, width=NARROW, titled=titled)
    return Markup(f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>')


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
