"""What each report shows, gathered once for its page and its PDF (and the audit CSV rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from munjigi.extensions import db
from munjigi.reports import figures
from munjigi.reports import period as periods
from munjigi.reports import queries
from munjigi.reports import recipe_costs
from munjigi.reports.charts import Chart
from munjigi.reports.period import Period
from munjigi.reports.queries import SecurityStats
from munjigi.reports.recipe_costs import Breakdown
from munjigi.reports.recipe_costs import RecipeCost


@dataclass(frozen=True)
class KitchenReport:
    """A member's recipes and their costs; ``mine`` is False when showing everyone's instead."""

    recipes: list[RecipeCost]
    mine: bool
    breakdown: Breakdown | None
    most_liked: list[RecipeCost]
    cost_chart: Chart
    breakdown_chart: Chart | None
    liked_chart: Chart


@dataclass(frozen=True)
class SecurityReport:
    """The security dashboard for one period."""

    stats: SecurityStats
    sign_ins: Chart
    threats: Chart
    ip_chart: Chart
    account_chart: Chart

    @property
    def period(self) -> Period:
        return self.stats.period


def kitchen(user_id: int, recipe_id: int | None = None) -> KitchenReport:
    """The member dashboard: my recipes (or, until I have some, everyone's newest).

    The breakdown shows ``recipe_id`` when given and it exists (recipes are public, as on
    GET /posts/{id}), else the dearest recipe per meal of the list.
    """
    session = db.session()
    recipes = recipe_costs.my_recipes(session, user_id)
    mine = bool(recipes)
    if not mine:
        recipes = recipe_costs.latest_recipes(session)
    found = recipe_costs.breakdown(session, recipe_id) if recipe_id is not None else None
    if found is None and recipes:
        dearest = max(recipes, key=lambda r: r.per_meal)
        found = recipe_costs.breakdown(session, dearest.id)
    liked = recipe_costs.most_liked(session)
    title = "My recipes: cost per meal" if mine else "Newest recipes on 문지기: cost per meal"
    return KitchenReport(
        recipes=recipes,
        mine=mine,
        breakdown=found,
        most_liked=liked,
        cost_chart=figures.cost_per_meal(recipes, title),
        breakdown_chart=figures.breakdown(found) if found else None,
        liked_chart=figures.most_liked(liked),
    )


def security(range_key: str | None, now: datetime) -> SecurityReport:
    """The admin dashboard over ``range_key`` (24h, 7d, 30d) ending at ``now``.

    :raises ValidationError: (422) an unknown range.
    """
    period = periods.parse(range_key, now)
    stats = queries.security_stats(db.session(), period)
    return SecurityReport(
        stats=stats,
        sign_ins=figures.sign_ins(stats),
        threats=figures.threats(stats),
        ip_chart=figures.offenders(stats.top_ips, "Top offending IP addresses", "IP address"),
        account_chart=figures.offenders(stats.top_accounts, "Top offending accounts", "Account"),
    )
