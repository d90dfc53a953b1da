"""Every audit event the code can record has page wording and is offered by the audit filter.

The event names are read from the source (calls of the audit helpers), so a new event
without a label fails here instead of showing a raw code on /admin/audit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import munjigi
from munjigi import wording
from munjigi.admin import auditlog
from munjigi.passkeys import services as passkey_services

# Functions whose first argument is an audit event name.
RECORDERS = {"record", "record_block", "refuse", "_ignored"}
SOURCE = Path(munjigi.__file__).parent


def _names(node: ast.expr, assigned: dict[str, set[str]]) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _names(node.body, assigned) | _names(node.orelse, assigned)
    if isinstance(node, ast.Name):
        return assigned.get(node.id, set())
    if isinstance(node, ast.JoinedStr):  # f"passkey_{purpose}_failed"
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return {"".join(parts).format(p) for p in passkey_services.PURPOSES}
    return set()


def recorded_events() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                            assigned.setdefault(target.id, set()).add(node.value.value)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in RECORDERS:
                    found |= _names(node.args[0], assigned)
    return found


def test_the_scan_finds_the_events_of_every_area():
    events = recorded_events()
    for sample in ("login", "password_reset_requested", "totp_enabled", "honeypot"):
        assert sample in events
    assert "passkey_second_factor_failed" in events


def test_every_recorded_event_has_wording_and_a_filter_choice():
    events = recorded_events()
    assert events - set(wording.EVENT_LABELS) == set()
    assert events - set(auditlog.KNOWN_EVENTS) == set()


def test_every_outcome_recorded_is_a_filter_choice():
    outcomes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "outcome":
                if isinstance(node.value, ast.Constant):
                    outcomes.add(node.value.value)
    assert outcomes and outcomes - set(auditlog.OUTCOMES) == set()
