"""Every route declares what it is; the gate and error rendering read that declaration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Blueprint

from munjigi.security import policy
from tests.protection.conftest import BROWSER_UA

SRC = Path(__file__).resolve().parents[2] / "src" / "munjigi"


def test_every_route_declares_its_policy(app):
    assert policy.undeclared(app) == []
    table = app.extensions[policy.TABLE_KEY]
    assert set(table) == set(app.view_functions)


def test_a_route_without_a_declaration_is_reported(app):
    extra = Blueprint("undeclared_probe", __name__)

    @extra.get("/undeclared-probe")
    def probe() -> str:
        return "ok"

    app.register_blueprint(extra)
    assert policy.undeclared(app) == ["undeclared_probe.probe"]
    # It still gets the API defaults, so it is limited and answers JSON errors.
    assert policy.lookup(app, "undeclared_probe.probe") == policy.UNDECLARED


def test_declarations_resolve_view_over_blueprint(app):
    table = app.extensions[policy.TABLE_KEY]
    assert table["auth.login"].rate_class("POST") == "login"
    assert table["auth.login_page"].kind == policy.PAGE
    assert table["auth.login_page"].rate_class("GET") == "page"
    assert table["auth.login_page"].rate_class("POST") == "login"
    assert table["recipes.list_posts"].rate_class("GET") == "read"
    assert table["recipes.create_post"].rate_class("POST") == "write"
    assert table["recipes.create_post"].auth == "token:any"
    assert table["admin.users"].auth == "page:admin"
    assert table["reports.kitchen_report_pdf"].kind == policy.FILE
    assert table["reports.kitchen_report_pdf"].rate_class("GET") == "report"
    assert table["ops.healthz"].rate_class("GET") == policy.EXEMPT
    assert table["static"].rate_class("GET") == policy.EXEMPT
    assert table["auth.get_me"].rate_class("OPTIONS") == policy.EXEMPT


def test_unknown_declarations_are_refused_at_import():
    with pytest.raises(ValueError):
        policy.route(rate="no-such-class")
    with pytest.raises(ValueError):
        policy.route(kind="maybe")


@pytest.mark.parametrize(
    ("path", "accept", "html"),
    [
        ("/admin/users/999999", "text/html", True),  # a page: HTML (here the login redirect)
        ("/members/999999", "text/html", False),  # the API: JSON whatever is accepted
        ("/members/no/such/thing", "text/html", False),  # unknown URL under an API root
        ("/posts/no/such/thing", "text/html", False),
        ("/no/such/page", "text/html", True),  # elsewhere: as the client prefers
        ("/no/such/page", "*/*", False),
        ("/reports/security.pdf", "text/html", True),  # a download: HTML when preferred
        ("/reports/security.pdf", "*/*", False),
    ],
)
def test_error_rendering_follows_the_declaration(client, path, accept, html):
    response = client.get(path, headers={"Accept": accept, "User-Agent": BROWSER_UA})
    assert response.status_code >= 300
    if html:
        assert response.mimetype == "text/html" or response.status_code in (302, 303)
    else:
        assert response.is_json, (path, response.status_code, response.mimetype)


def test_no_central_route_table_remains():
    """The string tables that used to say what a route is are gone for good."""
    names = ("ENDPOINT_CLASSES", "FORM_CLASSES", "PAGE_BLUEPRINTS", "JSON_PATH_PREFIXES")
    registry = '"munjigi.pages"'
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for name in (*names, registry, "PAGE_ENDPOINTS"):
            assert name not in text, f"{path}: {name}"


def test_private_names_of_flask_limiter_and_limits_are_not_used():
    """Only the public API of ``limits`` (and no Flask-Limiter at all) in our source."""
    private = re.compile(
        r"flask_limiter|_MemoryStorage__|_check_request_limit|_storage_dead|limit_manager"
        r"|from limits[\w.]* import _|limits(\.\w+)*\._\w"
    )
    for path in SRC.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not private.search(line), f"{path}:{number}: {line.strip()}"
