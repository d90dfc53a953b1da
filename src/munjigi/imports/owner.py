"""The "imported" member: the author of posts and comments that had none in the source.

One member per username, shared by every source; it is found again through its mapping
(source ``munjigi``, kind ``owner``), never by name alone, so an import never hands posts
to a real member who happens to be called "imported". It cannot log in (no password, locked).
"""

from __future__ import annotations

import click

from munjigi.auth import services as members
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.imports import journal
from munjigi.imports.context import Context
from munjigi.imports.identities import PLACEHOLDER_DOMAIN
from munjigi.imports.identities import UNUSABLE_PASSWORD
from munjigi.security import audit
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus

SOURCE = "munjigi"


def ensure(ctx: Context) -> int:
    """The imported member's id, creating it (in the current batch) when missing."""
    if ctx.owner_id is not None:
        return ctx.owner_id
    username = ctx.options.owner_username
    found = journal.mapped(SOURCE, journal.OWNER, [username]).get(username)
    if found is not None:
        ctx.owner_id = found
        return found
    if members.find_by_login(username) is not None:
        raise click.ClickException(
            f"the username {username!r} belongs to a member: choose another with "
            "--authorless-owner, or --authorless skip"
        )
    if not ctx.apply:
        ctx.owner_id = 0
        ctx.report(f"would create the member {username!r} for authorless posts and comments")
        return 0
    now = utcnow()
    user = User(
        username=username,
        username_key=members.canonical(username),
        email=f"{username}@{PLACEHOLDER_DOMAIN}",
        email_key=members.canonical(f"{username}@{PLACEHOLDER_DOMAIN}"),
        password_hash=UNUSABLE_PASSWORD,
        role=Role.MEMBER,
        status=UserStatus.LOCKED,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    journal.remember(SOURCE, journal.OWNER, ctx.run_id, [(username, user.id)])
    audit.record(
        "imported", user_id=user.id, reason="cli", detail={"source": ctx.source, "owner": True}
    )
    ctx.owner_id = user.id
    return user.id
