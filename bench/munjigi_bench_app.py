"""Munjigi as deployed, plus three tiny endpoints with the same bodies as the peer's.

``/bench/bare`` does no authentication (the ceiling), ``/bench/protected`` (GET and POST)
does exactly what ``@auth_required`` does for any view: read the token from the header or
the cookies, verify it, check CSRF for a cookie POST, check the session in the database.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Flask
from flask import jsonify

from munjigi import create_app
from munjigi.security import policy
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal

bench = Blueprint("bench", __name__)
policy.declare(bench, kind=policy.API)  # read/write classes: the limiter is paid like any API


@bench.get("/bench/bare")
def bare() -> Any:
    return jsonify(ok=True)


@bench.get("/bench/protected")
@auth_required
def protected_get() -> Any:
    return jsonify(ok=True, user=str(current_principal().user_id))


@bench.post("/bench/protected")
@auth_required
def protected_post() -> Any:
    return jsonify(ok=True, user=str(current_principal().user_id))


def create_bench_app() -> Flask:
    app = create_app()
    app.register_blueprint(bench)
    policy.resolve(app)  # the bench routes join the start-up table
    return app
