"""`flask munjigi purge-tokens`: spent and expired one-time tokens go, live ones stay."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.lifecycle.models import AccountToken
from munjigi.mfa import challenge
from munjigi.mfa.models import MfaChallenge
from munjigi.security.models import User
from tests.lifecycle.conftest import signup


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def purge(runner) -> str:
    result = runner.invoke(args=["munjigi", "purge-tokens"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_purge_tokens_keeps_live_tokens_and_drops_dead_ones(app, client, runner, clock, inbox):
    signup(client)  # a verification link (3 days)
    assert (
        client.post("/members/password/forgot", json={"email": "kim_chef@example.com"}).status_code
        == 200
    )  # a reset link (1 hour)
    user = db.session.scalar(select(User).where(User.username == "kim_chef"))
    challenge.issue(user, methods=["totp"])  # a pending second factor (5 minutes)
    db.session.commit()
    assert (count(AccountToken), count(MfaChallenge)) == (2, 1)

    assert purge(runner) == "purged 0 account tokens and 0 login challenges"
    clock.advance(2 * 3600)  # past the reset link and the challenge, not the verification
    assert purge(runner) == "purged 1 account tokens and 1 login challenges"
    assert (count(AccountToken), count(MfaChallenge)) == (1, 0)
    clock.advance(3 * 24 * 3600)
    assert purge(runner) == "purged 1 account tokens and 0 login challenges"
    assert count(AccountToken) == 0
