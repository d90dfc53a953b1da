"""Every page of the app, read from its routes (a new page is covered without listing it).

Pages are the routes ``pages.init_app``'s registry names (plus the API docs page) that
answer GET; URL parameters are filled from a small set of real rows. A page with a
parameter this module does not know fails the tests that use it, so it cannot slip by.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from munjigi.extensions import db
from tests.browser.conftest import Site

# GET routes that answer a fragment or a file, not a page a person opens.
NOT_PAGES = {"recipe_pages.price"}
# Pages that are not ours to style (Swagger UI) still must not scroll sideways.
EXTRA_PAGES = {"openapi.docs"}
# A page state every visitor can meet: the not-found page.
MISSING = "/no-such-page"


@dataclass(frozen=True)
class Rows:
    """Real rows to fill URL parameters with."""

    post_id: int
    user_id: int


def seed(site: Site, author: str) -> Rows:
    """A catalogue, a priced recipe of ``author`` with a comment; the ids pages need."""
    from munjigi.recipes import services
    from munjigi.recipes.models import Comment
    from munjigi.recipes.models import Ingredient
    from munjigi.security.gatekeeper import gatekeeper
    from munjigi.security.models import User

    with site.app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == author))
        assert user is not None
        pork = db.session.scalar(
            db.select(Ingredient).where(Ingredient.name == "돼지고기 앞다리살")
        )
        if pork is None:
            pork = Ingredient(
                name="돼지고기 앞다리살", price=Decimal(1590), unit=Decimal(100), unit_label="g"
            )
            db.session.add(pork)
            db.session.commit()
        now = gatekeeper().now()
        body = {
            "post": {
                "title": "돼지고기 김치찌개 (긴 제목이 휴대폰에서 줄바꿈되는지 보는 레시피)",
                "content": "김치를 볶고, 돼지고기를 넣고, 물을 붓고 20분 끓인다." * 3,
                "servings": 2,
            },
            "ingredients": [{"id": pork.id, "quantity": Decimal(300)}],
        }
        recipe = services.create_post(user.id, body)
        db.session.add(
            Comment(
                recipe_id=recipe.id,
                user_id=user.id,
                content="한 줄로 길게 이어지는 댓글" * 6,
                created_at=now,
                modified_at=now,
            )
        )
        db.session.commit()
        rows = Rows(post_id=recipe.id, user_id=user.id)
        db.session.remove()
        return rows


def page_paths(site: Site, rows: Rows) -> list[str]:
    """The path of every page of the app, parameters filled from ``rows``."""
    from munjigi.security import policy

    values = {"post_id": rows.post_id, "user_id": rows.user_id}
    paths = []
    for rule in site.app.url_map.iter_rules():
        endpoint = rule.endpoint
        # What a route is comes from its declaration (security/policy.py), as for the gate.
        is_page = policy.policy_of(site.app, endpoint).kind == policy.PAGE
        if "GET" not in (rule.methods or ()) or endpoint in NOT_PAGES:
            continue
        if not is_page and endpoint not in EXTRA_PAGES:
            continue
        unknown = set(rule.arguments) - set(values)
        assert not unknown, f"{rule.rule}: teach tests/browser/site_pages.py its {unknown}"
        with site.app.test_request_context():
            from flask import url_for

            paths.append(url_for(endpoint, **{k: values[k] for k in rule.arguments}))
    return sorted(set(paths)) + [MISSING]


def signed_in_context(new_context: Any, site: Site, username: str, **options: Any) -> Any:
    """A browser profile signed in as ``username`` through the login form."""
    from tests.browser.conftest import log_in

    context = new_context(site.base, **options)
    page = context.new_page()
    log_in(page, username)
    page.close()
    return context


AXE_DIR = Path(__file__).resolve().parents[2] / "test-output" / "npm"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    """axe-core from the npm registry, installed with npm into test-output/ once."""
    if not AXE_JS.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(AXE_DIR), "--no-save", "--no-audit", "--no-fund",
             "axe-core@4"],
            check=True,
            timeout=300,
            capture_output=True,
        )  # fmt: skip
    return AXE_JS.read_text(encoding="utf-8")


def iter_roles() -> Iterator[str]:
    yield from ("anonymous", "member", "admin")
