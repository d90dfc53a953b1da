"""The reference peer: the same endpoints written the way Flask-JWT-Extended's docs show.

HS256 with one shared secret, tokens in headers and cookies with FJE's double-submit CSRF,
and revocation by the documented database blocklist: ``token_in_blocklist_loader`` runs
``db.session.query(TokenBlocklist.id).filter_by(jti=jti).scalar()`` on every request
(docs: "Blocklist and Token Revoking", database example). Passwords use the same argon2id
parameters as Munjigi so that logins compare like with like. The peer does less than
Munjigi on purpose, as the docs do: refresh returns a new access token without rotating
the refresh token, and there are no sessions, audit rows or key rotation.

Run: ``gunicorn 'peer_app:create_peer_app()'`` with BENCH_PEER_DATABASE_URL and
BENCH_PEER_SECRET in the environment (bench/run.py does this).
"""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask import jsonify
from flask import request
from flask_jwt_extended import JWTManager
from flask_jwt_extended import create_access_token
from flask_jwt_extended import create_refresh_token
from flask_jwt_extended import get_jwt_identity
from flask_jwt_extended import jwt_required
from flask_jwt_extended import set_access_cookies
from flask_jwt_extended import set_refresh_cookies
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()
# OWASP first option, the same as Munjigi's production default.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class PeerUser(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "peer_users"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)


class TokenBlocklist(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "peer_token_blocklist"
    id = db.Column(db.Integer, primary_key=True)
    jti = db.Column(db.String(36), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False)


@jwt.token_in_blocklist_loader
def check_if_token_revoked(jwt_header: dict[str, Any], jwt_payload: dict[str, Any]) -> bool:
    jti = jwt_payload["jti"]
    token = db.session.query(TokenBlocklist.id).filter_by(jti=jti).scalar()
    return token is not None


def create_peer_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ["BENCH_PEER_DATABASE_URL"],
        JWT_SECRET_KEY=os.environ["BENCH_PEER_SECRET"],
        JWT_ALGORITHM="HS256",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_COOKIE_SECURE=True,
        JWT_COOKIE_SAMESITE="Strict",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=30),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=14),
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)
    jwt.init_app(app)

    @app.get("/bench/bare")
    def bare() -> Any:
        return jsonify(ok=True)

    @app.get("/bench/protected")
    @jwt_required()
    def protected_get() -> Any:
        return jsonify(ok=True, user=get_jwt_identity())

    @app.post("/bench/protected")
    @jwt_required()
    def protected_post() -> Any:
        return jsonify(ok=True, user=get_jwt_identity())

    @app.post("/members/login")
    def login() -> Any:
        body = request.get_json()
        user = db.session.query(PeerUser).filter_by(username=body["username"]).one_or_none()
        try:
            ok = user is not None and hasher.verify(user.password_hash, body["password"])
        except Exception:  # noqa: BLE001 - argon2 raises on mismatch
            ok = False
        if not ok or user is None:
            return jsonify(msg="Bad username or password"), 401
        access = create_access_token(identity=str(user.id))
        refresh = create_refresh_token(identity=str(user.id))
        response = jsonify(access_token=access, refresh_token=refresh)
        set_access_cookies(response, access)
        set_refresh_cookies(response, refresh)
        return response

    @app.post("/members/tokens")
    @jwt_required(refresh=True)
    def refresh() -> Any:
        access = create_access_token(identity=get_jwt_identity())
        response = jsonify(access_token=access)
        set_access_cookies(response, access)
        return response

    return app


def seed(app: Flask, username: str, password: str) -> None:
    """Create the tables, one user, and a few blocklisted tokens (as a running system has)."""
    with app.app_context():
        db.create_all()
        db.session.add(PeerUser(username=username, password_hash=hasher.hash(password)))
        now = datetime.now(UTC).replace(tzinfo=None)
        db.session.add_all(TokenBlocklist(jti=f"revoked-{i}", created_at=now) for i in range(100))
        db.session.commit()
