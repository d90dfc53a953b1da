"""The HTTP surface of the security core: the members API of SPEC §4 and the JWKS document."""

from __future__ import annotations

from apiflask import APIBlueprint

from munjigi.security import policy

bp = APIBlueprint("auth", __name__, tag="members")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.auth import api  # noqa: E402,F401  (routes register themselves on bp)
from munjigi.auth import views  # noqa: E402,F401  (the sign-in pages)
