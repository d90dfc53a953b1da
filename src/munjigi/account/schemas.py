"""Validation of the /account forms (marshmallow, as the API's schemas)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length
from marshmallow import EXCLUDE


class ProfileIn(Schema):
    """My details, each may be left empty (the email changes through /account/email)."""

    class Meta:
        unknown = EXCLUDE

    display_name = String(load_default="", validate=Length(0, 64))
    nickname = String(load_default="", validate=Length(0, 32))
    bio = String(load_default="", validate=Length(0, 500))
