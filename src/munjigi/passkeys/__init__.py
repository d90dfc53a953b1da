"""Passkeys (WebAuthn): register several, rename, remove, and sign in with one as the only
factor, as a second factor, or to re-authenticate for a sensitive action."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask.blueprints import BlueprintSetupState

from munjigi.security import policy

bp = APIBlueprint("passkeys", __name__, tag="passkeys")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.passkeys import api  # noqa: E402,F401  (routes register themselves on bp)
from munjigi.passkeys import models  # noqa: E402,F401  (tables join the metadata)
from munjigi.passkeys import views  # noqa: E402,F401  (the pages)


def _user_passkeys() -> list[Any]:
    """The signed-in page user's passkeys, for ``passkeys/_manage.html`` wherever it is included."""
    from munjigi import pages
    from munjigi.passkeys import services

    return services.list_for_user(pages.page_user().id) if pages.signed_in() else []


def _passkeys_enabled() -> bool:
    from munjigi.security.gatekeeper import gatekeeper

    return gatekeeper().settings.passkeys_enabled


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(
        user_passkeys=_user_passkeys, passkeys_enabled=_passkeys_enabled
    )
