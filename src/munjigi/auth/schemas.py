"""Request and response schemas of the members API (they also generate the OpenAPI spec)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean
from apiflask.fields import DateTime
from apiflask.fields import Email
from apiflask.fields import Integer
from apiflask.fields import List
from apiflask.fields import Nested
from apiflask.fields import String
from apiflask.validators import Length
from apiflask.validators import Regexp
from marshmallow import EXCLUDE

# Letters (Hangul included), digits, '.', '_' and '-'; checked again after NFKC.
USERNAME_PATTERN = r"^[\w.\-]+$"


class In(Schema):
    """Base of request schemas: unknown fields are ignored (the original clients send extras)."""

    class Meta:
        unknown = EXCLUDE


class UsernameIn(In):
    username = String(
        required=True,
        validate=[Length(3, 30), Regexp(USERNAME_PATTERN)],
        metadata={"example": "kim_chef"},
    )


class SignupIn(UsernameIn):
    # The policy (length, context words) is applied by the service; this bound only stops
    # oversized input before it reaches the hasher.
    password = String(required=True, validate=Length(1, 1024))
    email = Email(required=True, validate=Length(3, 254), metadata={"example": "kim@example.com"})


class LoginIn(In):
    username = String(required=True, validate=Length(1, 254))
    password = String(required=True, validate=Length(1, 1024))


class Envelope(Schema):
    result = String(metadata={"example": "success"})
    message = String()


class SignupOut(Envelope):
    user_id = Integer()


class ValidationOut(Envelope):
    available = Boolean()


class TokensOut(Envelope):
    access_token = String()
    csrf_token = String()
    refresh_token = String()
    csrf_refresh_token = String()
    session_id = String()
    access_expires_at = DateTime()
    refresh_expires_at = DateTime()


class LoginOut(TokensOut):
    user_id = Integer()
    username = String()
    # An imported password today's policy refuses: it worked, but must be changed first.
    password_change_required = Boolean()
    # Second factor enrolled (docs/security.md "Second factors and step-up"): no tokens yet,
    # but a challenge for POST /members/login/mfa and the methods that can answer it.
    mfa_required = Boolean()
    challenge = String()
    methods = List(String())
    challenge_expires_at = DateTime()


class MfaLoginIn(In):
    challenge = String(required=True, validate=Length(1, 128))
    code = String(
        required=True, validate=Length(1, 32), metadata={"example": "123456 or abcde-fghjk"}
    )


class ReauthIn(In):
    """Either the password or a TOTP code (not both needed)."""

    password = String(load_default="", validate=Length(0, 1024))
    code = String(load_default="", validate=Length(0, 32))


class ReauthOut(Envelope):
    fresh_until = DateTime()


class DeletedOut(Envelope):
    user_id = Integer()


class MemberOut(Schema):
    user_id = Integer()
    username = String()
    email = String()
    role = String()
    status = String()
    created_at = DateTime()
    updated_at = DateTime()


class MeOut(Envelope):
    member = Nested(MemberOut)


class SessionOut(Schema):
    id = String()
    device = String()
    user_agent = String(allow_none=True)
    ip = String(allow_none=True)
    created_at = DateTime()
    last_used_at = DateTime()
    expires_at = DateTime()
    current = Boolean()


class SessionsOut(Envelope):
    sessions = List(Nested(SessionOut))


class RevokedOut(Envelope):
    revoked = Integer()
