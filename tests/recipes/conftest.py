"""Fixtures for the recipe API: a small catalogue, members with Bearer tokens, recipe factories."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from munjigi.auth import services as members
from munjigi.extensions import db
from munjigi.recipes.models import Ingredient
from munjigi.security.models import Role
from tests.helpers import PASSWORD

# name, price, unit, label: hand-checked costs in the tests rely on these.
INGREDIENTS = [
    ("돼지고기", "15000", "600", "g"),  # 25 won per gram
    ("김치", "3000", "1000", "g"),  # 3 won per gram
    ("두부", "2000", "300", "g"),
    ("대파", "2990", "1", "단"),
    ("달걀", "7990", "30", "개"),
]


@dataclass
class Member:
    """A logged-in member: ``headers`` authenticate a request by Bearer token."""

    user_id: int
    username: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest.fixture
def client(app):
    # No cookie jar: a request without headers is anonymous, not a cookie request.
    return app.test_client(use_cookies=False)


@pytest.fixture
def catalogue(app) -> dict[str, int]:
    """The ingredients above; name → id."""
    rows = [
        Ingredient(name=n, price=Decimal(p), unit=Decimal(u), unit_label=label)
        for n, p, u, label in INGREDIENTS
    ]
    db.session.add_all(rows)
    db.session.commit()
    return {row.name: row.id for row in rows}


@pytest.fixture
def join(app):
    """``join("kim")`` signs a member up (``admin=True`` for an admin) and logs them in."""

    def make(username: str, *, admin: bool = False) -> Member:
        if admin:
            members.create_user(username, PASSWORD, f"{username}@example.com", role=Role.ADMIN)
        else:
            signup = app.test_client().post(
                "/members/forms",
                json={"username": username, "password": PASSWORD, "email": f"{username}@x.org"},
            )
            assert signup.status_code == 200, signup.get_json()
        login = app.test_client(use_cookies=False).post(
            "/members/login", json={"username": username, "password": PASSWORD}
        )
        assert login.status_code == 200, login.get_json()
        body = login.get_json()
        return Member(body["user_id"], username, body["access_token"])

    return make


@pytest.fixture
def kim(join) -> Member:
    return join("kim_chef")


@pytest.fixture
def lee(join) -> Member:
    return join("lee_cook")


@pytest.fixture
def admin(join) -> Member:
    return join("root_admin", admin=True)


@pytest.fixture
def make_post(client, catalogue):
    """``make_post(member, title=…, ingredients=…)`` creates a recipe; returns its id."""

    def make(member: Member, title: str = "돼지고기 김치찌개", **fields: Any) -> int:
        body = {
            "post": {"title": title, "content": fields.pop("content", "끓인다"), **fields},
            "ingredients": [
                {"id": catalogue["돼지고기"], "quantity": 300},
                {"id": catalogue["김치"], "quantity": "200.5"},
            ],
        }
        response = client.post("/posts/forms", json=body, headers=member.headers)
        assert response.status_code == 200, response.get_json()
        return int(response.get_json()["post_id"])

    return make


@pytest.fixture
def make_comment(client):
    def make(member: Member, post_id: int, content: str = "맛있어요") -> int:
        response = client.post(
            f"/posts/{post_id}/comments", json={"content": content}, headers=member.headers
        )
        assert response.status_code == 200, response.get_json()
        return int(response.get_json()["comment_id"])

    return make
