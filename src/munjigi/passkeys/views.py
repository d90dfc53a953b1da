"""/account/passkeys: the passkey list with rename and remove (adding one needs the script).

Removing needs a fresh authentication: a stale session is sent to ``/reauth`` first.
"""

from __future__ import annotations

from flask import Response
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l

from munjigi import pages
from munjigi.errors import ValidationError
from munjigi.passkeys import bp
from munjigi.passkeys import services
from munjigi.passkeys.exceptions import PasskeyNotFoundError
from munjigi.security import policy
from munjigi.security.stepup import fresh_auth_required

NOTICES = {
    "added": _l("Passkey added. You can now sign in with it."),
    "renamed": _l("Passkey renamed."),
    "removed": _l("Passkey removed. It can no longer sign in."),
    "gone": _l("That passkey no longer exists."),
}
NAME_REQUIRED = _l("Give the passkey a name (up to 64 characters).")


@bp.get("/account/passkeys")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
def manage() -> Response:
    return _page()


@bp.post("/account/passkeys/<int:passkey_id>/name")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
def rename(passkey_id: int) -> Response:
    name = services.clean_name(request.form.get("name"))
    if not name:
        raise ValidationError(fields={"name": [NAME_REQUIRED]})
    try:
        services.rename(pages.principal().user_id, passkey_id, name)
    except PasskeyNotFoundError:
        return _back("gone")
    return _back("renamed")


@bp.post("/account/passkeys/<int:passkey_id>/delete")
@policy.route(kind=policy.PAGE)
@bp.doc(hide=True)
@pages.page
@fresh_auth_required(page=True)
def remove(passkey_id: int) -> Response:
    principal = pages.principal()
    try:
        services.remove(principal.user_id, passkey_id, session_id=principal.session_id)
    except PasskeyNotFoundError:
        return _back("gone")
    return _back("removed")


def _back(notice: str) -> Response:
    return pages.see_other(url_for("passkeys.manage", notice=notice))


def _page() -> Response:
    return pages.render("passkeys/index.html", notice=NOTICES.get(request.args.get("notice", "")))
