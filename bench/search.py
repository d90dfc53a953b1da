"""The admin user search at scale: bulk-seed N users, then the paths an admin would ask for.

Users are inserted with Core ``executemany`` in batches with one fixed password hash (argon2
once, not a million times), so 1,000,000 users take well under a minute on SQLite. Names are
``<surname>_<number>``, 20 surnames with 50,000 each: a prefix like ``kim`` matches 50,000
users, ``kim_0004`` eleven, ``kim_000412`` one, so the paths cover wide, narrow and exact
searches, both keys (username and email), the first page without a search (newest first),
a later page by cursor, and a miss.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Table
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.security.models import Role
from munjigi.security.models import User

SURNAMES = (
    "kim lee park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song jeon hong"
).split()


def username(i: int) -> str:
    return f"{SURNAMES[i % len(SURNAMES)]}_{i // len(SURNAMES):06d}"


def seed_users(app: Any, count: int, password_hash: str, batch: int = 20_000) -> float:
    """Insert ``count`` members; returns seconds. Skips the names that already exist."""
    started = time.perf_counter()
    table: Table = User.__table__  # type: ignore[assignment]
    now = utcnow()
    with app.app_context():
        with db.engine.begin() as conn:
            done = 0
            while done < count:
                size = min(batch, count - done)
                rows = []
                for i in range(done, done + size):
                    name = username(i)
                    rows.append(
                        {
                            "username": name,
                            "username_key": name,
                            "email": f"{name}@example.com",
                            "email_key": f"{name}@example.com",
                            "password_hash": password_hash,
                            "role": Role.MEMBER,
                            "status": "active",
                            "created_at": now,
                            "updated_at": now,
                            "password_changed_at": now,
                        }
                    )
                conn.execute(insert(table), rows)
                done += size
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                conn.exec_driver_sql("ANALYZE users")
            conn.commit()
    return time.perf_counter() - started


def make_admin(app: Any, name: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username == name).values(role=Role.ADMIN))
        db.session.commit()


def user_count(app: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def search_paths(app: Any) -> list[str]:
    """The admin's questions: wide, narrow and exact prefixes, email, paging, a miss."""
    from munjigi.admin import search

    with app.app_context():
        second_page = search.find_users(search.UserQuery(q="park")).next_cursor
        newest_next = search.find_users(search.UserQuery()).next_cursor
    queries: list[dict[str, str]] = [
        {},
        {"after": str(newest_next)},
        {"q": "kim"},
        {"q": "park", "after": str(second_page)},
        {"q": "lee_0012"},
        {"q": "choi_000412"},
        {"q": "hong_04", "by": "username"},
        {"q": "jung_0007", "by": "email"},
        {"q": "seo_012345@example.com"},
        {"q": "zzz"},
    ]
    return ["/admin/users" + (f"?{urlencode(q)}" if q else "") for q in queries]


def write_paths(paths: list[str], path: Path) -> Path:
    path.write_text("\n".join(paths) + "\n")
    return path
