"""The security core's per-application state: settings, keys, hashing and the clock."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from flask import Flask
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from munjigi.config import Settings
from munjigi.security import breached
from munjigi.security.keys import KeyStore
from munjigi.security.passwords import PasswordHasher
from munjigi.security.passwords import PasswordPolicy
from munjigi.security.token_cache import VerifiedTokens
from munjigi.security.tokens import TokenPolicy

log = logging.getLogger(__name__)

EXTENSION_KEY = "munjigi"


class Gatekeeper:
    """Everything the security core needs, bound to one application (like ``JWTManager``)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.policy = TokenPolicy(settings.issuer, settings.audience, settings.token_leeway)
        self.keys = KeyStore(
            settings.secret_key,
            settings.signing_alg,
            settings.max_token_lifetime,
            settings.token_leeway,
            settings.key_cache_ttl,
        )
        # Tokens whose signature verified in this process (decorators.verified_claims).
        self.verified = VerifiedTokens()
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )
        self.password_policy = PasswordPolicy(
            settings.password_min_length,
            settings.password_max_length,
            is_listed=breached.is_breached if settings.password_breach_check else None,
        )

    def init_app(self, app: Flask) -> None:
        from munjigi.security import audit_chain

        app.extensions[EXTENSION_KEY] = self
        # SPEC §3: the JWKS publishes a key before the first login signs with it.
        app.before_request(self._first_key)
        # Audit rows are inserted at commit, linked into the hash chain (audit.record).
        audit_chain.install()

    def _first_key(self) -> None:
        from flask import request

        from munjigi.extensions import db

        # Liveness and metrics touch no database; /readyz makes the key itself.
        if request.blueprint == "ops" or request.endpoint == "static":
            return
        try:
            self.keys.ensure_first_key(db.session)
        except SQLAlchemyError as error:
            # Routes that never touch the database (the API docs, static files) must not
            # fail because it is down or not yet migrated; a route that needs it meets the
            # same error itself and answers 503. The next request tries again.
            db.session.rollback()
            log.warning("first signing key not ensured: %s", type(error).__name__)

    def now(self) -> datetime:
        """The current time from this application's clock (fixed in tests)."""
        return datetime.fromtimestamp(int(self.clock()), UTC)


def gatekeeper() -> Gatekeeper:
    """The Gatekeeper of the current application."""
    found: Gatekeeper = current_app.extensions[EXTENSION_KEY]
    return found
