"""Admin JSON API of the protection layer: the audit log (filters, keyset pages) and unlocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

from munjigi.protection import bp
from munjigi.protection import schemas
from munjigi.protection import services
from munjigi.responses import success
from munjigi.security.decorators import auth_required
from munjigi.security.decorators import current_principal
from munjigi.security.models import Role
from munjigi.security.stepup import fresh_auth_required

ADMIN: list[str | dict[str, list[Any]]] = [{"BearerAuth": []}, {"CookieAuth": []}]
F = TypeVar("F", bound=Callable[..., Any])


def admin_only(view: F) -> F:
    """``auth_required(role=ADMIN)`` with the view's type kept (for mypy)."""
    return cast(F, auth_required(role=Role.ADMIN)(view))


@bp.get("/api/admin/audit")
@admin_only
@bp.input(schemas.AuditQuery, location="query", arg_name="query")
@bp.output(schemas.AuditPageOut)
@bp.doc(
    summary="Audit events, newest first; filter and page with before_id (keyset)",
    security=ADMIN,
    responses={401: "Not logged in", 403: "Not an admin"},
)
def list_audit_events(query: dict[str, Any]) -> dict[str, Any]:
    page = services.search_audit(query)
    return success("ok", events=page.events, next_before_id=page.next_before_id)


@bp.post("/api/admin/users/<int:user_id>/unlock-login")
@admin_only
@fresh_auth_required()
@bp.output(schemas.UnlockOut)
@bp.doc(
    summary="Lift every brute-force lock and delay on an account",
    security=ADMIN,
    responses={
        401: "Not logged in, or reauth_required (POST /members/reauth)",
        403: "Not an admin",
        404: "No such user",
    },
)
def unlock_login(user_id: int) -> dict[str, Any]:
    cleared = services.unlock_login(current_principal(), user_id)
    return success("잠금 해제", user_id=user_id, cleared=cleared)
