"""``flask munjigi …``: operator commands. They parse arguments, call services and print."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import delete
from sqlalchemy import select

from munjigi.extensions import db

group = AppGroup("munjigi", help="Manage Munjigi users, keys and sessions.")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)


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
    from munjigi.security.models import SigningKey

    if reset:
        db.session.execute(delete(SigningKey))
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
