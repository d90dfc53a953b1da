"""Fixtures for the dashboards and reports: members and admins signed in by cookie, a small
catalogue with hand-checked costs, recipes, likes, and audit rows at chosen times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from munjigi.auth import services as members
from munjigi.extensions import db
from munjigi.recipes import services as recipes
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import RecipeLike
from munjigi.security.models import AuditEvent
from munjigi.security.models import Role
from tests.helpers import PASSWORD
from tests.helpers import AuthActions

# name, price (won), unit, label: 25 won/g, 3 won/g, 2000 won per 300 g, 2990 won a bunch.
INGREDIENTS = [
    ("돼지고기", "15000", "600", "g"),
    ("김치", "3000", "1000", "g"),
    ("두부", "2000", "300", "g"),
    ("대파", "2990", "1", "단"),
]
# title, servings, [(ingredient, quantity)] → hand-checked cost per meal below.
RECIPES = [
    ("김치찌개", 2, [("돼지고기", "200"), ("김치", "300"), ("두부", "150"), ("대파", "0.5")]),
    ("두부조림", 1, [("두부", "300"), ("대파", "0.2")]),
    ("제육볶음", 4, [("돼지고기", "600"), ("대파", "1")]),
]
# 김치찌개: 5000 + 900 + 1000 + 1495 = 8395 → 4197.5 per meal → 4,198원 (half up)
# 두부조림: 2000 + 598 = 2598 per meal
# 제육볶음: 15000 + 2990 = 17990 → 4497.5 per meal → 4,498원
PER_MEAL = {"김치찌개": 4198, "두부조림": 2598, "제육볶음": 4498}


@dataclass
class Kitchen:
    owner_id: int
    recipe_ids: dict[str, int]


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def make_user(username: str, role: Role = Role.MEMBER) -> int:
    return members.create_user(username, PASSWORD, f"{username}@example.com", role=role).id


@pytest.fixture
def member(app: Any, auth: AuthActions) -> AuthActions:
    """kim_chef, logged in by cookie (the client holds the four cookies)."""
    make_user("kim_chef")
    assert auth.login("kim_chef").status_code == 200
    return auth


@pytest.fixture
def admin(app: Any, auth: AuthActions) -> AuthActions:
    """boss, an admin logged in by cookie."""
    make_user("boss", Role.ADMIN)
    assert auth.login("boss").status_code == 200
    return auth


@pytest.fixture
def kitchen(app: Any) -> Kitchen:
    """chef_lee's three recipes; two other members like 김치찌개, one likes 두부조림."""
    rows = [
        Ingredient(name=n, price=Decimal(p), unit=Decimal(u), unit_label=lb)
        for n, p, u, lb in INGREDIENTS
    ]
    db.session.add_all(rows)
    db.session.commit()
    ids = {row.name: row.id for row in rows}
    owner = make_user("chef_lee")
    recipe_ids = {}
    for title, servings, lines in RECIPES:
        body = {
            "post": {"title": title, "content": "맛있게", "servings": servings},
            "ingredients": [{"id": ids[name], "quantity": Decimal(q)} for name, q in lines],
        }
        recipe_ids[title] = recipes.create_post(owner, body).id
    fans = [make_user("fan_one"), make_user("fan_two")]
    db.session.add_all(
        [
            RecipeLike(user_id=fans[0], recipe_id=recipe_ids["김치찌개"]),
            RecipeLike(user_id=fans[1], recipe_id=recipe_ids["김치찌개"]),
            RecipeLike(user_id=fans[0], recipe_id=recipe_ids["두부조림"]),
        ]
    )
    db.session.commit()
    return Kitchen(owner, recipe_ids)


def add_events(*rows: dict[str, Any]) -> None:
    """Audit rows written directly (at chosen times), as a busy site would have them."""
    db.session.execute(db.insert(AuditEvent), [dict({"outcome": "ok"}, **row) for row in rows])
    db.session.commit()


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def security_log(app: Any) -> dict[str, Any]:
    """A known mix of audit events inside and outside the last 24 h / 7 d."""
    victim = make_user("victim")
    rows: list[dict[str, Any]] = []
    for i in range(5):
        rows.append(
            {"event": "login", "at": ago(hours=1, minutes=i), "user_id": victim, "ip": "10.0.0.1"}
        )
    for i in range(7):
        rows.append(
            {
                "event": "login_failed",
                "outcome": "failed",
                "at": ago(hours=2, minutes=i),
                "user_id": victim,
                "ip": "203.0.113.9",
            }
        )
    for i in range(3):
        rows.append(
            {
                "event": "login_failed",
                "outcome": "failed",
                "at": ago(days=3, minutes=i),
                "ip": "198.51.100.7",
            }
        )
    rows.append(
        {
            "event": "lockout",
            "outcome": "blocked",
            "at": ago(hours=2),
            "user_id": victim,
            "ip": "203.0.113.9",
        }
    )
    rows.append(
        {
            "event": "refresh_reused",
            "outcome": "blocked",
            "at": ago(days=2),
            "user_id": victim,
            "ip": "203.0.113.9",
        }
    )
    for i in range(4):
        rows.append(
            {
                "event": "rate_limited",
                "outcome": "blocked",
                "at": ago(hours=5, minutes=i),
                "ip": "198.51.100.7",
            }
        )
    rows.append(
        {"event": "bot_blocked", "outcome": "blocked", "at": ago(hours=6), "ip": "198.51.100.7"}
    )
    rows.append(
        {"event": "honeypot", "outcome": "blocked", "at": ago(days=4), "ip": "198.51.100.7"}
    )
    rows.append({"event": "signup", "at": ago(days=1, hours=1), "user_id": victim})
    # Outside every range but 30 d, and outside every range at all.
    rows.append({"event": "login", "at": ago(days=20), "user_id": victim, "ip": "10.0.0.1"})
    rows.append(
        {"event": "login_failed", "outcome": "failed", "at": ago(days=40), "ip": "192.0.2.1"}
    )
    add_events(*rows)
    return {"victim": victim}
