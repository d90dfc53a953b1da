"""``flask munjigi import hankki|auth-system|file`` and ``flask munjigi delete-user``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

import click
from flask.cli import AppGroup

from munjigi.imports import models  # noqa: F401 - the tables join the metadata with the CLI
from munjigi.imports import runner
from munjigi.imports import summary
from munjigi.imports.context import OWNER
from munjigi.imports.context import RENAME
from munjigi.imports.context import SKIP
from munjigi.imports.context import Options
from munjigi.imports.sources import Source
from munjigi.imports.sources import redact

import_group = AppGroup(
    "import", help="Import members (and 한끼얼마 recipes) from the systems Munjigi replaces."
)


def register(group: click.Group) -> None:
    """Add ``import …`` and ``delete-user`` to the ``flask munjigi`` group."""
    group.add_command(import_group)
    group.add_command(delete_user)


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--apply/--dry-run", default=False, help="Write (default: dry run)."),
        click.option(
            "--on-conflict",
            type=click.Choice([SKIP, RENAME]),
            default=SKIP,
            show_default=True,
            help="Skip a conflicting account, or import it under the documented rename rule.",
        ),
        click.option(
            "--batch-size", type=click.IntRange(1, 10_000), default=1000, show_default=True
        ),
        click.option(
            "--source-name",
            help="Stable name of this source in the mapping (default: the URL without password).",
        ),
        click.option(
            "--timezone",
            "zone",
            default="UTC",
            show_default=True,
            help="Zone of the source's naive datetimes (e.g. Asia/Seoul).",
        ),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option("--max-batches", type=click.IntRange(min=1), hidden=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@import_group.command("hankki")
@click.argument("source_url")
@_common
@click.option(
    "--authorless",
    type=click.Choice([OWNER, SKIP]),
    default=OWNER,
    show_default=True,
    help="Posts and comments without an author: give them to the imported member, or skip them.",
)
@click.option("--authorless-owner", default="imported", show_default=True, help="Its username.")
def import_hankki(source_url: str, authorless: str, authorless_owner: str, **common: Any) -> None:
    """Members, ingredients, posts, comments and likes of a 한끼얼마 database."""
    from munjigi.imports.sources.hankki import HankkiSource

    zone = _zone(common["zone"])
    _run(
        "hankki",
        source_url,
        lambda: HankkiSource(source_url, zone),
        authorless=authorless,
        owner_username=authorless_owner,
        **common,
    )


@import_group.command("auth-system")
@click.argument("source_url")
@_common
@click.option("--member-schema", default="member", show_default=True)
@click.option("--auth-schema", default="auth", show_default=True)
@click.option("--email-column", help="Column of member.user holding the e-mail (default: guessed).")
@click.option("--created-column", help="Column of member.user holding the sign-up date.")
def import_auth_system(
    source_url: str,
    member_schema: str,
    auth_schema: str,
    email_column: str | None,
    created_column: str | None,
    **common: Any,
) -> None:
    """Members of the 인증 시스템 (member.user + auth.password); refresh tokens are never read."""
    from munjigi.imports.sources.auth_system import AuthSystemSource

    zone = _zone(common["zone"])
    _run(
        "auth-system",
        source_url,
        lambda: AuthSystemSource(
            source_url,
            zone,
            member_schema=member_schema,
            auth_schema=auth_schema,
            email_column=email_column,
            created_column=created_column,
        ),
        **common,
    )


@import_group.command("file")
@click.argument("path")
@_common
@click.option("--query", help="With a database URL as PATH: SQL yielding the file's columns.")
def import_file(path: str, query: str | None, **common: Any) -> None:
    """Members from CSV or JSON Lines (username, email, password_hash[, created_at, id])."""
    from munjigi.imports.sources.files import FileSource

    zone = _zone(common["zone"])
    _run("file", path, lambda: FileSource(path, zone, query=query), **common)


def _run(
    preset: str,
    location: str,
    open_source: Callable[[], Source],
    *,
    apply: bool,
    on_conflict: str,
    batch_size: int,
    source_name: str | None,
    zone: str,
    quiet: bool,
    max_batches: int | None,
    authorless: str = OWNER,
    owner_username: str = "imported",
) -> None:
    from munjigi.imports.sources.files import FormatError

    name = (source_name or f"{preset}:{redact(location)}")[:100]
    options = Options(
        source=name,
        preset=preset,
        apply=apply,
        on_conflict=on_conflict,
        authorless=authorless,
        owner_username=owner_username,
        batch_size=batch_size,
    )
    try:
        source = open_source()
    except (FormatError, LookupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # noqa: BLE001 - a source we cannot read is the operator's to fix
        raise click.ClickException(f"cannot read {redact(location)}: {error}") from None
    click.echo(f"{'APPLY' if apply else 'DRY RUN (nothing is written; --apply writes)'}: {name}")
    try:
        outcome = runner.run(
            source, options, click.echo, progress=not quiet, max_batches=max_batches
        )
    except FormatError as error:
        raise click.ClickException(str(error)) from None
    finally:
        source.close()
    click.echo(summary.table(outcome))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from None


@click.command("delete-user")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_user(username: str, yes: bool) -> None:
    """Delete a member and everything of theirs (recipes, comments, likes, sessions)."""
    from munjigi.auth import services
    from munjigi.errors import AppError

    user = services.find_by_login(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    if not yes:
        click.confirm(
            f"Delete {user.username} (id {user.id}, {user.email}) and all their content?",
            abort=True,
        )
    try:
        services.remove_member(user.id, actor_id=None, reason="cli")
    except AppError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"deleted {user.username} (id {user.id})")
