"""The bench table: medians per scenario, ratios to bare and to the peer, and the targets."""

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
    "bearer_after": "protected GET, Bearer, {revoked:,} revoked sessions",
}


def median(results: list[Result], field: str) -> float:
    return statistics.median(getattr(r, field) for r in results)


def render(
    results: dict[str, dict[str, list[Result]]],
    *,
    hash_seconds: float,
    cores: int,
    revoked: int,
    setup: str,
) -> str:
    """The Markdown report printed by `make bench` and pasted into docs/performance.md."""
    rps = {s: {a: median(r, "rps") for a, r in apps.items()} for s, apps in results.items()}
    bare = rps["bare"]["munjigi"]
    peer_bare = rps["bare"].get("peer")
    lines = [
        f"Setup: {setup}.",
        "",
        "| scenario | Munjigi req/s | p50 ms | p99 ms | × bare | peer req/s | p50 ms | p99 ms "
        "| peer × bare | Munjigi ÷ peer | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in LABELS:
        if scenario not in results:
            continue
        apps = results[scenario]
        m = apps["munjigi"]
        row = [
            LABELS[scenario].format(revoked=revoked),
            f"{rps[scenario]['munjigi']:.0f}",
            f"{median(m, 'p50_ms'):.1f}",
            f"{median(m, 'p99_ms'):.1f}",
            f"{rps[scenario]['munjigi'] / bare:.2f}",
        ]
        failures = sum(r.failures for r in m)
        if "peer" in apps:
            p = apps["peer"]
            row += [
                f"{rps[scenario]['peer']:.0f}",
                f"{median(p, 'p50_ms'):.1f}",
                f"{median(p, 'p99_ms'):.1f}",
                f"{rps[scenario]['peer'] / peer_bare:.2f}" if peer_bare else "–",
                f"{rps[scenario]['munjigi'] / rps[scenario]['peer']:.2f}",
            ]
            failures += sum(r.failures for r in p)
        else:
            row += ["–"] * 5
        row.append(str(failures))
        lines.append("| " + " | ".join(row) + " |")

    bound = cores / hash_seconds
    login = rps["login"]["munjigi"]
    lines += [
        "",
        f"argon2id (m=19 MiB, t=2, p=1): median hash {hash_seconds * 1000:.1f} ms → bound "
        f"{cores} cores ÷ {hash_seconds * 1000:.1f} ms = {bound:.0f} logins/s; "
        f"Munjigi login {login:.0f}/s = {login / bound:.2f}× bound, "
        f"peer login {rps['login']['peer']:.0f}/s = {rps['login']['peer'] / bound:.2f}× bound.",
    ]
    bearer = rps["bearer"]["munjigi"]
    if "bearer_after" in rps:
        after = rps["bearer_after"]["munjigi"]
        bare_after = rps["bare_after"]["munjigi"]
        raw_loss = 1 - after / bearer
        normalised = 1 - (after / bare_after) / (bearer / bare)
        lines.append(
            f"With {revoked:,} revoked sessions: protected GET {after:.0f}/s "
            f"(p99 {median(results['bearer_after']['munjigi'], 'p99_ms'):.1f} ms), "
            f"raw loss {raw_loss:+.1%}, loss relative to bare measured alongside "
            f"({bare_after:.0f}/s) {normalised:+.1%}."
        )
    p99 = median(results["bearer"]["munjigi"], "p99_ms")
    checks = [
        ("protected GET ≥ 0.85× bare", bearer / bare, 0.85),
        ("protected GET ≥ 1.5× peer", bearer / rps["bearer"]["peer"], 1.5),
        ("cookie POST ≥ 0.8× bare", rps["cookie_post"]["munjigi"] / bare, 0.8),
        ("login ≥ 0.9× argon2 bound", login / bound, 0.9),
    ]
    lines += ["", "| target | measured | met |", "|---|---:|:---:|"]
    for name, value, goal in checks:
        lines.append(f"| {name} | {value:.2f} | {'yes' if value >= goal else 'no'} |")
    if "bearer_after" in rps:
        loss = 1 - (rps["bearer_after"]["munjigi"] / rps["bare_after"]["munjigi"]) / (bearer / bare)
        met = "yes" if loss <= 0.05 else "no"
        lines.append(f"| ≤ 5 % loss at {revoked:,} revoked (vs bare) | {loss:.1%} | {met} |")
    lines.append(
        f"| protected GET p99 ≤ 50 ms at 32 conns | {p99:.1f} ms | {'yes' if p99 <= 50 else 'no'} |"
    )
    return "\n".join(lines) + "\n"


def as_json(results: dict[str, dict[str, list[Result]]]) -> dict[str, Any]:
    return {
        s: {a: [asdict(r) for r in rs] for a, rs in apps.items()} for s, apps in results.items()
    }
