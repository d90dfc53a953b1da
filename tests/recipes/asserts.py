"""The SPEC §4 body shapes, asserted the same way by every recipe test."""

from __future__ import annotations

from typing import Any


def assert_success(response, message: str) -> dict[str, Any]:
    """SPEC §4 success: 200, result "success", the exact Korean message."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == "success"
    assert body["message"] == message
    return body


def assert_failed(response, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    """SPEC §4 failure: the status, JSON, result "failed", a stable code and the message."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["result"] == "failed"
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
    return body
