"""``flask munjigi …``: operator commands. They parse arguments, call services and print."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from munjigi.extensions import db
from munjigi.imports import cli as imports_cli

group = AppGroup("munjigi", help="Manage Munjigi users, keys and sessions.")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)


imports_cli.register(group)  # import hankki|auth-system|file, delete-user (munjigi.imports)


@group.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.password_option(help="Prompted (twice) when not given; never pass it in shell history.")
def create_admin(username: str, email: str, password: str) -> None:
    """Create an admin account."""
    from munjigi.auth import services
    from munjigi.errors import AppError
    from munjigi.security.models import Role

    try:
        user = services.create_user(username, password, email, role=Role.ADMIN)
    except AppError as error:
        detail = f": {error.fields}" if error.fields else ""
        raise click.ClickException(f"{error.message}{detail}") from None
    click.echo(f"admin {user.username} created (id {user.id})")


@group.command("list-users")
@click.option("--limit", default=50, show_default=True)
def list_users(limit: int) -> None:
    """List users, newest first."""
    from munjigi.security.models import User

    users = db.session.scalars(select(User).order_by(User.id.desc()).limit(limit))
    for user in users:
        click.echo(f"{user.id}\t{user.username}\t{user.email}\t{user.role}\t{user.status}")


@group.command("lock-user")
@click.argument("username")
@click.option("--unlock", is_flag=True, help="Unlock instead.")
def lock_user(username: str, unlock: bool) -> None:
    """Lock a user (ending every session at once) or unlock them."""
    from munjigi.auth import services
    from munjigi.security import audit
    from munjigi.security import sessions
    from munjigi.security.models import UserStatus

    user = services.find_by_login(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    if unlock:
        user.status = UserStatus.ACTIVE
        audit.record("user_unlocked", user_id=user.id, reason="cli")
    else:
        user.status = UserStatus.LOCKED
        sessions.revoke_all(user.id, "locked")
        audit.record("user_locked", user_id=user.id, reason="cli")
    db.session.commit()
    click.echo(f"{user.username} is {user.status}")


@group.command("rotate-keys")
@click.option("--reset", is_flag=True, help="Drop every stored key first (after a secret change).")
def rotate_keys(reset: bool) -> None:
    """Make a new signing key; tokens signed by the old one stay valid until they expire."""
    from munjigi.security import audit
    from munjigi.security.gatekeeper import gatekeeper
    from munjigi.security.models import AuthSession
    from munjigi.security.models import SigningKey

    if reset:
        db.session.execute(delete(SigningKey))
        # Every token was signed by a deleted key: ending their sessions makes every process
        # refuse them on the next request (the session check), whatever its key cache holds.
        ended = db.session.execute(
            update(AuthSession)
            .where(AuthSession.revoked_at.is_(None))
            .values(revoked_at=gatekeeper().now(), revoked_reason="keys_reset")
        )
        count = int(ended.rowcount)  # type: ignore[attr-defined]
        if count:
            audit.record("sessions_revoked", reason="keys_reset", detail={"count": count})
    kid = gatekeeper().keys.rotate(db.session)
    audit.record("key_rotated", detail={"kid": kid, "reset": reset})
    db.session.commit()
    click.echo(f"new signing key {kid}")


@group.command("purge-sessions")
def purge_sessions() -> None:
    """Delete sessions that can no longer be used (expired, idle or revoked)."""
    from munjigi.security import sessions

    count = sessions.purge_dead()
    click.echo(f"purged {count} sessions")


@group.command("purge-tokens")
def purge_tokens() -> None:
    """Delete spent or expired one-time tokens: mailed links and pending second factors."""
    from munjigi.lifecycle import tokens
    from munjigi.mfa import challenge

    links = tokens.purge_expired()
    challenges = challenge.purge_dead()
    db.session.commit()
    click.echo(f"purged {links} account tokens and {challenges} login challenges")


@group.command("purge-mail")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Days to keep sent or given-up mail records.",
)
def purge_mail(days: int) -> None:
    """Delete outbox rows sent or given up more than DAYS ago (waiting mail is kept)."""
    from datetime import timedelta

    from munjigi.db import utcnow
    from munjigi.mail import outbox

    deleted = outbox.purge(db.session(), utcnow() - timedelta(days=days))
    db.session.commit()
    click.echo(f"purged {deleted} mail records older than {days} days")


@group.command("seed-demo")
@click.option("--password", help="Password for the demo member (default: random, printed once).")
def seed_demo(password: str | None) -> None:
    """Load demo data: a Korean ingredient catalogue and a dozen recipes (safe to re-run)."""
    from munjigi.errors import AppError
    from munjigi.recipes import demo

    try:
        report = demo.seed(password)
    except AppError as error:
        detail = f": {error.fields}" if error.fields else ""
        raise click.ClickException(f"{error.message}{detail}") from None
    added, total = report.ingredients_added, report.ingredients_total
    click.echo(f"ingredients: {added} added, {total} in the catalogue")
    click.echo(f"recipes: {report.recipes_added} added by {report.username} (id {report.user_id})")
    if report.password:
        click.echo(f"demo member {report.username} created; password: {report.password}")


# --- Protection (SPEC §6): the audit chain and brute-force unlocks -------------------------

audit_group = AppGroup("audit", help="Check and prune the hash-chained audit log.")
group.add_command(audit_group)


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain; exit 1 naming the first row that was tampered with."""
    from munjigi.security import audit_chain

    with db.engine.connect() as connection:  # a fresh snapshot, whatever the session saw
        report = audit_chain.verify(connection)
    if not report.ok:
        raise click.ClickException(
            f"audit chain BROKEN after {report.checked} rows: {report.problem}"
        )
    click.echo(f"audit chain OK: {report.checked} rows verified")


@audit_group.command("purge")
@click.option(
    "--older-than", "days", type=click.IntRange(min=1), required=True, help="Days to keep."
)
def audit_purge(days: int) -> None:
    """Delete audit rows older than DAYS; the remaining chain still verifies."""
    from datetime import timedelta

    from munjigi.security import audit
    from munjigi.security import audit_chain
    from munjigi.security.gatekeeper import gatekeeper

    now = gatekeeper().now()
    deleted = audit_chain.purge(db.session(), now - timedelta(days=days), now)
    audit.record("audit_purged", reason="cli", detail={"deleted": deleted, "older_than_days": days})
    db.session.commit()
    click.echo(f"purged {deleted} audit rows older than {days} days")


@group.command("unlock-login")
@click.argument("username")
def unlock_login(username: str) -> None:
    """Lift every brute-force lock and delay on an account."""
    from munjigi.auth import services
    from munjigi.security import bruteforce

    user = services.find_by_login(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    cleared = bruteforce.unlock(user.id, reason="cli")
    db.session.commit()
    click.echo(f"{user.username}: {cleared} lock records cleared")
