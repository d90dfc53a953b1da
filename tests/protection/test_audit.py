"""The audit log: hash chain, tamper detection (CLI), retention purge, admin JSON API."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import text

from munjigi.auth import services
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.security import audit
from munjigi.security import audit_chain
from munjigi.security.models import AuditEvent
from munjigi.security.models import Role
from tests.helpers import PASSWORD
from tests.protection.conftest import login
from tests.protection.conftest import signup


def record(n: int, name: str = "probe", **detail: Any) -> None:
    for i in range(n):
        audit.record(name, reason=f"r{i}", detail={"i": i, **detail})
        db.session.commit()


def verify(runner) -> Any:
    return runner.invoke(args=["munjigi", "audit", "verify"])


def test_events_are_chained_in_commit_order(app, client, runner):
    signup(client, "chained")
    login(client, "chained")
    record(3, detail={"nested": {"b": 1, "a": [1, 2]}, 7: "int key"})
    rows = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit_chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} rows verified" in result.output


def test_a_missing_head_row_is_rebuilt_from_the_chain(app, runner):
    record(2)
    with db.engine.begin() as connection:  # e.g. restored from a dump without it
        connection.execute(text("DELETE FROM audit_chain"))
    record(1)
    head = db.session.execute(text("SELECT seq, head_hash FROM audit_chain")).one()
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (head.seq, head.head_hash) == (3, last.hash)
    assert verify(runner).exit_code == 0


def test_an_edited_row_is_named_by_verify(app, runner):
    record(4)
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()[2]
    with db.engine.begin() as connection:  # what an intruder with SQL access would do
        connection.execute(
            text("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :id"),
            {"id": target.id},
        )
    result = verify(runner)
    assert result.exit_code != 0
    assert f"row id {target.id}" in result.output
    assert "edited" in result.output


def test_a_deleted_row_and_a_cut_off_end_are_detected(app, runner):
    record(5)
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.seq)).all()
    with db.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    assert "cut off" in verify(runner).output
    with db.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    result = verify(runner)
    assert result.exit_code != 0
    assert f"row id {ids[2]}" in result.output


def test_rows_cannot_be_changed_through_the_orm(app):
    record(1)
    row = db.session.scalar(select(AuditEvent))
    row.reason = "rewritten"
    with pytest.raises(audit_chain.AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_purge_keeps_the_rest_verifiable(app, runner):
    old = utcnow() - timedelta(days=40)
    for i in range(3):
        db.session.add(AuditEvent(event="ancient", at=old + timedelta(minutes=i)))
        db.session.commit()
    record(2)
    result = runner.invoke(args=["munjigi", "audit", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 3 audit rows" in result.output
    events = db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.seq)).all()
    assert events == ["probe", "probe", "audit_purged"]
    assert verify(runner).exit_code == 0
    row = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_events SET ip = '6.6.6.6' WHERE id = :id"), {"id": row.id}
        )
    assert f"row id {row.id}" in verify(runner).output


def test_concurrent_writers_keep_one_chain(app, runner):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(5):
                    # A read first: on MariaDB it fixes the transaction's snapshot, which
                    # must not hide the links other writers commit meanwhile.
                    db.session.scalar(select(AuditEvent.id).limit(1))
                    audit.record("concurrent", detail={"writer": n, "i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 21))
    assert verify(runner).exit_code == 0


def admin_headers(client) -> dict[str, str]:
    services.create_user("auditor", PASSWORD, "auditor@example.com", role=Role.ADMIN)
    token = login(client, "auditor").get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_admin_audit_api_filters_and_pages_by_keyset(app, client):
    headers = admin_headers(client)
    record(5, name="probe")
    record(2, name="other")
    first = client.get("/api/admin/audit?event=probe&limit=2", headers=headers)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert [e["reason"] for e in body["events"]] == ["r4", "r3"]
    seen = [e["id"] for e in body["events"]]
    cursor = body["next_before_id"]
    while cursor:
        page = client.get(
            f"/api/admin/audit?event=probe&limit=2&before_id={cursor}", headers=headers
        )
        body = page.get_json()
        seen += [e["id"] for e in body["events"]]
        cursor = body["next_before_id"]
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    since = client.get(
        "/api/admin/audit?outcome=ok&since=2000-01-01T00:00:00&until=2999-01-01T00:00:00Z",
        headers=headers,
    )
    assert since.status_code == 200
    assert {e["event"] for e in since.get_json()["events"]} >= {"probe", "other", "login"}
    assert client.get("/api/admin/audit?limit=1000", headers=headers).status_code == 422


def test_admin_audit_api_is_for_admins_only(client):
    assert client.get("/api/admin/audit").status_code == 401
    signup(client, "member_only")
    token = login(client, "member_only").get_json()["access_token"]
    refused = client.get("/api/admin/audit", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
