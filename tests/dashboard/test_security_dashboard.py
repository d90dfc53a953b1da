"""The admin security dashboard: every number equals the audit rows counted independently,
links open the audit log filtered to those rows, and members are refused."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC
from datetime import datetime
from html import unescape

import pytest
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy import select

from munjigi.db import utcnow
from munjigi.extensions import db
from munjigi.reports import charts
from munjigi.reports import period as periods
from munjigi.reports import queries
from munjigi.reports import services
from munjigi.security.models import AuditEvent

RANGES = ["24h", "7d", "30d"]


def rows_in(period):
    db.session.expire_all()
    return [e for e in db.session.scalars(select(AuditEvent)) if period.start <= e.at < period.end]


def independent_totals(period):
    rows = rows_in(period)
    return {
        metric: sum(1 for e in rows if e.event in events)
        for metric, events in queries.METRICS.items()
    }


@pytest.mark.parametrize("range_key", RANGES)
def test_totals_and_timeline_equal_the_rows_counted_independently(security_log, range_key):
    report = services.security(range_key, utcnow())
    expected = independent_totals(report.period)
    assert report.stats.totals == expected
    for metric, values in report.stats.timeline.items():
        assert sum(values) == expected[metric], metric
    # The chart draws exactly the timeline.
    drawn = {s.name: sum(s.values) for s in (*report.sign_ins.series, *report.threats.series)}
    assert drawn == {queries.LABELS[m]: float(v) for m, v in expected.items()}


def test_the_hand_counted_numbers_of_the_last_24_hours(security_log):
    totals = services.security("24h", utcnow()).stats.totals
    assert totals["logins_failed"] == 7
    assert totals["lockouts"] == 1
    assert totals["rate_limited"] == 4
    assert totals["bot_blocked"] == 1  # honeypot was 4 days ago
    assert totals["reuse_detected"] == 0
    week = services.security("7d", utcnow()).stats.totals
    assert week["logins_failed"] == 10 and week["bot_blocked"] == 2 and week["reuse_detected"] == 1


def test_timeline_puts_each_row_in_its_hour(security_log):
    report = services.security("24h", utcnow())
    counted = Counter()
    for e in rows_in(report.period):
        if e.event == "login_failed":
            counted[e.at.strftime("%H:00")] += 1
    labels = [report.period.bucket_label(at) for at in report.period.buckets()]
    series = dict(zip(labels, report.stats.timeline["logins_failed"], strict=True))
    assert {k: v for k, v in series.items() if v} == dict(counted)
    assert len(labels) == 24


def test_top_offenders_equal_failed_and_blocked_rows_grouped(security_log):
    report = services.security("7d", utcnow())
    rows = [e for e in rows_in(report.period) if e.outcome in ("failed", "blocked")]
    by_ip = Counter(e.ip for e in rows if e.ip)
    assert [(o.label, o.count) for o in report.stats.top_ips] == sorted(
        by_ip.items(), key=lambda kv: (-kv[1], kv[0])
    )
    by_user = Counter(e.user_id for e in rows if e.user_id)
    assert [(int(o.key), o.count) for o in report.stats.top_accounts] == list(by_user.most_common())
    assert report.stats.top_accounts[0].label == "victim"


def test_admin_page_shows_the_numbers_and_each_links_to_its_audit_rows(security_log, admin):
    html = admin.client.get("/admin/security?range=24h").text
    assert "Security dashboard" in html and "Last 24 hours" in html
    # Each chart twice: drawn wide, and drawn again for phones (charts.page).
    assert html.count('<div class="chart-wide"><svg xmlns="http://www.w3.org/2000/svg"') == 4
    assert html.count('<div class="chart-narrow"><svg xmlns="http://www.w3.org/2000/svg"') == 4
    link = re.search(r'<a class="metric metric--logins_failed" href="([^"]+)"', html).group(1)
    audit = admin.client.get(unescape(link)).text
    assert audit.count("Failed sign-in") >= 7  # the filter's option label + 7 rows
    assert len(re.findall(r"<tr>\s*<td>", audit)) == 7
    ip_link = re.search(r'href="(/admin/audit\?ip=203\.0\.113\.9[^"]*)"', html).group(1)
    ip_rows = admin.client.get(unescape(ip_link)).text
    assert len(re.findall(r"<tr>\s*<td>", ip_rows)) == 8  # 7 failures and the lockout


def test_bot_blocked_links_to_all_three_bot_events(security_log, admin):
    html = admin.client.get("/admin/security?range=7d").text
    link = re.search(r'<a class="metric metric--bot_blocked" href="([^"]+)"', html).group(1)
    page = admin.client.get(unescape(link)).text
    assert len(re.findall(r"<tr>\s*<td>", page)) == 2


def test_a_member_gets_403_on_the_admin_dashboard(member):
    response = member.client.get("/admin/security")
    assert response.status_code == 403
    assert "Security dashboard" not in response.text


def test_signed_out_visitors_are_sent_to_login(client):
    response = client.get("/admin/security")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_an_unknown_range_is_422_not_500(admin):
    assert admin.client.get("/admin/security?range=1y").status_code == 422


def test_the_audit_log_period_filter_ignores_malformed_times(admin):
    assert admin.client.get("/admin/audit?since=yesterday&until=%00").status_code == 200


def test_the_aggregate_indexes_exist(app):
    names = {ix["name"] for ix in inspect(db.engine).get_indexes("audit_events")}
    assert {
        "ix_audit_events_event_at",
        "ix_audit_events_outcome_at_ip",
        "ix_audit_events_outcome_at_user_id",
    } <= names


def _statements(period):
    """The SQL (and parameters) each aggregate sends, captured from the engine."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for fn in (queries.timeline, queries.top_ips, queries.top_accounts):
            before = len(captured)
            fn(db.session(), period)
            yield fn.__name__, captured[before]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def test_each_aggregate_can_be_served_by_a_migration_0007_index(app, backend):
    period = periods.parse("7d", datetime.now(UTC))
    with db.engine.connect() as connection:
        if backend == "postgres":
            connection.exec_driver_sql(
                "SET enable_seqscan = off"
            )  # tiny table: ask what *can* be used
        for name, (statement, parameters) in list(_statements(period)):
            rows = connection.exec_driver_sql(
                f"EXPLAIN {'QUERY PLAN ' if backend == 'sqlite' else ''}{statement}", parameters
            )
            if backend == "mariadb":
                plan = " ".join(str(row._mapping.get("possible_keys")) for row in rows)
            else:
                plan = " ".join(str(value) for row in rows for value in row)
            # PostgreSQL plans an empty table by guesswork (often the single-column ``at``
            # index); the 1M-row plans are in bench/audit_dashboard.py and docs/reports.md.
            wanted = (
                r"ix_audit_events_\w+"
                if backend == "postgres"
                else r"ix_audit_events_(event_at|outcome_at_ip|outcome_at_user_id)"
            )
            assert re.search(wanted, plan), (name, plan)
            if backend == "sqlite":
                assert "SCAN audit_events\n" not in plan and not plan.rstrip().endswith(
                    "SCAN audit_events"
                ), plan


def test_failed_second_steps_are_counted_labelled_and_agree_with_the_offenders(app):
    from tests.dashboard.conftest import add_events
    from tests.dashboard.conftest import ago
    from tests.dashboard.conftest import make_user

    user_id = make_user("half_right")
    add_events(
        *(
            {"event": name, "outcome": "failed", "at": ago(hours=1, minutes=i), "user_id": user_id}
            for i, name in enumerate(("mfa_failed", "mfa_failed", "passkey_second_factor_failed"))
        )
    )
    report = services.security("24h", utcnow())
    assert report.stats.totals["second_steps_failed"] == 3
    assert queries.LABELS["second_steps_failed"] == "Failed second steps"
    offender = {o.label: o.count for o in report.stats.top_accounts}["half_right"]
    counted = sum(report.stats.totals[m] for m in ("logins_failed", "second_steps_failed"))
    assert offender == counted == 3  # the table and the numbers say the same


def test_an_empty_period_says_so_instead_of_drawing_flat_zero_lines(app):
    report = services.security("24h", utcnow())
    svg = str(charts.lines(report.sign_ins))
    assert charts.EMPTY_PERIOD in svg and "<path" not in svg
