"""Issue #13 item 21: mail is a durable outbox row: it survives a restart, retries, is purged."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from munjigi import create_app
from munjigi import mail
from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.mail import outbox
from munjigi.mail.backends import SmtpBackend
from munjigi.mail.compose import compose
from munjigi.mail.outbox import OutboxMessage
from tests.lifecycle.conftest import TOKEN
from tests.lifecycle.conftest import body
from tests.lifecycle.conftest import free_port
from tests.lifecycle.conftest import signup
from tests.lifecycle.conftest import with_settings

ADDRESS = "kim_chef@example.com"


def rows() -> list[OutboxMessage]:
    db.session.rollback()  # a fresh snapshot: the sender commits on its own connection
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def dead_smtp() -> SmtpBackend:
    return SmtpBackend("127.0.0.1", free_port(), "none", None, None, 2)


def test_the_stored_message_is_encrypted_and_erased_once_sent(app, client, inbox):
    app.extensions[mail.EXTENSION_KEY] = dead_smtp()
    signup(client)
    assert mail.wait_idle()
    [row] = rows()
    assert row.message is not None and b"token=" not in row.message
    assert ADDRESS.encode() not in row.message

    app.extensions[mail.EXTENSION_KEY] = SmtpBackend("127.0.0.1", inbox.port, "none", None, None, 5)
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    mail.drain()
    assert mail.wait_idle()
    [row] = rows()
    assert (row.sent_at is not None, row.message, row.next_attempt_at) == (True, None, None)
    assert TOKEN.search(body(inbox.last_to(ADDRESS)))


def test_a_message_committed_before_a_restart_is_delivered_by_the_next_instance(app, inbox):
    # A worker commits the change and its mail, and dies before its sender runs.
    with app.test_request_context():
        message = compose(
            "Munjigi <no-reply@munjigi.test>",
            ADDRESS,
            "안녕",
            "email_changed",
            user=None,
            new_email="new@example.com",
        )
    outbox.add(db.session(), "email_changed", message, outbox.cipher(app.config["SECRET_KEY"]))
    db.session.commit()
    assert mail.wait_idle() and inbox.to(ADDRESS) == []

    settings = dataclasses.replace(app.extensions["munjigi.settings"], mail_sweep_interval=60)
    restarted = create_app(settings)  # the new worker: its start-up sweep sends the mail
    try:
        assert wait_for(lambda: rows()[0].sent_at is not None)
        assert len(inbox.to(ADDRESS)) == 1
        assert rows()[0].attempts == 1
    finally:
        with restarted.app_context():
            db.engine.dispose()


@pytest.fixture
def settings_overrides(settings_overrides):
    return {**settings_overrides, "mail_retry_delay": 1, "mail_max_attempts": 3}


def test_a_failing_smtp_server_is_retried_with_backoff(app, client, inbox):
    app.extensions[mail.EXTENSION_KEY] = dead_smtp()
    before = outbox.FAILED.labels("verify_email")._value.get()
    signup(client)
    assert mail.wait_idle()
    [row] = rows()
    assert row.attempts == 1 and row.sent_at is None and row.last_error == "ConnectionRefusedError"
    assert row.next_attempt_at > utcnow()
    assert outbox.FAILED.labels("verify_email")._value.get() == before + 1

    # The server comes back; the retry timer (1 s, then 2 s) delivers without any request.
    app.extensions[mail.EXTENSION_KEY] = SmtpBackend("127.0.0.1", inbox.port, "none", None, None, 5)
    assert wait_for(lambda: rows()[0].sent_at is not None, timeout=10)
    assert len(inbox.to(ADDRESS)) == 1
    assert rows()[0].attempts >= 2


def test_after_the_last_attempt_the_message_is_given_up(app, client, inbox):
    app.extensions[mail.EXTENSION_KEY] = dead_smtp()
    signup(client)
    assert wait_for(lambda: rows()[0].failed_at is not None, timeout=15)
    [row] = rows()
    assert (row.attempts, row.message, row.next_attempt_at) == (3, None, None)


def test_purge_mail_deletes_old_finished_rows_only(app, client, runner, inbox):
    with_settings(app, ratelimit_mail_recipient="1000/hour")
    signup(client)
    assert mail.wait_idle()
    app.extensions[mail.EXTENSION_KEY] = dead_smtp()
    with_settings(app, mail_retry_delay=3600)
    client.post("/members/password/forgot", json={"email": ADDRESS})
    assert mail.wait_idle()
    sent, waiting = rows()
    assert sent.sent_at is not None and waiting.next_attempt_at is not None
    old = utcnow() - timedelta(days=40)
    db.session.execute(update(OutboxMessage).values(created_at=old))
    db.session.commit()

    result = runner.invoke(args=["munjigi", "purge-mail", "--older-than", "30"])

    assert result.exit_code == 0, result.output
    assert "purged 1 mail records" in result.output
    assert [row.id for row in rows()] == [waiting.id]
