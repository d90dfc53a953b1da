"""Test databases: one per backend and xdist worker, migrated once, emptied after each test."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgres", "mariadb")
ENV_VARS = {"postgres": "MUNJIGI_TEST_POSTGRES_URL", "mariadb": "MUNJIGI_TEST_MARIADB_URL"}
PREFIX = "munjigi_t_"


def server_url(backend: str) -> str | None:
    """The admin URL given for ``backend`` by environment, or None when not configured."""
    return os.environ.get(ENV_VARS[backend]) or None


def _normalise(url: str) -> sa.URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    if parsed.drivername.startswith("mysql"):
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


@contextmanager
def scratch_database(backend: str, admin_url: str, worker: str) -> Iterator[str]:
    """Create a uniquely named database on the server, yield its URL, then drop it."""
    admin = _normalise(admin_url)
    name = f"{PREFIX}{worker}_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        if backend == "postgres":
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        else:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if backend == "postgres":
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        engine.dispose()


def empty_all_tables(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Delete every row (children first); the schema, alembic_version and the rows the
    migrations create stay as a fresh migration leaves them.

    The audit chain's head row is one (migration 0003 creates it): without it every test
    would start with concurrent writers racing to re-create it, which a fresh database
    never does (on MariaDB the race ends in a gap-lock deadlock).
    """
    from munjigi.security.audit_chain import GENESIS
    from munjigi.security.audit_chain import HEAD_ID

    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name == "audit_chain":
                conn.execute(table.delete().where(table.c.id != HEAD_ID))
                conn.execute(
                    table.update().values(
                        seq=0, head_hash=GENESIS, anchor_seq=None, anchor_hash=None, purged_at=None
                    )
                )
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0:
                    conn.execute(table.insert().values(id=HEAD_ID, seq=0, head_hash=GENESIS))
            else:
                conn.execute(table.delete())
