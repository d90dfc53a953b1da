"""The 한끼얼마 recipe-cost API of SPEC §4: recipes ("posts"), their cost, comments and likes."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("recipes", __name__, tag="recipes")

from munjigi.recipes import api  # noqa: E402,F401  (routes register themselves on bp)
