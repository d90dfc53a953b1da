"""Bench data for Munjigi, made in-process through its own services (no HTTP, no argon2 loop)."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select

from munjigi import create_app
from munjigi.config import Settings
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.security import sessions
from munjigi.security.models import AuthSession
from munjigi.security.models import User


def app_for(env: dict[str, str]) -> Any:
    """The application the bench server runs, built from the same variables."""
    return create_app(Settings.from_env(env, dotenv_path=None))


def migrate(app: Any) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def create_user(app: Any, username: str, password: str) -> int:
    from munjigi.auth import services

    with app.app_context():
        user = services.create_user(username, password, f"{username}@example.com")
        return int(user.id)


def password_hash(app: Any, password: str) -> str:
    """One argon2id hash with the app's parameters (the bulk users all share it)."""
    from munjigi.security.gatekeeper import gatekeeper

    with app.app_context():
        return str(gatekeeper().hasher.hash(password))


def write_refresh_tokens(app: Any, username: str, count: int, path: Path) -> float:
    """Open ``count`` sessions for ``username`` and write their refresh tokens, one a line."""
    started = time.perf_counter()
    from munjigi.security.gatekeeper import gatekeeper

    with app.app_context():
        # As a request's first-key hook does: the key is made before this transaction writes
        # (on SQLite the key's own connection would wait on our write lock).
        gatekeeper().keys.ensure_first_key(db.session)
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        lines = []
        for i in range(count):
            issued = sessions.open_session(user, ip="127.0.0.1", user_agent="bench")
            lines.append(issued.refresh_token)
            if i % 500 == 499:
                db.session.commit()
        db.session.commit()
    path.write_text("\n".join(lines) + "\n")
    return time.perf_counter() - started


def insert_revoked_sessions(app: Any, user_id: int, count: int, batch: int = 20_000) -> float:
    """Bulk-insert ``count`` revoked sessions (executemany in batches); returns seconds."""
    started = time.perf_counter()
    now = utcnow()
    expires = now + timedelta(days=30)
    table = AuthSession.__table__
    with app.app_context():
        with db.engine.begin() as conn:
            done = 0
            while done < count:
                size = min(batch, count - done)
                conn.execute(
                    insert(table),
                    [
                        {
                            "id": secrets.token_urlsafe(16),
                            "user_id": user_id,
                            "created_at": now,
                            "last_used_at": now,
                            "expires_at": expires,
                            "idle_expires_at": expires,
                            "revoked_at": now,
                            "revoked_reason": "bench",
                        }
                        for _ in range(size)
                    ],
                )
                done += size
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE auth_sessions")
                conn.commit()
    return time.perf_counter() - started
