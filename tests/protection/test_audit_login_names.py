"""A failed login for an unknown name keeps a keyed hash of the name, never the text.

The "name" may be a password typed into the username box: neither the audit row, nor the
CSV export, nor any log line may hold it. The hash still groups one name's attempts.
"""

from __future__ import annotations

import dataclasses
import logging

from munjigi.security import audit
from tests.protection.conftest import audit_events
from tests.protection.conftest import login

TYPED_PASSWORD = "Hunter2-my-real-password"


def test_the_audit_row_and_logs_hold_a_keyed_hash_not_the_name(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    assert login(client, TYPED_PASSWORD, ip="198.51.100.7").status_code == 400
    assert login(client, TYPED_PASSWORD.upper(), ip="198.51.100.7").status_code == 400
    assert login(client, "someone_else", ip="198.51.100.7").status_code == 400
    rows = audit_events(app, "login_failed")
    assert len(rows) == 3
    for row in rows:
        assert TYPED_PASSWORD.casefold() not in repr(row.detail).casefold()
    first, second, other = (row.detail["login_hmac"] for row in rows)
    assert first == second != other  # grouped as the login lookup groups names (case-folded)
    assert first == audit.pseudonym(TYPED_PASSWORD) and len(first) == 16
    assert TYPED_PASSWORD.casefold() not in caplog.text.casefold()


def test_the_hash_is_keyed_by_the_secret(app):
    before = audit.pseudonym("kim_chef")
    settings = app.extensions["munjigi.settings"]
    other = "another secret of enough length, 0123456789"
    app.extensions["munjigi.settings"] = dataclasses.replace(settings, secret_key=other)
    try:
        assert audit.pseudonym("kim_chef") != before
    finally:
        app.extensions["munjigi.settings"] = settings
