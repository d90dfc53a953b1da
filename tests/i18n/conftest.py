"""Language tests: the page fixtures of tests/web, with the product's default locale (ko)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import admin  # noqa: F401
from tests.web.conftest import member  # noqa: F401
from tests.web.conftest import other_browser  # noqa: F401
from tests.web.conftest import pages  # noqa: F401


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Settings.for_testing speaks English for the older suites; here the shipped default.
    return {"default_locale": "ko"}
