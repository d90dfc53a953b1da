"""/admin/users and /admin/audit: roles, locks, deletion, the last admin, keyset pages."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from munjigi.admin import auditlog
from munjigi.admin import search
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security.models import Role
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from tests.web.conftest import make_user
from tests.web.conftest import user_named


def _bulk_users(names: list[str]) -> None:
    """Plain rows (no hashing): enough users to page through, quickly."""
    db.session.add_all(
        User(
            username=name,
            username_key=name,
            email=f"{name}@example.com",
            email_key=f"{name}@example.com",
            password_hash="!",
        )
        for name in names
    )
    db.session.commit()


def test_admin_pages_render(admin):
    lee = make_user("lee")
    for path in (
        "/admin/users",
        f"/admin/users/{lee.id}",
        f"/admin/users/{lee.id}/delete",
        "/admin/audit",
    ):
        response = admin.client.get(path)
        assert response.status_code == 200, path
        assert "Secure session active" in response.text


def test_search_by_username_or_email_prefix(admin):
    make_user("kim_a")
    make_user("kimchi")
    make_user("lee")
    html = admin.client.get("/admin/users?q=KIM").text
    assert "kim_a" in html and "kimchi" in html and ">lee<" not in html
    by_email = admin.client.get("/admin/users?q=lee@exa").text
    assert ">lee<" in by_email and "kimchi" not in by_email


def test_keyset_pages_list_everyone_exactly_once_both_ways(app):
    names = [f"user{i:03d}" for i in range(60)]
    _bulk_users(names)
    seen: list[int] = []
    query = search.UserQuery()
    pages = []
    while True:
        page = search.find_users(query, limit=25)
        pages.append(page)
        seen.extend(u.id for u in page.items)
        if page.next_cursor is None:
            break
        query = search.UserQuery(after=str(page.next_cursor))
    assert len(seen) == 60 and len(set(seen)) == 60
    assert seen == sorted(seen, reverse=True)  # newest first
    back = search.find_users(search.UserQuery(before=str(pages[-1].prev_cursor)), limit=25)
    assert [u.id for u in back.items] == [u.id for u in pages[-2].items]


def test_prefix_search_pages_in_alphabetical_order(app):
    names = [f"kim{i:02d}" for i in range(30)] + [f"kin{i:02d}" for i in range(5)] + ["ki"]
    _bulk_users(names)
    first = search.find_users(search.UserQuery(q="kim"), limit=20)
    second = search.find_users(search.UserQuery(q="kim", after=first.next_cursor), limit=20)
    found = [u.username for u in first.items + second.items]
    assert found == sorted(n for n in names if n.startswith("kim"))
    assert second.next_cursor is None
    assert first.prev_cursor is None and second.prev_cursor == "kim20"


def test_prefix_search_is_served_by_an_index(app):
    """A prefix search must be an index range read, not a scan (fast at 1M users)."""
    dialect = db.engine.dialect.name
    stmt = search.search_statement("username", "kim")
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if dialect == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "USING INDEX" in plan and "username_key>?" in plan, plan
        elif dialect == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # an empty table would be scanned
            plan = " ".join(str(row[0]) for row in conn.execute(text("EXPLAIN " + sql)))
            assert "ix_users_username_key_c" in plan, plan
        else:
            rows = conn.execute(text("EXPLAIN " + sql)).mappings().all()
            assert any(
                row["possible_keys"] and "username_key" in row["possible_keys"] for row in rows
            ), rows


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("kim", "kin"), ("a\U0010ffff", "b"), ("\U0010ffff", None), ("\ud7ff", "\ue000")],
)
def test_successor_bounds_every_string_with_the_prefix(prefix, expected):
    assert search._successor(prefix) == expected


def test_change_role_both_ways(admin):
    lee = make_user("lee")
    response = admin.post(f"/admin/users/{lee.id}/role", {"role": "admin"})
    assert response.status_code == 303
    assert user_named("lee").role == Role.ADMIN
    admin.post(f"/admin/users/{lee.id}/role", {"role": "member"})
    assert user_named("lee").role == Role.MEMBER
    bad = admin.post(f"/admin/users/{lee.id}/role", {"role": "emperor"})
    assert bad.status_code == 422 and "Choose a role" in bad.text


def test_the_last_admin_is_never_demoted_locked_or_deleted(admin):
    boss = user_named("boss")
    demote = admin.post(f"/admin/users/{boss.id}/role", {"role": "member"})
    assert demote.status_code == 400 and "last active admin" in demote.text
    delete = admin.post(f"/admin/users/{boss.id}/delete", {"confirm": "boss"})
    assert delete.status_code == 400 and "last active admin" in delete.text
    assert user_named("boss").role == Role.ADMIN
    # With a second admin, demoting the first is fine; a locked admin does not count.
    lee = make_user("lee", Role.ADMIN)
    admin.post(f"/admin/users/{lee.id}/lock")
    assert user_named("lee").status == UserStatus.LOCKED
    again = admin.post(f"/admin/users/{boss.id}/role", {"role": "member"})
    assert again.status_code == 400


def test_an_admin_cannot_lock_themself(admin):
    boss = user_named("boss")
    response = admin.post(f"/admin/users/{boss.id}/lock")
    assert response.status_code == 400 and "your own account" in response.text


def test_lock_ends_the_users_sessions_at_once_and_unlock_lets_them_back(admin, other_browser):
    lee = make_user("lee")
    assert other_browser.login("lee").status_code == 303
    assert other_browser.client.get("/account").status_code == 200
    assert admin.post(f"/admin/users/{lee.id}/lock").status_code == 303
    refused = other_browser.client.get("/account")
    assert refused.status_code == 303 and "notice=ended" in refused.headers["Location"]
    assert other_browser.login("lee").status_code == 400  # locked: same answer as a bad password
    admin.post(f"/admin/users/{lee.id}/unlock")
    assert other_browser.login("lee").status_code == 303


def test_delete_needs_the_typed_username(admin):
    lee = make_user("lee")
    wrong = admin.post(f"/admin/users/{lee.id}/delete", {"confirm": "le"})
    assert wrong.status_code == 422 and 'id="f-confirm-error"' in wrong.text
    done = admin.post(f"/admin/users/{lee.id}/delete", {"confirm": "lee"})
    assert done.status_code == 303 and user_named("lee") is None
    assert admin.client.get(f"/admin/users/{lee.id}").status_code == 404


def test_audit_log_filters_and_pages(admin):
    lee = make_user("lee")
    for _ in range(7):
        audit.record("login_failed", outcome="failed", user_id=lee.id, reason="bad_password")
    db.session.commit()
    page = auditlog.find_events(auditlog.AuditQuery(event="login_failed", user="lee"), limit=5)
    assert len(page.page.items) == 5 and page.page.next_cursor is not None
    rest = auditlog.find_events(
        auditlog.AuditQuery(event="login_failed", user="lee", after=str(page.page.next_cursor)),
        limit=5,
    )
    assert len(rest.page.items) == 2 and rest.page.next_cursor is None
    html = admin.client.get("/admin/audit?event=login_failed&outcome=failed&user=lee").text
    assert html.count("Failed sign-in") >= 7
    assert "No user matches" in admin.client.get("/admin/audit?user=nobody_here").text
