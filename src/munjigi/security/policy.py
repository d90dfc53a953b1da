"""What a route is (API, page or download; its rate class), declared at the route, read by the gate.

A view says it with a decorator (``@policy.route(rate="login")``, ``@policy.route(kind=PAGE,
form="signup")``) or inherits its blueprint's default (``policy.declare(bp, kind=PAGE)``).
``auth_required`` and the page guard add the authentication they enforce. ``resolve`` turns
those declarations into one frozen ``Policy`` per endpoint once, at start-up, into the table
the gate (rate limit, anti-bot) and error rendering (JSON or HTML) read; nothing decides by
endpoint name or path prefix. A view nobody declared (another app's blueprint registered
later) gets the API default — and ``undeclared`` names it, so our own tests fail on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import TypeVar

from flask import Flask
from flask.sansio.blueprints import Blueprint

from munjigi.config import RATELIMIT_CLASSES

F = TypeVar("F", bound=Callable[..., Any])

API = "api"  # JSON whatever the client says it accepts (SPEC §4: never HTML)
PAGE = "page"  # HTML for browsers (JSON only to a client that prefers it)
FILE = "file"  # a download for browsers and API clients alike: JSON unless HTML is preferred
KINDS = frozenset({API, PAGE, FILE})
EXEMPT = "exempt"  # no rate limit, no anti-bot guard (probes, metrics, static files)
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Where the declaration lives on a view function and on a blueprint.
ATTRIBUTE = "munjigi_policy"
TABLE_KEY = "munjigi.policies"
ROOTS_KEY = "munjigi.api_roots"
_DEFAULT_SAFE = {API: "read", PAGE: "page", FILE: "report"}
_DEFAULT_UNSAFE = {API: "write", PAGE: "write", FILE: "report"}


@dataclass(frozen=True, slots=True)
class Policy:
    """A route's resolved declaration: how errors render and which rate class each method spends."""

    kind: str = API
    safe: str = "read"  # rate class of GET and HEAD
    unsafe: str = "write"  # rate class of every other method
    auth: str = "none"  # "none", "token" (auth_required), "page" (the page guard)
    declared: bool = True

    def rate_class(self, method: str) -> str:
        """The rate class a request with ``method`` spends (OPTIONS, a CORS preflight: none)."""
        if method in SAFE_METHODS:
            return self.safe
        if method == "OPTIONS":
            return EXEMPT
        return self.unsafe


UNDECLARED = Policy(declared=False)


def _declaration(
    kind: str | None, rate: str | None, form: str | None, auth: str | None
) -> dict[str, str]:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown route kind {kind!r}")
    for name in (rate, form):
        if name is not None and name not in RATELIMIT_CLASSES and name != EXEMPT:
            raise ValueError(f"unknown rate class {name!r}")
    found: dict[str, str] = {}
    if kind is not None:
        found["kind"] = kind
    if rate is not None:
        found["safe"] = found["unsafe"] = rate
    if form is not None:  # a form: GET shows the page, POST spends the form's class
        found["safe"], found["unsafe"] = "page", form
    if auth is not None:
        found["auth"] = auth
    return found


def route(
    *,
    kind: str | None = None,
    rate: str | None = None,
    form: str | None = None,
    auth: str | None = None,
) -> Callable[[F], F]:
    """Declare what a view is; anything not said comes from its blueprint's default."""
    declared = _declaration(kind, rate, form, auth)

    def decorate(view: F) -> F:
        own: dict[str, str] = dict(getattr(view, ATTRIBUTE, {}))
        own.update(declared)
        setattr(view, ATTRIBUTE, own)
        return view

    return decorate


def declare(bp: Blueprint, *, kind: str, rate: str | None = None) -> Blueprint:
    """Give every route of ``bp`` a default: its kind and, optionally, one rate class."""
    setattr(bp, ATTRIBUTE, _declaration(kind, rate, None, None))
    return bp


def _view_declaration(view: Any) -> dict[str, str] | None:
    """The declaration on ``view`` or on anything it wraps (decorators may sit either side)."""
    merged: dict[str, str] | None = None
    seen = 0
    while view is not None and seen < 20:
        own = getattr(view, "__dict__", {}).get(ATTRIBUTE)
        if own:
            merged = {**own, **(merged or {})}  # the outermost declaration wins
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return merged


def _blueprint_of(app: Flask, endpoint: str) -> Blueprint | None:
    name, dot, _ = endpoint.rpartition(".")
    return app.blueprints.get(name) if dot else None


def policy_of(app: Flask, endpoint: str) -> Policy:
    """Resolve ``endpoint``'s declaration (view over blueprint over the kind's defaults)."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return Policy(kind=FILE, safe=EXEMPT, unsafe=EXEMPT)  # Flask's own file routes
    bp = _blueprint_of(app, endpoint)
    base = dict(getattr(bp, ATTRIBUTE, {}) or {}) if bp is not None else {}
    own = _view_declaration(app.view_functions.get(endpoint)) or {}
    if not base and not own.keys() - {"auth"}:
        found = UNDECLARED
        return replace(found, auth=own["auth"]) if "auth" in own else found
    kind = own.get("kind") or base.get("kind", API)
    # A view that changes its kind gets the new kind's default classes, not the blueprint's.
    inherited = base if own.get("kind", kind) == base.get("kind", kind) else {}
    return Policy(
        kind=kind,
        safe=own.get("safe") or inherited.get("safe") or _DEFAULT_SAFE[kind],
        unsafe=own.get("unsafe") or inherited.get("unsafe") or _DEFAULT_UNSAFE[kind],
        auth=own.get("auth", "none"),
    )


def resolve(app: Flask) -> dict[str, Policy]:
    """Build (or rebuild) the app's endpoint → Policy table; call once every route exists."""
    table = {endpoint: policy_of(app, endpoint) for endpoint in app.view_functions}
    app.extensions[TABLE_KEY] = table
    app.extensions[ROOTS_KEY] = api_roots(app, table)
    return table


def lookup(app: Flask, endpoint: str | None) -> Policy | None:
    """The table's policy of ``endpoint`` (resolved on first sight for routes added later)."""
    if endpoint is None:
        return None
    table: dict[str, Policy] = app.extensions.setdefault(TABLE_KEY, {})
    found = table.get(endpoint)
    if found is None and endpoint in app.view_functions:
        found = table[endpoint] = policy_of(app, endpoint)
    return found


def undeclared(app: Flask) -> list[str]:
    """Endpoints whose view and blueprint declare nothing (Flask's static routes excepted)."""
    return sorted(e for e in app.view_functions if not policy_of(app, e).declared)


def api_roots(app: Flask, table: dict[str, Policy]) -> frozenset[str]:
    """First path segments of the API's routes: an unknown URL under one of them answers JSON."""
    roots = set()
    for rule in app.url_map.iter_rules():
        found = table.get(rule.endpoint)
        if found is not None and found.kind == API and found.declared:
            roots.add("/" + rule.rule.lstrip("/").split("/", 1)[0].split("<", 1)[0])
    roots.discard("/")
    return frozenset(roots)


def path_root(path: str) -> str:
    """``/members`` for ``/members/login``: what ``api_roots`` holds."""
    return "/" + path.lstrip("/").split("/", 1)[0]
