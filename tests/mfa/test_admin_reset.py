"""An admin resets the second factors of a user who lost them: audited, step-up, admins only."""

from __future__ import annotations

from sqlalchemy import select

from munjigi.extensions import db
from munjigi.mfa.models import MfaChallenge
from munjigi.mfa.models import RecoveryCode
from munjigi.mfa.models import TotpFactor
from munjigi.security.models import AuditEvent
from munjigi.security.models import Role
from tests.mfa.conftest import api_challenge
from tests.mfa.conftest import api_login
from tests.web.conftest import Pages
from tests.web.conftest import make_user
from tests.web.conftest import user_named


def test_admin_sees_the_factors_and_resets_them(app, enrolled, clock):
    make_user("boss", Role.ADMIN)
    admin = Pages(app.test_client())
    assert admin.login("boss").status_code == 303
    kim = user_named("kim_chef").id
    api_challenge(app.test_client())  # a login waiting for its second factor
    page = admin.client.get(f"/admin/users/{kim}")
    assert "Authenticator app" in page.text and "Reset second factors" in page.text
    done = admin.post(f"/admin/users/{kim}/reset-factors")
    assert done.status_code == 303 and "factors_reset" in done.headers["Location"]
    db.session.expire_all()
    assert db.session.get(TotpFactor, kim) is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert db.session.scalars(select(MfaChallenge)).all() == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "mfa_reset"))
    assert event.user_id == kim and event.actor_id == user_named("boss").id
    body = api_login(app.test_client()).get_json()
    assert "access_token" in body and "mfa_required" not in body
    assert (
        "None: this user logs in with a password only"
        in admin.client.get(f"/admin/users/{kim}").text
    )


def test_a_stale_admin_must_reauthenticate_to_reset(app, enrolled, clock):
    make_user("boss", Role.ADMIN)
    admin = Pages(app.test_client())
    admin.login("boss")
    clock.advance(10 * 60 + 1)
    kim = user_named("kim_chef").id
    response = admin.post(f"/admin/users/{kim}/reset-factors")
    assert response.status_code == 303 and response.headers["Location"].startswith("/reauth")
    assert db.session.get(TotpFactor, kim) is not None


def test_members_cannot_reset_factors(app, enrolled):
    make_user("lee")
    lee = Pages(app.test_client())
    lee.login("lee")
    kim = user_named("kim_chef").id
    assert lee.post(f"/admin/users/{kim}/reset-factors").status_code == 403
    assert db.session.get(TotpFactor, kim) is not None


def test_reset_without_the_csrf_value_is_refused(app, enrolled):
    make_user("boss", Role.ADMIN)
    admin = Pages(app.test_client())
    admin.login("boss")
    kim = user_named("kim_chef").id
    refused = admin.client.post(f"/admin/users/{kim}/reset-factors", data={"csrf_token": "x"})
    assert refused.status_code == 403
    assert db.session.get(TotpFactor, kim) is not None


def _add_passkey(user_id: int) -> None:
    from munjigi.passkeys.models import Passkey

    db.session.add(
        Passkey(
            user_id=user_id,
            credential_key="k" * 40,
            credential_id="credential-id",
            public_key=b"not a real key",
            name="Laptop",
        )
    )
    db.session.commit()


def test_a_passkey_counts_as_a_second_factor_and_the_reset_removes_it(app, clock):
    from munjigi.mfa import challenge as mfa_challenge
    from munjigi.passkeys.models import Passkey

    make_user("lee")
    make_user("boss", Role.ADMIN)
    lee = user_named("lee").id
    _add_passkey(lee)
    assert mfa_challenge.enrolled_methods(lee) == ["passkey"]
    body = api_login(app.test_client(), "lee").get_json()
    assert body["mfa_required"] is True and body["methods"] == ["passkey"]
    admin = Pages(app.test_client())
    admin.login("boss")
    assert admin.post(f"/admin/users/{lee}/reset-factors").status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Passkey)).all() == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "mfa_reset"))
    assert event.detail == {"passkeys_removed": 1}
