"""The 인증 시스템 (seed 003): ``member.user(user_no, user_id, …)`` and ``auth.password``.

The two tables live in two MariaDB databases (``member`` and ``auth``); their names can be
changed (``--member-schema``/``--auth-schema``, empty for a database without schemas).
The seed does not list ``member.user``'s other columns: the e-mail and sign-up date are
taken from the first column that exists among common names, or the one the operator
names. ``auth.password.refresh_token`` is never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

import sqlalchemy as sa

from munjigi.imports.sources import USER
from munjigi.imports.sources import Account
from munjigi.imports.sources import Batch
from munjigi.imports.sources import aware
from munjigi.imports.sources import engine_for
from munjigi.imports.sources import key
from munjigi.imports.sources import keyset

EMAIL_COLUMNS = ("user_email", "email", "user_mail", "mail", "email_address")
CREATED_COLUMNS = ("created_at", "reg_date", "join_date", "signup_date", "create_date")


class AuthSystemSource:
    """Reads the members of the 인증 시스템 with their bcrypt hashes."""

    kinds: tuple[str, ...] = (USER,)

    def __init__(
        self,
        url: str,
        zone: tzinfo,
        *,
        member_schema: str = "member",
        auth_schema: str = "auth",
        email_column: str | None = None,
        created_column: str | None = None,
    ) -> None:
        self.engine = engine_for(url)
        self.zone = zone
        columns = {
            c["name"].lower(): c["name"]
            for c in sa.inspect(self.engine).get_columns("user", schema=member_schema or None)
        }
        email = _pick(columns, email_column, EMAIL_COLUMNS)
        created = _pick(columns, created_column, CREATED_COLUMNS)
        self.member = sa.table(
            "user",
            sa.column("user_no", sa.Integer),
            sa.column("user_id", sa.String),
            *([sa.column(email, sa.String)] if email else []),
            *([sa.column(created, sa.DateTime)] if created else []),
            schema=member_schema or None,
        )
        self.password = sa.table(
            "password",
            sa.column("user_no", sa.Integer),
            sa.column("password", sa.String),
            schema=auth_schema or None,
        )
        self.email_column = email
        self.created_column = created

    def close(self) -> None:
        self.engine.dispose()

    def count(self, kind: str) -> int | None:
        with self.engine.connect() as conn:
            stmt = sa.select(sa.func.count()).select_from(self.member)
            return int(conn.execute(stmt).scalar() or 0)

    def batches(self, kind: str, after: Any, size: int) -> Iterator[Batch]:
        m, p = self.member.c, self.password.c
        columns: list[Any] = [m.user_no, m.user_id, p.password]
        if self.email_column:
            columns.append(m[self.email_column].label("email"))
        if self.created_column:
            columns.append(m[self.created_column].label("created"))
        joined = self.member.outerjoin(self.password, p.user_no == m.user_no)
        while True:
            stmt = sa.select(*columns).select_from(joined).order_by(m.user_no).limit(size)
            where = keyset((m.user_no,), after)
            if where is not None:
                stmt = stmt.where(where)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            after = rows[-1].user_no
            yield Batch([self._account(r) for r in rows], after)
            if len(rows) < size:
                return

    def _account(self, row: Any) -> Account:
        mapping = row._mapping
        return Account(
            old_id=key(row.user_no) or "",
            username=row.user_id,
            email=mapping.get("email"),
            password=row.password,
            created_at=aware(mapping.get("created"), self.zone),
        )


def _pick(columns: dict[str, str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        if wanted.lower() not in columns:
            raise LookupError(f"member.user has no column {wanted!r}")
        return columns[wanted.lower()]
    return next((columns[c] for c in candidates if c in columns), None)
