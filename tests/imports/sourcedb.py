"""Source databases of the systems Munjigi replaces, built for the import tests.

Hashes are made by the ``bcrypt`` library as the originals made them (flask-bcrypt and the
인증 시스템 both call ``bcrypt.hashpw``); some rows hold plaintext, as databases in the wild do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import bcrypt
import sqlalchemy as sa

from munjigi.imports.sources import engine_for
from tests import backends

STRONG = "braised-mackerel-on-tuesday-4471"  # passes today's policy
WEAK = "password"  # the original systems accepted it; today's policy refuses it
ROUNDS = 4  # cheap cost factor: the verification path is the same as with 12


def bcrypt_hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(ROUNDS)).decode()


def hankki_metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(150), unique=True, nullable=False),
        sa.Column("password", sa.String(200), nullable=False),
        sa.Column("email", sa.String(120), unique=True),
    )
    sa.Table(
        "ingredient",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(150), unique=True),
        sa.Column("price", sa.Integer),
        sa.Column("unit", sa.Integer),
    )
    sa.Table(
        "post",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("price", sa.Integer),
        sa.Column("create_date", sa.DateTime, nullable=False),
        sa.Column("modify_date", sa.DateTime),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE")),
        sa.Column("ingredient_id", sa.Integer, sa.ForeignKey("ingredient.id")),
    )
    sa.Table(
        "comment",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("post.id", ondelete="CASCADE")),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("create_date", sa.DateTime, nullable=False),
        sa.Column("modify_date", sa.DateTime),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE")),
    )
    sa.Table(
        "post_liker",
        md,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("post_id", sa.Integer, sa.ForeignKey("post.id"), primary_key=True),
    )
    sa.Table(
        "comment_liker",
        md,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comment.id"), primary_key=True),
    )
    return md


def hankki_rows() -> dict[str, list[dict]]:
    """Members (one bcrypt-strong, one bcrypt-weak, one plaintext, two conflicting), content."""
    day = datetime(2023, 5, 1, 12, 30)
    return {
        "user": [
            {
                "id": 0,
                "username": "kim_chef",
                "password": bcrypt_hash(STRONG),
                "email": "kim@example.com",
            },
            {"id": 1, "username": "lee", "password": bcrypt_hash(WEAK), "email": "lee@example.com"},
            {"id": 2, "username": "park", "password": "hunter2", "email": "park@example.com"},
            {
                "id": 3,
                "username": "Kim_Chef",
                "password": bcrypt_hash(STRONG),
                "email": "kim2@example.com",
            },
            {"id": 4, "username": "nomail", "password": bcrypt_hash(STRONG), "email": None},
        ],
        "ingredient": [
            {"id": 0, "name": "쌀", "price": 3000, "unit": 1000},
            {"id": 1, "name": "김치", "price": 5000, "unit": 500},
            {"id": 2, "name": None, "price": 100, "unit": 1},
        ],
        "post": [
            {
                "id": 0,
                "title": "김치볶음밥",
                "content": "볶는다",
                "price": 450,
                "create_date": day,
                "modify_date": None,
                "user_id": 0,
                "ingredient_id": 0,
            },
            {
                "id": 1,
                "title": "주인 없는 김치",
                "content": "누가 썼나",
                "price": 900,
                "create_date": day,
                "modify_date": day,
                "user_id": None,
                "ingredient_id": 1,
            },
            {
                "id": 2,
                "title": "skipped author",
                "content": "x",
                "price": None,
                "create_date": day,
                "modify_date": None,
                "user_id": 3,
                "ingredient_id": None,
            },
        ],
        "comment": [
            {
                "id": 0,
                "post_id": 0,
                "content": "맛있어요",
                "create_date": day,
                "modify_date": None,
                "user_id": 1,
            },
            {
                "id": 1,
                "post_id": 0,
                "content": "익명 댓글",
                "create_date": day,
                "modify_date": None,
                "user_id": None,
            },
        ],
        "post_liker": [{"user_id": 1, "post_id": 0}, {"user_id": 0, "post_id": 0}],
        "comment_liker": [{"user_id": 0, "comment_id": 0}],
    }


def fill_hankki(url: str, rows: dict[str, list[dict]] | None = None) -> None:
    md = hankki_metadata()
    engine = engine_for(url)
    md.create_all(engine)
    data = rows or hankki_rows()
    with engine.begin() as conn:
        for table in md.sorted_tables:
            if data.get(table.name):
                conn.execute(table.insert(), data[table.name])
    engine.dispose()


def auth_system_tables(member_schema: str | None, auth_schema: str | None) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "user",
        md,
        sa.Column("user_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(50), nullable=False),
        sa.Column("user_name", sa.String(50)),
        sa.Column("user_email", sa.String(100)),
        sa.Column("reg_date", sa.DateTime),
        schema=member_schema,
    )
    sa.Table(
        "password",
        md,
        sa.Column("user_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("password", sa.String(200), nullable=False),
        sa.Column("refresh_token", sa.String(500)),
        schema=auth_schema,
    )
    return md


def fill_auth_system(url: str, member_schema: str | None, auth_schema: str | None) -> None:
    md = auth_system_tables(member_schema, auth_schema)
    engine = engine_for(url)
    md.create_all(engine)
    user, password = md.sorted_tables
    when = datetime(2022, 12, 24, 9, 0)
    with engine.begin() as conn:
        conn.execute(
            md.tables[f"{member_schema}.user" if member_schema else "user"].insert(),
            [
                {
                    "user_no": 0,
                    "user_id": "choi",
                    "user_name": "최",
                    "user_email": "choi@example.com",
                    "reg_date": when,
                },
                {
                    "user_no": 1,
                    "user_id": "jung",
                    "user_name": "정",
                    "user_email": "jung@example.com",
                    "reg_date": when,
                },
                {
                    "user_no": 2,
                    "user_id": "kang",
                    "user_name": "강",
                    "user_email": "kang@example.com",
                    "reg_date": when,
                },
            ],
        )
        conn.execute(
            md.tables[f"{auth_schema}.password" if auth_schema else "password"].insert(),
            [
                {"user_no": 0, "password": bcrypt_hash(STRONG), "refresh_token": "eyJ.old.token"},
                {"user_no": 1, "password": bcrypt_hash(WEAK), "refresh_token": None},
                {"user_no": 2, "password": "plaintext-1234", "refresh_token": None},
            ],
        )
    engine.dispose()


@contextmanager
def server_database(backend: str, worker: str) -> Iterator[str]:
    """A scratch database on the local server for ``backend`` (skipped when not configured)."""
    import pytest

    admin = backends.server_url(backend)
    if admin is None:
        pytest.skip(f"{backend}: set {backends.ENV_VARS[backend]} to run on it")
    with backends.scratch_database(backend, admin, f"src{worker}") as url:
        yield url
