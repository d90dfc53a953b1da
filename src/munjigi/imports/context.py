"""The state of one import run shared by its writers: options, counts, conflicts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from munjigi.imports.models import ImportRun

SKIP = "skip"
RENAME = "rename"
OWNER = "owner"


@dataclass(frozen=True)
class Options:
    """What the operator chose for this run."""

    source: str
    preset: str
    apply: bool = False
    on_conflict: str = SKIP
    authorless: str = OWNER
    owner_username: str = "imported"
    batch_size: int = 1000

    def journal(self) -> dict[str, Any]:
        return {
            "on_conflict": self.on_conflict,
            "authorless": self.authorless,
            "owner_username": self.owner_username,
            "batch_size": self.batch_size,
        }


@dataclass
class Context:
    """Counts per kind, and what a dry run must remember because it writes nothing."""

    options: Options
    report: Callable[[str], None]
    run: ImportRun | None = None
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    # Dry run: ids left out (so rows referring to them are left out too), keys taken.
    skipped: dict[str, set[str]] = field(default_factory=dict)
    seen_usernames: set[str] = field(default_factory=set)
    seen_emails: set[str] = field(default_factory=set)
    catalogue: dict[str, tuple[int, Decimal, Decimal]] | None = None
    dry_prices: dict[str, Any] = field(default_factory=dict)
    owner_id: int | None = None
    price_gap_total: int = 0
    price_gap_max: int = 0

    @property
    def source(self) -> str:
        return self.options.source

    @property
    def apply(self) -> bool:
        return self.options.apply

    @property
    def run_id(self) -> int:
        return self.run.id if self.run is not None else 0

    def count(self, kind: str, what: str, n: int = 1) -> None:
        if n:
            self.counts.setdefault(kind, Counter())[what] += n

    def conflict(self, kind: str, old_id: str, codes: list[str], outcome: str) -> None:
        """Report one row's conflicts (never silently altered) and count them."""
        for code in codes:
            self.count(kind, f"conflict:{code}")
        self.report(f"{kind} {old_id}: {', '.join(codes)} → {outcome}")

    def skip(self, kind: str, old_id: str, codes: list[str]) -> None:
        self.conflict(kind, old_id, codes, "skipped")
        self.count(kind, "skipped")
        if not self.apply:
            self.skipped.setdefault(kind, set()).add(old_id)

    def journal_counts(self) -> dict[str, Any]:
        data: dict[str, Any] = {kind: dict(c) for kind, c in self.counts.items()}
        data["price_gap"] = {"total_won": self.price_gap_total, "max_won": self.price_gap_max}
        return data

    def resolve(self, kind: str, old_id: str | None, found: dict[str, int | None]) -> int | None:
        """The new id of a row referred to, or None when it is not (or will not be) there.

        A dry run imports nothing, so a row it would import counts as there (id 0) unless
        it was left out.
        """
        if old_id is None:
            return None
        if old_id in found:
            return found[old_id]
        if not self.apply and old_id not in self.skipped.get(kind, ()):
            return 0
        return None
