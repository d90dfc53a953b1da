"""Request and response schemas of the lifecycle API (they also feed the OpenAPI spec)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean
from apiflask.fields import DateTime
from apiflask.fields import Email
from apiflask.fields import Integer
from apiflask.fields import String
from apiflask.validators import Length

from munjigi.auth.schemas import Envelope
from munjigi.auth.schemas import In


class EmailIn(In):
    email = Email(required=True, validate=Length(3, 254), metadata={"example": "kim@example.com"})


class TokenIn(In):
    # Tokens are 43 URL-safe characters; the bound only stops oversized input early.
    token = String(
        required=True, validate=Length(1, 128), metadata={"description": "From the link"}
    )


class ResetIn(TokenIn):
    password = String(required=True, validate=Length(1, 1024))


class VerifiedOut(Envelope):
    user_id = Integer()


class EmailStatusOut(Envelope):
    email = String()
    verified = Boolean()
    verified_at = DateTime(allow_none=True)
    verification_required = Boolean()


class Neutral(Schema):
    """Only the envelope: the answer does not say whether an account uses the address."""

    result = String(metadata={"example": "success"})
    message = String()
