"""``auth_required`` on views that are not Munjigi's: another team's blueprint on the app."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.models import Role
from munjigi.security.models import User


def principal_fields() -> dict[str, object]:
    principal = current_principal()
    return {
        "user_id": principal.user_id,
        "session_id": principal.session_id,
        "role": str(principal.role),
        "transport": principal.transport,
    }


@pytest.fixture
def app(app):
    """Munjigi plus a blueprint of "our own" views, registered before the first request."""
    reports = Blueprint("team_reports", __name__, url_prefix="/team-reports")

    @reports.get("/mine")
    @auth_required
    def my_report():
        """A member view."""
        return principal_fields()

    @reports.post("/mine")
    @auth_required
    def save_report():
        return {"saved": True, **principal_fields()}

    @reports.get("/all")
    @auth_required(role=Role.ADMIN)
    def all_reports():
        return {"admin": True, **principal_fields()}

    @reports.get("/members-only")
    @auth_required(role=Role.MEMBER)
    def members_only():
        return {"members_only": True}

    @reports.get("/public")
    def public():
        return {"public": True}

    app.register_blueprint(reports)
    return app


def bearer(auth) -> dict[str, str]:
    return auth.bearer()


def make_admin(username: str) -> None:
    db.session.execute(update(User).where(User.username == username).values(role=Role.ADMIN))
    db.session.commit()


def test_decorated_view_sees_the_principal_by_bearer(auth, client):
    tokens = auth.signup_and_login()
    response = client.get("/team-reports/mine", headers=auth.bearer())
    assert response.status_code == 200
    assert response.get_json() == {
        "user_id": tokens["user_id"],
        "session_id": tokens["session_id"],
        "role": "member",
        "transport": "bearer",
    }


def test_decorated_view_sees_the_principal_by_cookie(auth, client):
    tokens = auth.signup_and_login()
    body = client.get("/team-reports/mine").get_json()  # cookies from the login, no CSRF for GET
    assert body["transport"] == "cookie"
    assert body["session_id"] == tokens["session_id"]


def test_decorated_state_change_by_cookie_needs_csrf(auth, client):
    auth.signup_and_login()
    denied = client.post("/team-reports/mine")
    assert denied.status_code == 403
    assert denied.get_json()["code"] == "csrf_failed"
    allowed = client.post("/team-reports/mine", headers=auth.csrf_headers())
    assert allowed.status_code == 200
    assert allowed.get_json()["saved"] is True


def test_decorator_keeps_the_view_name(app):
    assert app.view_functions["team_reports.my_report"].__name__ == "my_report"
    assert app.view_functions["team_reports.my_report"].__doc__ == "A member view."
    assert app.view_functions["team_reports.all_reports"].__name__ == "all_reports"


@pytest.mark.parametrize("path", ["/team-reports/mine", "/team-reports/all"])
def test_decorated_view_without_token_is_401(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_missing"


def test_undecorated_view_stays_public(client):
    assert client.get("/team-reports/public").get_json() == {"public": True}


def test_member_on_admin_view_is_403_role_required(auth, client):
    auth.signup_and_login()
    response = client.get("/team-reports/all", headers=auth.bearer())
    assert response.status_code == 403
    body = response.get_json()
    assert body["result"] == "failed"
    assert body["code"] == "role_required"


def test_admin_on_admin_view(auth, client):
    tokens = auth.signup_and_login("boss")
    make_admin("boss")
    response = client.get("/team-reports/all", headers=auth.bearer())
    assert response.status_code == 200
    assert response.get_json() == {
        "admin": True,
        "user_id": tokens["user_id"],
        "session_id": tokens["session_id"],
        "role": "admin",
        "transport": "bearer",
    }


def test_admin_may_use_a_member_role_view(auth, client):
    auth.signup_and_login("boss")
    make_admin("boss")
    db.session.commit()

    response = client.get("/team-reports/members-only", headers=auth.bearer())

    assert response.status_code == 200, response.get_json()


def test_revoked_session_is_refused_by_decorated_view(auth, client):
    auth.signup_and_login()
    headers = auth.bearer()
    assert client.post("/members/logout", headers=headers).status_code == 200
    response = client.get("/team-reports/mine", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "session_revoked"
