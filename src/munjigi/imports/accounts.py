"""Importing accounts: identity checks, hashes kept as they are, the ``imported`` audit event."""

from __future__ import annotations

from sqlalchemy import select

from munjigi.auth import services as members
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.imports import identities
from munjigi.imports import journal
from munjigi.imports.context import RENAME
from munjigi.imports.context import Context
from munjigi.imports.identities import Identity
from munjigi.imports.identities import Refused
from munjigi.imports.sources import USER
from munjigi.imports.sources import Account
from munjigi.security import audit
from munjigi.security.models import PASSWORD_AT_LOGIN
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus


def import_accounts(ctx: Context, batch: list[Account]) -> None:
    """Import one batch of accounts (the caller commits, or rolls back in a dry run)."""
    found = journal.mapped(ctx.source, USER, (a.old_id for a in batch))
    fresh = [a for a in batch if a.old_id not in found]
    ctx.count(USER, "read", len(batch))
    ctx.count(USER, "unchanged", len(batch) - len(fresh))
    taken_usernames, taken_emails = _taken(ctx, fresh)
    rename = ctx.options.on_conflict == RENAME
    created: list[tuple[Account, User, Identity, str]] = []
    now = utcnow()
    for account in fresh:
        try:
            identity = identities.decide(
                ctx.source,
                account.old_id,
                account.username,
                account.email,
                rename=rename,
                taken_usernames=taken_usernames,
                taken_emails=taken_emails,
            )
        except Refused as refused:
            ctx.skip(USER, account.old_id, refused.conflicts)
            continue
        if identity.conflicts:
            outcome = f"renamed to {identity.username} <{identity.email}>"
            ctx.conflict(USER, account.old_id, identity.conflicts, outcome)
            ctx.count(USER, "renamed")
        taken_usernames.add(identity.username_key)
        taken_emails.add(identity.email_key)
        kind = identities.password_kind(account.password)
        ctx.count(USER, f"password:{kind}")
        usable = kind != "none"
        since = account.created_at or now
        user = User(
            username=identity.username,
            username_key=identity.username_key,
            email=identity.email,
            email_key=identity.email_key,
            password_hash=(account.password or "").strip()
            if usable
            else identities.UNUSABLE_PASSWORD,
            role=Role.MEMBER,
            status=UserStatus.ACTIVE,
            created_at=since,
            updated_at=now,
            password_changed_at=since,
            # The policy needs the plaintext: it is checked at the next good login.
            password_review=PASSWORD_AT_LOGIN if usable else None,
        )
        created.append((account, user, identity, kind))
    ctx.count(USER, "imported", len(created))
    if not ctx.apply:
        ctx.seen_usernames |= {i.username_key for _, _, i, _ in created}
        ctx.seen_emails |= {i.email_key for _, _, i, _ in created}
        return
    db.session.add_all([user for _, user, _, _ in created])
    db.session.flush()
    journal.remember(ctx.source, USER, ctx.run_id, ((a.old_id, u.id) for a, u, _, _ in created))
    for account, user, identity, kind in created:
        audit.record(
            "imported",
            user_id=user.id,
            reason="cli",
            detail={
                "source": ctx.source,
                "old_id": account.old_id,
                "password": kind,
                "renamed": identity.renamed,
            },
        )


def _taken(ctx: Context, fresh: list[Account]) -> tuple[set[str], set[str]]:
    """Keys already held in Munjigi among those this batch could use (renamed ones too)."""
    names: set[str] = set()
    emails: set[str] = set()
    for account in fresh:
        name = (account.username or "").strip()
        if name:
            names.add(members.canonical(name)[:64])
        names.add(members.canonical(identities.renamed_username(name, account.old_id)))
        if account.email and account.email.strip():
            emails.add(members.canonical(account.email)[:254])
        emails.add(identities.placeholder_email(ctx.source, account.old_id))
    taken_names = set(
        db.session.scalars(select(User.username_key).where(User.username_key.in_(sorted(names))))
    )
    taken_emails = set(
        db.session.scalars(select(User.email_key).where(User.email_key.in_(sorted(emails))))
    )
    if not ctx.apply:
        taken_names |= ctx.seen_usernames & names
        taken_emails |= ctx.seen_emails & emails
    return taken_names, taken_emails
