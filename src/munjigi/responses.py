"""The ``{"result": ...}`` envelope of SPEC §4, built in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def success(message: str, **fields: Any) -> dict[str, Any]:
    """A success body: ``result``, ``message`` and the fields of the endpoint."""
    return {"result": "success", "message": message, **fields}


def failure(code: str, message: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A failure body: ``result``, a human ``message`` and the stable machine ``code``."""
    body: dict[str, Any] = {"result": "failed", "message": message, "code": code}
    if fields:
        body["fields"] = dict(fields)
    return body
