"""The lifecycle pages: forms, neutral answers, broken links, and the API description."""

from __future__ import annotations

import pytest

from tests.lifecycle.conftest import signup
from tests.lifecycle.conftest import token_in
from tests.web.conftest import Pages
from tests.web.conftest import hidden_csrf

ADDRESS = "kim_chef@example.com"


def main(html: str) -> str:
    """The page's <main> (the rest carries a per-response CSP nonce)."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize("path", ["/password/forgot", "/email/resend"])
def test_mail_forms_answer_neutrally_and_check_their_input(client, inbox, path):
    signup(client)
    page = client.get(path)
    assert page.status_code == 200
    token = hidden_csrf(page.text)
    bad = client.post(path, data={"email": "not-an-address", "csrf_token": token})
    assert bad.status_code == 422 and 'id="f-email-error"' in bad.text
    expired = client.post(path, data={"email": ADDRESS, "csrf_token": "forged"})
    assert expired.status_code == 422 and "expired" in expired.text
    known = client.post(path, data={"email": ADDRESS, "csrf_token": token})
    unknown = client.post(path, data={"email": "nobody@example.com", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    assert main(known.text).replace(ADDRESS, "X") == main(unknown.text).replace(
        "nobody@example.com", "X"
    )


@pytest.mark.parametrize("path", ["/password/reset", "/email/verify", "/email/confirm"])
@pytest.mark.parametrize("token", ["", "nope", "A" * 43, "x" * 5000])
def test_broken_links_show_a_page_not_a_crash(client, path, token):
    answer = client.get(f"{path}?token={token}")
    assert answer.status_code == 400 and "Link not valid" in answer.text
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_confirm_pages_refuse_a_post_without_the_form_token(client, inbox):
    signup(client)
    token = token_in(inbox.last_to(ADDRESS))
    answer = client.post("/email/verify", data={"token": token})
    assert answer.status_code == 400
    page = client.get(f"/email/verify?token={token}")
    assert "Verify my email" in page.text  # still unspent


def test_account_page_resends_the_verification_mail(client, inbox):
    signup(client)
    pages = Pages(client)
    pages.login()
    inbox.clear()
    answer = pages.post("/account/email/verification")
    assert answer.status_code == 303
    assert len(inbox.to(ADDRESS)) == 1


def test_account_email_page_needs_a_login(client):
    answer = client.get("/account/email")
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]


def test_the_api_is_described_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in (
        "/members/password/forgot",
        "/members/password/reset",
        "/members/email/verification",
        "/members/email/verify",
        "/members/email",
        "/members/email/confirm",
    ):
        assert path in spec["paths"], path
    assert "/password/reset" not in spec["paths"]  # pages are hidden
