"""Signing in with a passkey: passwordless, as the second factor after a password, and
re-authentication (step-up) inside a session."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from munjigi.errors import AppError
from munjigi.extensions import db
from munjigi.mfa import challenge as mfa_challenge
from munjigi.passkeys import services
from munjigi.security import audit
from munjigi.security import sessions
from munjigi.security import stepup
from munjigi.security.models import User
from munjigi.security.sessions import IssuedTokens
from munjigi.security.sessions import Principal

METHOD = "passkey"


def login_options() -> dict[str, Any]:
    """Options for a passwordless sign-in: the browser offers every passkey it holds for us."""
    return services.begin_authentication(services.LOGIN)


def login(credential: Mapping[str, Any]) -> tuple[User, IssuedTokens]:
    """Passwordless: the passkey (with user verification) is the whole authentication.

    The user is the credential's owner, confirmed by the user handle the authenticator
    returns. Opens a session that counts as freshly authenticated (step-up).

    :raises ChallengeInvalidError, PasskeyRejectedError: see ``services.finish_authentication``.
    """
    assertion = services.finish_authentication(services.LOGIN, credential)
    user = assertion.user
    issued = sessions.open_session(user, ip=audit.client_ip(), user_agent=audit.user_agent())
    stepup.mark_authenticated(issued.session_id)
    audit.record(
        "login",
        user_id=user.id,
        session_id=issued.session_id,
        detail={"method": METHOD, "passkey_id": assertion.passkey.id},
    )
    db.session.commit()
    return user, issued


def _binding(mfa_token: str) -> str:
    # The ceremony is tied to this pending login, never stored in a usable form.
    return hashlib.sha256(mfa_token.encode()).hexdigest()


def second_factor_options(mfa_token: str) -> dict[str, Any]:
    """Options to finish a pending login (password already right) with one of the user's passkeys.

    :raises munjigi.mfa.exceptions.ChallengeInvalidError: no such live pending login.
    """
    user_id = mfa_challenge.peek(mfa_token)
    return services.begin_authentication(
        services.SECOND_FACTOR, user_id=user_id, binding=_binding(mfa_token)
    )


def second_factor(mfa_token: str, credential: Mapping[str, Any]) -> tuple[User, IssuedTokens]:
    """Finish a pending login with a passkey; a refusal counts as a failed second factor.

    :raises munjigi.mfa.exceptions.CodeInvalidError: the passkey was refused (try again).
    :raises munjigi.mfa.exceptions.ChallengeInvalidError: the pending login is over.
    """
    user_id = mfa_challenge.peek(mfa_token)
    try:
        services.finish_authentication(
            services.SECOND_FACTOR, credential, user_id=user_id, binding=_binding(mfa_token)
        )
    except AppError as error:
        mfa_challenge.fail(mfa_token, METHOD, error.code)
        raise  # fail() always raises; this keeps the type checker informed
    db.session.commit()  # the passkey's new counter and last use
    return mfa_challenge.complete(mfa_token, METHOD)


def reauth_options(principal: Principal) -> dict[str, Any]:
    """Options to re-authenticate this session with one of the user's passkeys."""
    return services.begin_authentication(
        services.REAUTH, user_id=principal.user_id, binding=principal.session_id
    )


def reauth(principal: Principal, credential: Mapping[str, Any]) -> None:
    """Re-authenticate this session with a passkey: step-up routes open for a while."""
    assertion = services.finish_authentication(
        services.REAUTH, credential, user_id=principal.user_id, binding=principal.session_id
    )
    stepup.mark_authenticated(principal.session_id)
    audit.record(
        "reauth",
        user_id=principal.user_id,
        session_id=principal.session_id,
        detail={"method": METHOD, "passkey_id": assertion.passkey.id},
    )
    db.session.commit()
