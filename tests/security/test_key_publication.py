"""SPEC §3: a key is published before anything signs with it, on every process; one current key.

Several app instances on one database stand for several workers or replicas, each with its
own key cache (``key_cache_ttl`` long, so a cache alone would not have noticed anything).
"""

from __future__ import annotations

import threading
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from munjigi import create_app
from munjigi.extensions import db
from munjigi.security.keys import KeyStore
from munjigi.security.models import SigningKey
from tests.helpers import AuthActions


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"key_cache_ttl": 3600}


@pytest.fixture
def replica(app):
    """Another instance on the same database, with its own key cache."""
    other = create_app(app.extensions["munjigi.settings"])
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def jwks_kids(client: Any) -> set[str]:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return {key["kid"] for key in response.get_json()["keys"]}


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def rotate(runner: Any, *extra: str) -> str:
    result = runner.invoke(args=["munjigi", "rotate-keys", *extra])
    assert result.exit_code == 0, result.output
    return str(result.stdout.split()[-1])


def current_keys() -> list[str]:
    with Session(bind=db.engine) as fresh:
        return list(fresh.scalars(select(SigningKey.kid).where(SigningKey.rotated_at.is_(None))))


def test_a_fresh_deployment_publishes_its_key_before_the_first_login(client, auth):
    published = jwks_kids(client)
    assert len(published) == 1
    tokens = auth.signup_and_login()
    assert kid_of(tokens["access_token"]) in published


def test_any_first_request_makes_the_key(client, auth):
    assert auth.signup().status_code == 200
    assert len(current_keys()) == 1


def test_concurrent_first_logins_create_one_current_key(app):
    """Eight "processes" (a key store each) ask for the signing key at the same moment."""
    settings = app.extensions["munjigi.settings"]
    engine = db.engine
    barrier = threading.Barrier(8)
    kids: list[str] = []
    errors: list[BaseException] = []

    def first_login() -> None:
        store = KeyStore(
            settings.secret_key, settings.signing_alg, settings.max_token_lifetime, 5, 3600
        )
        try:
            with Session(bind=engine) as session:
                barrier.wait(timeout=10)
                kids.append(store.signing_key(session).kid)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_login) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(current_keys()) == 1
    assert set(kids) == set(current_keys())


def test_a_rotated_key_is_published_by_every_instance_before_it_signs(client, runner, replica):
    auth = AuthActions(client)
    auth.signup_and_login()
    other = replica.test_client()
    old_kid = kid_of(auth.tokens["access_token"])
    assert jwks_kids(other) == {old_kid}  # the replica has cached the key set

    new_kid = rotate(runner)

    # The replica's cache is an hour old at most, yet it publishes the new key at once…
    assert jwks_kids(other) == {old_kid, new_kid}
    # … and anything signed with it verifies there.
    assert kid_of(auth.login().get_json()["access_token"]) == new_kid
    assert other.get("/members/me", headers=auth.bearer()).status_code == 200


def test_rotate_reset_takes_effect_on_the_next_request_everywhere(client, runner, replica):
    auth = AuthActions(client)
    auth.signup_and_login()
    other = replica.test_client()
    old = auth.bearer()
    assert other.get("/members/me", headers=old).status_code == 200  # cached there

    new_kid = rotate(runner, "--reset")

    refused = other.get("/members/me", headers=old)
    assert refused.status_code == 401  # session_revoked there: its cache still has the key
    assert jwks_kids(other) == {new_kid}
    auth.login()
    assert kid_of(auth.tokens["access_token"]) == new_kid
    assert other.get("/members/me", headers=auth.bearer()).status_code == 200
