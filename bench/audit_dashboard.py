"""How long the security dashboard's aggregates take over a million audit rows.

Builds a scratch database with the real migrations (so the indexes are exactly production's,
migration 0007_reports included), bulk-inserts N audit rows with SQLAlchemy Core (90 days of a
busy site: refreshes, logins, failures, rate limits, bot blocks, spread over 5,000 IPs and
20,000 accounts, a few of them hammering), then times each aggregate of
munjigi/reports/queries.py for the 24 h, 7 d and 30 d ranges and prints the medians.

Run:
  .venv/bin/python bench/audit_dashboard.py                      # SQLite scratch file
  .venv/bin/python bench/audit_dashboard.py --postgres postgresql://postgres@127.0.0.1:5432/test
  options: --rows 1000000  --repeat 7  --explain  --keep
The PostgreSQL server gets a scratch database (munjigi_bench_audit) that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import insert
from sqlalchemy import text
from sqlalchemy.engine import make_url

DAYS = 90
BATCH = 20_000
# Event mix of a busy site over a quarter (share of all rows).
MIX = [
    ("refresh", "ok", 0.50),
    ("login", "ok", 0.12),
    ("logout", "ok", 0.06),
    ("login_failed", "failed", 0.12),
    ("rate_limited", "blocked", 0.06),
    ("lockout", "blocked", 0.01),
    ("bot_blocked", "blocked", 0.03),
    ("honeypot", "blocked", 0.005),
    ("pow_failed", "blocked", 0.005),
    ("refresh_reused", "blocked", 0.002),
    ("signup", "ok", 0.02),
    ("profile_updated", "ok", 0.048),
]
SCRATCH_DB = "munjigi_bench_audit"


def _rows(count: int, now: datetime, seed: int = 7) -> Any:
    """Audit rows in time order (ids grow with ``at``, as in production), in batches."""
    rng = random.Random(seed)
    events = [m[:2] for m in MIX]
    weights = [m[2] for m in MIX]
    ips = [f"10.{i // 250}.{i % 250}.{rng.randrange(1, 250)}" for i in range(5000)]
    start = now - timedelta(days=DAYS)
    step = (now - start) / count
    batch = []
    for i in range(count):
        event, outcome = rng.choices(events, weights)[0]
        # A handful of IPs and accounts do most of the damage (what "top offenders" finds).
        hot = outcome != "ok" and rng.random() < 0.3
        ip = ips[rng.randrange(10)] if hot else ips[rng.randrange(len(ips))]
        user = rng.randrange(1, 20) if hot else rng.randrange(1, 20_000)
        batch.append(
            {
                "at": start + step * i,
                "event": event,
                "outcome": outcome,
                "user_id": None if event in ("rate_limited", "bot_blocked", "honeypot") else user,
                "ip": ip,
                "reason": "bench",
            }
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _build(url: str, rows: int) -> Any:
    """Migrate ``url`` and load the rows; returns the app (its engine points at ``url``)."""
    from flask_migrate import upgrade

    from munjigi import create_app
    from munjigi.config import Settings
    from munjigi.extensions import db
    from munjigi.security.models import AuditEvent

    instance = tempfile.mkdtemp(prefix="munjigi-bench-audit-")
    app = create_app(
        Settings.for_testing(
            database_url=url, instance_path=instance, secret_key=secrets.token_urlsafe(48)
        )
    )
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        now = datetime.now(UTC)
        loaded = 0
        for batch in _rows(rows, now):
            with db.engine.begin() as connection:
                connection.execute(insert(AuditEvent.__table__), batch)
            loaded += len(batch)
            print(f"\r  loaded {loaded:,} rows", end="", file=sys.stderr, flush=True)
        # Planner statistics, and on PostgreSQL the visibility map that lets the covering
        # indexes answer without visiting the table (autovacuum does both on a live site).
        pg = db.engine.dialect.name == "postgresql"
        maintenance = "VACUUM (ANALYZE) audit_events" if pg else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(maintenance)
        took = time.perf_counter() - began
        print(f"\r  loaded {loaded:,} rows in {took:.0f} s, then {maintenance}", file=sys.stderr)
    return app


def _measure(app: Any, repeat: int, explain: bool) -> list[tuple[str, str, float]]:
    from munjigi.extensions import db
    from munjigi.reports import period as periods
    from munjigi.reports import queries

    results = []
    with app.app_context():
        now = datetime.now(UTC)
        session = db.session()
        measures: list[tuple[str, Callable[[Any], Any]]] = [
            ("timeline+totals", lambda p: queries.totals(queries.timeline(session, p))),
            ("top_ips", lambda p: queries.top_ips(session, p)),
            ("top_accounts", lambda p: queries.top_accounts(session, p)),
            ("active_sessions", lambda p: queries.active_sessions(session, p.end)),
            ("whole dashboard", lambda p: queries.security_stats(session, p)),
        ]
        for key in ("24h", "7d", "30d"):
            period = periods.parse(key, now)
            for name, run in measures:
                run(period)  # warm the cache, as a live server would be
                times = []
                for _ in range(repeat):
                    began = time.perf_counter()
                    run(period)
                    times.append((time.perf_counter() - began) * 1000)
                results.append((key, name, statistics.median(times)))
            if explain:
                _explain(session, period)
        rows = session.scalar(text("SELECT count(*) FROM audit_events"))
        print(f"  audit_events rows: {rows:,}", file=sys.stderr)
    return results


def _explain(session: Any, period: Any) -> None:
    from sqlalchemy import event

    from munjigi.reports import queries

    engine = session.get_bind()
    dialect = engine.dialect.name
    for fn in (queries.timeline, queries.top_ips, queries.top_accounts):
        captured: list[tuple[str, Any]] = []

        def capture(
            conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any, sink: Any = captured
        ) -> None:
            sink.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            fn(session, period)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = captured[0]
        if fn is queries.timeline:  # one part of the UNION is enough to read the plan
            statement = statement.split(" UNION ALL ")[0]
            parameters = _first_part(parameters)
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(prefix + statement, parameters).all()
        print(f"\n[{period.key}] {fn.__name__}:")
        for row in plan:
            print("   ", row[-1] if dialect != "mysql" else tuple(row))


def _first_part(parameters: Any) -> Any:
    """The parameters of the first SELECT of the timeline's UNION (9 events, 2 bounds)."""
    if isinstance(parameters, dict):
        return parameters  # named: the unused ones are ignored
    return tuple(parameters)[: len(_events()) + 2]


def _events() -> list[str]:
    from munjigi.reports import queries

    return [e for names in queries.METRICS.values() for e in names]


def _report(label: str, results: list[tuple[str, str, float]]) -> None:
    print(f"\n{label}: median ms")
    names = list(dict.fromkeys(name for _, name, _ in results))
    print(f"  {'aggregate':<16} {'24h':>8} {'7d':>8} {'30d':>8}")
    table = {(key, name): ms for key, name, ms in results}
    for name in names:
        cells = "".join(f"{table[(key, name)]:>8.1f}" for key in ("24h", "7d", "30d"))
        print(f"  {name:<16} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL (a scratch database is made on it)"
    )
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="munjigi-bench-audit-"))
    path = work / "audit.sqlite"
    print(f"SQLite ({path}), {args.rows:,} rows", file=sys.stderr)
    app = _build(f"sqlite:///{path}", args.rows)
    _report(f"SQLite, {args.rows:,} audit rows", _measure(app, args.repeat, args.explain))
    if args.keep:
        print(f"  kept {path}", file=sys.stderr)
    else:
        path.unlink(missing_ok=True)

    if args.postgres:
        server = make_url(args.postgres).set(drivername="postgresql+psycopg")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
            connection.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DB}")
        url = server.set(database=SCRATCH_DB).render_as_string(hide_password=False)
        print(f"PostgreSQL ({SCRATCH_DB}), {args.rows:,} rows", file=sys.stderr)
        try:
            app = _build(url, args.rows)
            _report(
                f"PostgreSQL, {args.rows:,} audit rows", _measure(app, args.repeat, args.explain)
            )
            with app.app_context():
                from munjigi.extensions import db

                db.engine.dispose()
        finally:
            if not args.keep:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
            admin.dispose()


if __name__ == "__main__":
    main()
