"""Declarative base, the Flask-SQLAlchemy extension, UTC time helpers, portable column types."""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime
from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Alembic needs stable constraint names to alter them later, on every backend.
# Ids are 32-bit integers on every backend: a larger one names no row, and must not reach a
# driver (PostgreSQL refuses it with an error, not an empty result).
MAX_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row (check before looking one up by id)."""
    return 1 <= value <= MAX_ID


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as naive UTC and always read back timezone-aware.

    SQLite and MariaDB have no time zone type; storing naive UTC everywhere and tagging it
    on the way out gives the same values on all three backends.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use munjigi.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Enforce foreign keys on SQLite and let several processes share the file (WAL)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose end-of-request cleanup survives a database that went away.

    Removing the session rolls back its connection; on a connection the server dropped
    (a restart, a failover) that raises, after the answer was already made, and the WSGI
    server would replace it with its own HTML 500 page. The pool discards the connection
    either way, so the failure is logged and forgotten.
    """

    def _teardown_session(self, exc: BaseException | None) -> None:
        try:
            self.session.remove()
        except Exception as error:  # noqa: BLE001 - the connection is gone; nothing to undo
            log.warning("session cleanup failed: %s", type(error).__name__)
            self.session.registry.clear()
