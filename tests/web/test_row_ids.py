"""An id past the 32-bit range names no row: 404 on every backend, never a driver error.

PostgreSQL refuses such a parameter with an error rather than finding nothing, so each
lookup by id checks the range first (munjigi.db.is_row_id).
"""

from __future__ import annotations

import pytest

from tests.helpers import AuthActions

TOO_BIG = 2**31  # one past the largest id
HUGE = 6208491347  # what schemathesis found


@pytest.mark.parametrize("row_id", [TOO_BIG, HUGE])
def test_api_lookups_past_the_id_range_are_404(client, row_id):
    auth = AuthActions(client)
    headers = auth.bearer(auth.signup_and_login()["access_token"])
    renamed = client.patch(f"/members/passkeys/{row_id}", json={"name": "x"}, headers=headers)
    assert renamed.status_code == 404, renamed.get_json()
    removed = client.delete(f"/members/passkeys/{row_id}", headers=headers)
    assert removed.status_code == 404, removed.get_json()  # a fresh login: no step-up asked


@pytest.mark.parametrize("row_id", [TOO_BIG, HUGE])
def test_admin_pages_past_the_id_range_are_404(admin, row_id):
    response = admin.client.get(f"/admin/users/{row_id}")
    assert response.status_code == 404
