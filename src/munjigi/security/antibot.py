"""Anti-bot: honeypot and minimum fill time on HTML forms, a self-hosted proof of work, and a
refusal of obvious scrapers on pages. No third-party CAPTCHA.

Proof of work (ALTCHA v2 format, server side from the ``altcha`` package): the server picks a
secret counter below ``difficulty`` and publishes ``SHA-256(salt ‖ nonce ‖ counter)``'s
prefix; the client tries counters until one matches (``difficulty / 2`` hashes on average).
Challenges are HMAC-signed (a client cannot make its own or ease one), expire, and are single
use: a redeemed challenge's nonce is stored until it expires, so a replay is refused by every
process. Difficulty rises with risk: each level is four times the work of the one before.

Who meets it: the HTML sign-up form always (its script solves invisibly while the person
types), the HTML login form always at the IP's current level, and JSON clients only once
their IP or (account, IP) pair looks suspicious (recent failed logins, sign-up bursts) **and**
they have said they can solve one (``X-Altcha-Capable: 1``, or a solution in the request).
JSON flow: the API answers ``428 challenge_required`` with the challenge in
``fields.altcha``; the client solves it and repeats the request with ``"altcha": <payload>``
in the body (or the ``X-Altcha`` header); ``GET /api/antibot/challenge`` also hands one out.
A client that never said so (the original 한끼얼마 clients) cannot solve one, and a 428 would
lock it out: it gets the throttling answer instead, 429 with ``Retry-After`` (SPEC §6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import altcha
from flask import Flask
from flask import request
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from munjigi.config import Settings
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import suspicion
from munjigi.security.exceptions import BotBlockedError
from munjigi.security.exceptions import ChallengeRequiredError
from munjigi.security.exceptions import RateLimitedError
from munjigi.security.gatekeeper import gatekeeper
from munjigi.security.models import AuditEvent
from munjigi.security.protection_models import SpentChallenge

# Load spreading, not security. A generator of our own: the module-level one is shared
# with tests (Hypothesis checks that nothing else moves it) and with other libraries.
_SPREAD = random.Random()  # noqa: S311

log = logging.getLogger(__name__)

ALGORITHM = "SHA-256"
SOLUTION_FIELD = "altcha"
SOLUTION_HEADER = "X-Altcha"
HONEYPOT_FIELD = "website"
FORM_TOKEN_FIELD = "antibot_form"  # noqa: S105 - a field name, not a secret
# HTML forms that carry the anti-bot fields, and what their PoW protects.
FORM_PURPOSES = {"auth.login_page": "login", "auth.signup_page": "signup"}
SIGNUP_ENDPOINTS = frozenset({"auth.create_member", "auth.signup_page"})
MAX_LEVEL = suspicion.MAX_LEVEL
_MAX_PAYLOAD = 4096
# User-Agents of HTTP libraries and crawlers: a browser never sends these (case-insensitive).
SCRIPTED_AGENTS = re.compile(
    r"curl/|wget/|python-requests|python-httpx|aiohttp|go-http-client|java/|okhttp|"
    r"libwww-perl|scrapy|httpclient|node-fetch|axios/|guzzlehttp|headless|phantomjs|"
    r"\bbot\b|crawler|spider",
    re.IGNORECASE,
)


def _pow_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"munjigi-antibot-pow-v1", hashlib.sha256).digest()


def _form_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"munjigi-antibot-form-v1", hashlib.sha256).digest()


def difficulty_for(level: int, base: int) -> int:
    """The counter space of a challenge at risk ``level`` (1 = easiest; ×4 per level)."""
    level = max(1, min(MAX_LEVEL, level))
    return int(base * 4 ** (level - 1))


# --- pure core: challenges and form tokens ----------------------------------------------


def new_challenge(
    purpose: str, difficulty: int, *, secret: str, now: float, ttl: int
) -> dict[str, Any]:
    """A signed challenge whose answer is a random counter below ``difficulty``."""
    challenge = altcha.create_challenge(
        ALGORITHM,
        1,
        counter=secrets.randbelow(max(1, difficulty)),
        expires_at=int(now) + ttl,
        data={"purpose": purpose, "max": difficulty},
        hmac_secret=_pow_key(secret),
    )
    return dict(challenge.to_dict())


def check_solution(
    payload: str, *, purpose: str, min_difficulty: int, secret: str, now: float
) -> tuple[str | None, str]:
    """Verify a solution payload; return (challenge nonce, "ok") or (None, why it failed).

    Failure reasons: ``malformed``, ``forged`` (bad signature), ``wrong_answer``, ``expired``,
    ``wrong_purpose``, ``too_easy`` (solved at a lower level than is required now).
    """
    if len(payload) > _MAX_PAYLOAD:
        return None, "malformed"
    try:
        parsed = altcha.Payload.from_base64(payload)
    except (ValueError, KeyError, TypeError, RecursionError):
        return None, "malformed"
    try:
        result = altcha.verify_solution(parsed, _pow_key(secret))
    except (ValueError, TypeError, OverflowError):
        return None, "malformed"
    params = parsed.challenge.parameters
    if result.expired or not isinstance(params.expires_at, int) or params.expires_at < now:
        return None, "expired"
    if result.invalid_signature or result.error:
        return None, "forged"
    if not result.verified:
        return None, "wrong_answer"
    data = params.data if isinstance(params.data, dict) else {}
    if data.get("purpose") != purpose:
        return None, "wrong_purpose"
    if not isinstance(data.get("max"), int) or data["max"] < min_difficulty:
        return None, "too_easy"
    return str(params.nonce), "ok"


def form_token(secret: str, now: float) -> str:
    """The signed render time of a form (proves how long the form was open)."""
    stamp = str(int(now))
    mac = hmac.new(_form_key(secret), stamp.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{stamp}.{mac}"


def check_form_token(token: str | None, secret: str, now: float, min_fill: int, ttl: int) -> str:
    """``ok``, or why the form is refused: ``missing``, ``forged``, ``too_fast``, ``expired``."""
    if not token or "." not in token or len(token) > 64:
        return "missing"
    stamp, _, mac = token.partition(".")
    expected = hmac.new(_form_key(secret), stamp.encode(), hashlib.sha256).hexdigest()[:32]
    if not stamp.isdigit() or not hmac.compare_digest(expected, mac):
        return "forged"
    elapsed = now - int(stamp)
    if elapsed < min_fill:
        return "too_fast"
    if elapsed > ttl:
        return "expired"
    return "ok"


def scripted_agent(user_agent: str | None) -> bool:
    """Whether a page request comes from no browser at all (no UA, or an HTTP library's)."""
    return not user_agent or SCRIPTED_AGENTS.search(user_agent) is not None


# --- request side ---------------------------------------------------------------------


def _settings() -> Settings:
    return gatekeeper().settings


def enabled() -> bool:
    """Whether the anti-bot checks run in this application."""
    return _settings().antibot_enabled


def challenge(purpose: str, level: int) -> dict[str, Any]:
    """A fresh challenge for ``purpose`` at risk ``level``."""
    settings = _settings()
    return new_challenge(
        purpose,
        difficulty_for(level, settings.antibot_pow_difficulty),
        secret=settings.secret_key,
        now=gatekeeper().clock(),
        ttl=settings.antibot_challenge_ttl,
    )


def presented_solution() -> str | None:
    """The solution the request carries: ``X-Altcha`` header, JSON body or form field."""
    found = request.headers.get(SOLUTION_HEADER)
    if not found and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get(SOLUTION_FIELD), str):
            found = body[SOLUTION_FIELD]
    if not found and request.form:
        found = request.form.get(SOLUTION_FIELD)
    return found or None


def client_can_solve() -> bool:
    """Whether a 428 may be asked of this client: it said so (``X-Altcha-Capable: 1``), sent
    a solution, or is one of our PoW forms (whose script solves invisibly)."""
    if suspicion.declared_capable() or request.endpoint in FORM_PURPOSES:
        return True
    return presented_solution() is not None


def require(purpose: str, level: int, *, wait: Callable[[], int] | None = None) -> None:
    """Demand a valid, unspent solution at ``level`` (no-op at level 0 or when disabled);
    a client that cannot solve one waits instead, ``wait()`` seconds (sign-ups: the IP's
    :func:`suspicion.signup_wait`); 0 lets it through.

    :raises ChallengeRequiredError: (428) none, or one that is forged, wrong, expired, too
        easy or already spent; the error carries a fresh challenge.
    :raises RateLimitedError: (429) a client that cannot solve one must wait.
    """
    if level <= 0 or not enabled():
        return
    if not client_can_solve():
        if wait is not None:
            seconds = wait()
        else:
            seconds = suspicion.signup_wait(request.remote_addr) if purpose == "signup" else 0
        if seconds > 0:
            record_block("rate_limited", f"{purpose}_throttled", purpose=purpose, wait=seconds)
            raise RateLimitedError(retry_after=seconds)
        return
    settings = _settings()
    needed = difficulty_for(level, settings.antibot_pow_difficulty)
    payload = presented_solution()
    reason = "missing"
    if payload:
        nonce, reason = check_solution(
            payload,
            purpose=purpose,
            min_difficulty=needed,
            secret=settings.secret_key,
            now=gatekeeper().clock(),
        )
        if nonce is not None:
            if spend(nonce):
                suspicion.remember_capable()
                return
            reason = "replayed"
        record_block("pow_failed", reason, purpose=purpose)
    raise ChallengeRequiredError(challenge(purpose, level), reason)


def spend(nonce: str) -> bool:
    """Mark a challenge redeemed; False when it already was (a replay).

    Its own short transaction, committed at once: a replay is refused even if the request
    that redeemed the challenge later fails.
    """
    settings = _settings()
    now = gatekeeper().now()
    expires = now + timedelta(seconds=settings.antibot_challenge_ttl + 60)
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(SpentChallenge).values(nonce=nonce[:64], expires_at=expires))
            if _SPREAD.randrange(100) == 0:  # noqa: S311 - load spreading, not security
                connection.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < now))
    except IntegrityError:
        return False
    return True


def record_block(event: str, reason: str, **detail: Any) -> None:
    """Audit a refused bot (committed now: the request is about to be refused)."""
    try:
        db.session.rollback()
        audit.record(event, outcome="blocked", reason=reason, detail=detail or None)
        db.session.commit()
    except Exception:  # noqa: BLE001 - a refusal must not become a 500
        db.session.rollback()
        log.exception("could not audit a bot block")


def signup_level(ip: str | None) -> int:
    """Risk of a sign-up from ``ip``: 0 until it made ``antibot_suspicious_signups`` within
    the hour, then one level more for each further batch of that size."""
    settings = _settings()
    if not ip:
        return 1
    since = gatekeeper().now() - timedelta(hours=1)
    recent = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.event == "signup", AuditEvent.ip == ip, AuditEvent.at >= since)
    )
    threshold = settings.antibot_suspicious_signups
    count = int(recent or 0)
    if count < threshold:
        return 0
    return min(MAX_LEVEL, 1 + (count - threshold) // max(1, threshold))


# --- Flask wiring ----------------------------------------------------------------------


def guard(kind: str) -> None:
    """The gate's check of a request of rate class ``kind``: scrapers on pages, honeypot and
    fill time on forms, sign-up PoW."""
    if not enabled() or request.endpoint is None:
        return
    settings = _settings()
    endpoint = request.endpoint
    if kind == "page" and settings.antibot_block_scripted_pages:
        if scripted_agent(request.headers.get("User-Agent")):
            record_block("bot_blocked", "scripted_agent", endpoint=endpoint)
            raise BotBlockedError()
    if endpoint in FORM_PURPOSES and request.method == "POST":
        if request.form.get(HONEYPOT_FIELD):
            record_block("honeypot", "honeypot_filled", endpoint=endpoint)
            raise BotBlockedError()
        verdict = check_form_token(
            request.form.get(FORM_TOKEN_FIELD),
            settings.secret_key,
            gatekeeper().clock(),
            settings.antibot_min_fill_time,
            settings.antibot_form_ttl,
        )
        if verdict != "ok":
            record_block("bot_blocked", f"form_{verdict}", endpoint=endpoint)
            raise BotBlockedError()
    if endpoint in SIGNUP_ENDPOINTS and request.method == "POST":
        level = signup_level(request.remote_addr)
        if endpoint == "auth.signup_page":
            level = max(1, level)  # the page's script always solves one
        require("signup", level)


def _form_token_value() -> str:
    settings = _settings()
    return form_token(settings.secret_key, gatekeeper().clock())


def _page_challenge() -> str:
    """The challenge embedded in a PoW form (JSON), or "" on other forms."""
    if not enabled():
        return ""
    purpose = FORM_PURPOSES.get(request.endpoint or "")
    if purpose is None:
        return ""
    if purpose == "signup":
        level = max(1, signup_level(request.remote_addr))
    else:
        from munjigi.security import bruteforce

        level = max(1, bruteforce.ip_level(request.remote_addr or ""))
    return json.dumps(challenge(purpose, level), separators=(",", ":"))


def encode_solution(challenge_dict: dict[str, Any], counter: int, derived_key: str) -> str:
    """The base64 payload a client sends back (used by tests and the docs' example client)."""
    body = {
        "challenge": challenge_dict,
        "solution": {"counter": counter, "derivedKey": derived_key},
    }
    return base64.b64encode(json.dumps(body).encode()).decode()


def solve(challenge_dict: dict[str, Any]) -> str:
    """Solve a challenge in Python (what an API client does); returns the payload."""
    parsed = altcha.Challenge.from_dict(challenge_dict)
    solution = altcha.solve_challenge(parsed, timeout=60)
    if solution is None:  # pragma: no cover - a valid challenge always has an answer
        raise ValueError("no solution found")
    return encode_solution(challenge_dict, solution.counter, solution.derived_key)


def init_app(app: Flask) -> None:
    """The template helpers of ``antibot/fields.html`` (the gate calls ``guard``)."""
    app.jinja_env.globals.update(
        antibot_enabled=enabled,
        antibot_form_token=_form_token_value,
        antibot_challenge=_page_challenge,
        antibot_min_fill=lambda: _settings().antibot_min_fill_time,
        antibot_honeypot=HONEYPOT_FIELD,
        antibot_token_field=FORM_TOKEN_FIELD,
        antibot_solution_field=SOLUTION_FIELD,
    )
