"""The 한끼얼마 recipe-cost API of SPEC §4: recipes ("posts"), their cost, comments and likes."""

from __future__ import annotations

from apiflask import APIBlueprint

from munjigi.security import policy

bp = APIBlueprint("recipes", __name__, tag="recipes")
policy.declare(bp, kind=policy.API)  # what its routes are, unless a route says

from munjigi.recipes import api  # noqa: E402,F401  (routes register themselves on bp)
