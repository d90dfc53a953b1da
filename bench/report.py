"""The bench table: one row per scenario with every ratio and target (medians of the runs)."""

from __future__ import annotations

import statistics
from dataclasses import asdict
from typing import Any

from loadgen import Result

LABELS = {
    "bare": "bare endpoint, no auth (GET /bench/bare)",
    "bearer": "protected GET, Bearer",
    "cookie_get": "protected GET, cookies",
    "cookie_post": "cookie POST + X-CSRF-TOKEN",
    "me": "GET /members/me, Bearer (real endpoint)",
    "refresh": "refresh (POST /members/tokens, Bearer)",
    "login": "login (POST /members/login, argon2id)",
    "bound": "argon2id bound: cores ÷ median hash time",
    "bare_after": "bare endpoint, with {revoked:,} revoked sessions in the database",
    "bearer_after": "protected GET, Bearer, {revoked:,} revoked sessions",
    "search_1": "admin user search, {users:,} users, 1 connection",
    "search": "admin user search, {users:,} users, {connections} connections",
}
HEADER = (
    "| scenario | Munjigi req/s | p50 ms | p99 ms | × bare | peer req/s | peer p50 ms "
    "| peer p99 ms | peer × bare | Munjigi ÷ peer | other ratio | target | met | failures |"
)
ALIGN = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|:---:|---:|"


def median(results: list[Result], field: str) -> float:
    return statistics.median(getattr(r, field) for r in results)


def _met(value: float, goal: float, *, at_most: bool = False) -> str:
    ok = value <= goal if at_most else value >= goal
    return "yes" if ok else "no"


def render(
    results: dict[str, dict[str, list[Result]]],
    *,
    hash_seconds: float,
    cores: int,
    revoked: int,
    users: int,
    connections: int,
    setup: str,
) -> str:
    """The Markdown table printed by `make bench` and pasted into docs/performance.md."""
    rps = {s: {a: median(r, "rps") for a, r in apps.items()} for s, apps in results.items()}
    bare = rps["bare"]["munjigi"]
    peer_bare = rps["bare"].get("peer")
    bound = cores / hash_seconds
    bearer = rps["bearer"]["munjigi"]

    def cell(value: float, fmt: str = ".0f") -> str:
        return format(value, fmt)

    def ratio(a: float, b: float | None) -> str:
        return f"{a / b:.2f}" if b else "–"

    rows: list[list[str]] = []
    for scenario, label in LABELS.items():
        if scenario == "bound":
            rows.append(
                [label, cell(bound), "–", "–", "–", "–", "–", "–", "–", "–"]
                + [f"median hash {hash_seconds * 1000:.1f} ms × {cores} cores", "–", "–", "–"]
            )
            continue
        if scenario not in results:
            continue
        apps = results[scenario]
        m = apps["munjigi"]
        row = [
            label.format(revoked=revoked, users=users, connections=connections),
            cell(rps[scenario]["munjigi"]),
            cell(median(m, "p50_ms"), ".1f"),
            cell(median(m, "p99_ms"), ".1f"),
            cell(rps[scenario]["munjigi"] / bare, ".2f"),
        ]
        failures = sum(r.failures for r in m)
        if "peer" in apps:
            p = apps["peer"]
            row += [
                cell(rps[scenario]["peer"]),
                cell(median(p, "p50_ms"), ".1f"),
                cell(median(p, "p99_ms"), ".1f"),
                ratio(rps[scenario]["peer"], peer_bare),
                ratio(rps[scenario]["munjigi"], rps[scenario]["peer"]),
            ]
            failures += sum(r.failures for r in p)
        else:
            row += ["–"] * 5
        other, target, met = "–", "–", "–"
        if scenario == "bearer":
            p99 = median(m, "p99_ms")
            target = "≥ 0.85× bare · ≥ 1.5× peer · p99 ≤ 50 ms"
            met = " · ".join(
                (
                    _met(bearer / bare, 0.85),
                    _met(bearer / (rps["bearer"]["peer"] or 1e-9), 1.5),
                    _met(p99, 50, at_most=True),
                )
            )
        elif scenario == "cookie_post":
            target, met = "≥ 0.8× bare", _met(rps[scenario]["munjigi"] / bare, 0.8)
        elif scenario == "login":
            login = rps["login"]["munjigi"]
            other = f"{login / bound:.2f}× bound (peer {rps['login']['peer'] / bound:.2f}×)"
            target, met = "≥ 0.9× bound", _met(login / bound, 0.9)
        elif scenario == "bare_after":
            other = f"{rps[scenario]['munjigi'] / bare:.2f}× the bare of the main runs"
        elif scenario == "bearer_after":
            after, bare_after = rps["bearer_after"]["munjigi"], rps["bare_after"]["munjigi"]
            loss = 1 - (after / bare_after) / (bearer / bare)
            other = f"loss {loss:+.1%} vs bare alongside (raw {1 - after / bearer:+.1%})"
            row[4] = cell(after / bare_after, ".2f")  # × the bare measured alongside
            target, met = "≤ 5 % loss", _met(loss, 0.05, at_most=True)
        elif scenario in ("search_1", "search"):
            p95 = median(m, "p95_ms")
            other = f"p95 {p95:.1f} ms"
            if scenario == "search_1":
                target, met = "p95 ≤ 50 ms", _met(p95, 50, at_most=True)
        row += [other, target, met, str(failures)]
        rows.append(row)

    lines = [f"Setup: {setup}.", "", HEADER, ALIGN]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def as_json(results: dict[str, dict[str, list[Result]]]) -> dict[str, Any]:
    return {
        s: {a: [asdict(r) for r in rs] for a, rs in apps.items()} for s, apps in results.items()
    }
