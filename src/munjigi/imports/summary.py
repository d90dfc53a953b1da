"""The table printed at the end of an import run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from munjigi.imports.sources import KINDS

if TYPE_CHECKING:
    from munjigi.imports.runner import Outcome

COLUMNS = ("read", "imported", "unchanged", "skipped", "renamed")


def table(outcome: Outcome) -> str:
    """Counts per kind, then passwords, conflicts and price differences, with the speed."""
    counts = outcome.counts
    lines = [f"{'kind':<13}" + "".join(f"{c:>11}" for c in COLUMNS)]
    total = 0
    for kind in KINDS:
        row = counts.get(kind)
        if not row:
            continue
        total += int(row.get("read", 0))
        lines.append(f"{kind:<13}" + "".join(f"{int(row.get(c, 0)):>11}" for c in COLUMNS))
    users = counts.get("user", {})
    if users:
        kinds = ", ".join(
            f"{k}: {int(users.get(f'password:{k}', 0))}" for k in ("bcrypt", "argon2")
        )
        lines.append(
            f"passwords: {kinds}; without a usable password (use 'forgot password'): "
            f"{int(users.get('password:none', 0))}"
        )
    conflicts: dict[str, int] = {}
    for kind, row in counts.items():
        if isinstance(row, dict):
            for name, n in row.items():
                if name.startswith("conflict:"):
                    code = f"{kind}/{name.removeprefix('conflict:')}"
                    conflicts[code] = conflicts.get(code, 0) + int(n)
    if conflicts:
        lines.append("conflicts: " + ", ".join(f"{k}: {v}" for k, v in sorted(conflicts.items())))
    posts = counts.get("post", {})
    if posts:
        gap = counts.get("price_gap", {})
        lines.append(
            f"prices: {int(posts.get('price_changed', 0))} recipes cost differently from their "
            f"stored price (total {int(gap.get('total_won', 0))} won, largest "
            f"{int(gap.get('max_won', 0))} won; stored prices kept in import_prices)"
        )
    rate = total / outcome.seconds if outcome.seconds > 0 else 0.0
    where = f"run {outcome.run_id}" if outcome.run_id is not None else "dry run"
    if outcome.resumed_from is not None:
        where += f", resuming run {outcome.resumed_from}"
    lines.append(f"{where}: {total} rows in {outcome.seconds:.1f} s ({rate:.0f} rows/s)")
    return "\n".join(lines)
