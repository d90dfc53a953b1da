"""Request and response schemas of the protection API."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean
from apiflask.fields import DateTime
from apiflask.fields import Dict
from apiflask.fields import Integer
from apiflask.fields import List
from apiflask.fields import Nested
from apiflask.fields import String
from apiflask.validators import Length
from apiflask.validators import OneOf
from apiflask.validators import Range
from marshmallow import EXCLUDE

PURPOSES = ("login", "signup")


class ChallengeQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    purpose = String(load_default="signup", validate=OneOf(PURPOSES))


class ChallengeOut(Schema):
    result = String()
    message = String()
    challenge = Dict(metadata={"description": "ALTCHA v2 challenge: parameters and signature"})
    field = String(metadata={"description": "where to send the solution (JSON body or form)"})


class StrengthIn(Schema):
    class Meta:
        unknown = EXCLUDE

    password = String(required=True, validate=Length(0, 1024))
    username = String(load_default="", validate=Length(0, 254))
    email = String(load_default="", validate=Length(0, 254))


class StrengthOut(Schema):
    result = String()
    message = String()
    score = Integer(metadata={"description": "zxcvbn score, 0 (weakest) to 4"})
    acceptable = Boolean(metadata={"description": "whether sign-up would accept it"})
    problems = List(String())
    hint = String()
    suggestions = List(String())


class AuditQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    event = String(validate=Length(1, 48))
    outcome = String(validate=Length(1, 16))
    user_id = Integer(validate=Range(1, 2**31 - 1))
    ip = String(validate=Length(1, 45))
    since = DateTime()
    until = DateTime()
    before_id = Integer(validate=Range(1, 2**63 - 1), metadata={"description": "keyset cursor"})
    limit = Integer(load_default=50, validate=Range(1, 200))


class AuditEventOut(Schema):
    id = Integer()
    seq = Integer(allow_none=True)
    at = DateTime()
    event = String()
    outcome = String()
    user_id = Integer(allow_none=True)
    actor_id = Integer(allow_none=True)
    session_id = String(allow_none=True)
    ip = String(allow_none=True)
    user_agent = String(allow_none=True)
    reason = String(allow_none=True)
    detail = Dict(allow_none=True)
    hash = String(allow_none=True)


class AuditPageOut(Schema):
    result = String()
    message = String()
    events = List(Nested(AuditEventOut))
    next_before_id = Integer(allow_none=True, metadata={"description": "pass as before_id"})


class UnlockOut(Schema):
    result = String()
    message = String()
    user_id = Integer()
    cleared = Integer()
