"""Public protection endpoints: robots.txt, PoW challenges and the password-strength hint."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import request

from munjigi.protection import bp
from munjigi.protection import schemas
from munjigi.protection import services
from munjigi.responses import success
from munjigi.security import antibot
from munjigi.security import policy

# Crawlers may index the public recipe pages, nothing that belongs to someone.
ROBOTS = """User-agent: *
Disallow: /api/
Disallow: /members/
Disallow: /admin/
Disallow: /account
Disallow: /login
Disallow: /signup
Disallow: /reports
"""


@bp.get("/robots.txt")
@bp.doc(hide=True)
def robots_txt() -> Response:
    return Response(
        ROBOTS, mimetype="text/plain", headers={"Cache-Control": "public, max-age=86400"}
    )


@bp.get("/api/antibot/challenge")
@policy.route(rate="lookup")
@bp.input(schemas.ChallengeQuery, location="query", arg_name="query")
@bp.output(schemas.ChallengeOut)
@bp.doc(
    summary="A proof-of-work challenge (ALTCHA v2) for a login or sign-up",
    description=(
        "Solve it (find the counter whose SHA-256(salt‖nonce‖counter) starts with keyPrefix), "
        "then send base64(JSON {challenge, solution: {counter, derivedKey}}) as `altcha` in the "
        "request body (or the X-Altcha header). Single use; expires after 10 minutes."
    ),
)
def get_challenge(query: dict[str, Any]) -> dict[str, Any]:
    found = services.challenge_for(query["purpose"], request.remote_addr)
    return success("ok", challenge=found, field=antibot.SOLUTION_FIELD)


@bp.post("/members/password-strength")
@policy.route(rate="lookup")
@bp.input(schemas.StrengthIn, arg_name="body")
@bp.output(schemas.StrengthOut)
@bp.doc(summary="How strong a password is, and whether sign-up would accept it")
def password_strength(body: dict[str, str]) -> dict[str, Any]:
    verdict = services.password_strength(body["password"], body["username"], body["email"])
    return success("ok", **verdict)


from munjigi.protection import admin_api  # noqa: E402,F401  (admin routes on the same bp)
