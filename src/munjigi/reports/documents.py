"""The two PDF documents: a member's recipe report and the admin security report."""

from __future__ import annotations

from datetime import datetime

from munjigi.recipes import pricing
from munjigi.reports import charts
from munjigi.reports import pdf
from munjigi.reports.queries import LABELS
from munjigi.reports.services import KitchenReport
from munjigi.reports.services import SecurityReport


def _won(amount: object) -> str:
    return f"{pricing.won(amount):,}원"  # type: ignore[arg-type]


def kitchen_pdf(
    report: KitchenReport,
    events: list[tuple[str, str, str, str]],
    *,
    generated_at: datetime,
    generated_by: str,
    font_path: str | None,
) -> bytes:
    """Title, cost per meal, cost by ingredient, most-liked recipes, recent activity."""
    doc = pdf.new_document("Recipe cost report", font_path)
    whose = "your recipes" if report.mine else "the newest recipes on 문지기 (you have none yet)"
    pdf.title_page(
        doc,
        subtitle=f"What a meal costs: {whose}, priced from the ingredient catalogue.",
        period=f"All recipes up to {generated_at:%Y-%m-%d %H:%M} UTC",
        generated_at=generated_at,
        generated_by=generated_by,
        compact=True,  # a member with one recipe gets a one-page report
        summary=[
            ("Recipes", f"{len(report.recipes):,}"),
            (
                "Cheapest meal",
                _won(min(r.per_meal for r in report.recipes)) if report.recipes else "–",
            ),
            (
                "Dearest meal",
                _won(max(r.per_meal for r in report.recipes)) if report.recipes else "–",
            ),
        ],
    )
    pdf.section(
        doc,
        "Cost per meal",
        "One meal = the recipe's total cost ÷ its servings, in whole won.",
        flow=True,
    )
    if report.recipes:  # an empty chart says less than the table's "No recipes yet."
        pdf.chart(doc, charts.hbar(report.cost_chart))
    pdf.table(
        doc,
        ("Recipe", "Servings", "Total", "Per meal", "Likes"),
        [
            (r.title, str(r.servings), _won(r.total), _won(r.per_meal), str(r.likes))
            for r in report.recipes
        ],
        widths=(76, 20, 32, 32, 20),
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        empty="No recipes yet.",
    )
    found = report.breakdown
    pdf.section(doc, "Cost by ingredient", found.recipe.title if found else None, flow=True)
    if found and report.breakdown_chart:
        pdf.chart(doc, charts.stacked(report.breakdown_chart))
        total = found.recipe.total or 1
        pdf.table(
            doc,
            ("Ingredient", "Quantity", "Cost", "Share"),
            [
                (
                    line.name,
                    f"{line.quantity.normalize():f} {line.unit_label}",
                    _won(line.cost),
                    f"{line.cost / total:.0%}",
                )
                for line in found.lines
            ],
            widths=(80, 40, 35, 25),
            align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )
    else:
        pdf.table(doc, (), [], widths=(180,), empty="No recipes yet.")
    pdf.section(doc, "Most-liked recipes", "Likes from every member, most liked first.", flow=True)
    if report.most_liked:
        pdf.chart(doc, charts.hbar(report.liked_chart))
    pdf.table(
        doc,
        ("Recipe", "By", "Per meal", "Likes"),
        [(r.title, r.author, _won(r.per_meal), str(r.likes)) for r in report.most_liked],
        widths=(80, 50, 30, 20),
        align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        empty="No recipe has a like yet.",
    )
    pdf.section(doc, "Recent activity on your account", flow=True)
    pdf.table(doc, ("What", "When (UTC)", "From", "Result"), events, widths=(60, 50, 45, 25))
    return pdf.output(doc)


def security_pdf(
    report: SecurityReport, *, generated_at: datetime, generated_by: str, font_path: str | None
) -> bytes:
    """Title with the numbers, activity over time, then the top offending IPs and accounts."""
    stats = report.stats
    doc = pdf.new_document("Security report", font_path)
    summary = [(str(LABELS[key]), f"{value:,}") for key, value in stats.totals.items()]
    summary.append(("Active sessions now", f"{stats.active_sessions:,}"))
    pdf.title_page(
        doc,
        subtitle="Sign-ins and refused attacks, from the audit log.",
        period=report.period.describe(),
        generated_at=generated_at,
        generated_by=generated_by,
        summary=summary,
    )
    pdf.section(
        doc, "Activity over time", f"{report.period.describe()}; counts per {report.period.bucket}."
    )
    pdf.chart(doc, charts.lines(report.sign_ins))
    pdf.chart(doc, charts.lines(report.threats))
    for title, chart, found, column in (
        ("Top offending IP addresses", report.ip_chart, stats.top_ips, "IP address"),
        ("Top offending accounts", report.account_chart, stats.top_accounts, "Account"),
    ):
        pdf.section(doc, title, "Failed or blocked events in the period, most first.")
        if found:
            pdf.chart(doc, charts.hbar(chart))
        pdf.table(
            doc,
            (column, "Failed or blocked"),
            [(o.label, f"{o.count:,}") for o in found],
            widths=(120, 60),
            align=("LEFT", "RIGHT"),
        )
    return pdf.output(doc)
