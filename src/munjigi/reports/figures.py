"""The dashboards' charts as data (``charts.Chart``): the pages and the PDFs draw the same ones."""

from __future__ import annotations

from munjigi.recipes import pricing
from munjigi.reports import charts
from munjigi.reports.queries import LABELS
from munjigi.reports.queries import Offender
from munjigi.reports.queries import SecurityStats
from munjigi.reports.recipe_costs import Breakdown
from munjigi.reports.recipe_costs import RecipeCost

WON = "원"
BREAKDOWN_SLICES = 7
SIGN_INS = ("logins_ok", "logins_failed", "second_steps_failed", "signups")
THREATS = ("lockouts", "reuse_detected", "rate_limited", "bot_blocked")
COLOURS = {
    "logins_ok": charts.PALETTE[0],
    "logins_failed": charts.PALETTE[3],
    "second_steps_failed": charts.PALETTE[6],
    "signups": charts.PALETTE[2],
    "lockouts": charts.PALETTE[4],
    "reuse_detected": charts.PALETTE[3],
    "rate_limited": charts.PALETTE[1],
    "bot_blocked": charts.PALETTE[7],
}


def cost_per_meal(recipes: list[RecipeCost], title: str) -> charts.Chart:
    """Bars of whole-won cost per meal, dearest first (at most ``CHART_RECIPES``)."""
    shown = sorted(recipes, key=lambda r: r.per_meal, reverse=True)[:15]
    return charts.Chart(
        title=title,
        categories=tuple(r.title for r in shown),
        series=(
            charts.Series("Cost per meal", tuple(float(pricing.won(r.per_meal)) for r in shown)),
        ),
        unit=WON,
        value_axis="Cost of one meal (원, whole won)",
        category_axis="Recipe",
    )


def breakdown(found: Breakdown) -> charts.Chart:
    """A recipe's total cost split by ingredient (the smallest added up as "Other")."""
    items = [(line.name, float(pricing.won(line.cost))) for line in found.lines]
    kept = charts.top_with_other(items, BREAKDOWN_SLICES, "Other")
    colours = charts.palette(len(kept))
    return charts.Chart(
        title=f"{found.recipe.title}: cost by ingredient",
        categories=(found.recipe.title,),
        series=tuple(
            charts.Series(name, (value,), colour)
            for (name, value), colour in zip(kept, colours, strict=True)
        ),
        unit=WON,
        value_axis=(
            f"Whole recipe: {pricing.won(found.recipe.total):,}원 for {found.recipe.servings} "
            f"serving(s), {pricing.won(found.recipe.per_meal):,}원 per meal"
        ),
        category_axis="Ingredient",
    )


def most_liked(recipes: list[RecipeCost]) -> charts.Chart:
    """Bars of like counts, most liked first."""
    return charts.Chart(
        title="Most-liked recipes",
        categories=tuple(r.title for r in recipes),
        series=(charts.Series("Likes", tuple(float(r.likes) for r in recipes), charts.PALETTE[4]),),
        unit=" likes",
        value_axis="Likes (count)",
        category_axis="Recipe",
    )


def _over_time(stats: SecurityStats, metrics: tuple[str, ...], title: str) -> charts.Chart:
    buckets = stats.period.buckets()
    return charts.Chart(
        title=title,
        categories=tuple(stats.period.bucket_label(at) for at in buckets),
        series=tuple(
            charts.Series(str(LABELS[m]), tuple(float(v) for v in stats.timeline[m]), COLOURS[m])
            for m in metrics
        ),
        unit="",
        value_axis="Events (count)",
        category_axis="Hour (UTC)" if stats.period.bucket == "hour" else "Day (UTC)",
    )


def sign_ins(stats: SecurityStats) -> charts.Chart:
    """Logins, failed logins and sign-ups per hour or day."""
    return _over_time(stats, SIGN_INS, "Sign-ins")


def threats(stats: SecurityStats) -> charts.Chart:
    """Lockouts, reuse detections, rate-limited and bot-blocked requests per hour or day."""
    return _over_time(stats, THREATS, "Attacks refused")


def offenders(found: list[Offender], title: str, axis: str) -> charts.Chart:
    """Bars of failed or blocked events per IP or account."""
    return charts.Chart(
        title=title,
        categories=tuple(o.label for o in found),
        series=(
            charts.Series(
                "Failed or blocked", tuple(float(o.count) for o in found), charts.PALETTE[3]
            ),
        ),
        unit="",
        value_axis="Failed or blocked events (count)",
        category_axis=axis,
    )
