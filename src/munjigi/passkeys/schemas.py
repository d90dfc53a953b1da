"""Request and response schemas of the passkey API (they also document it in OpenAPI)."""

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

from munjigi.auth.schemas import Envelope as Envelope  # re-exported for api.py
from munjigi.auth.schemas import In
from munjigi.auth.schemas import LoginOut

CREDENTIAL_DOC = {
    "description": "The browser's PublicKeyCredential as JSON (credential.toJSON()): id, "
    "rawId, type, response {clientDataJSON, attestationObject | authenticatorData, "
    "signature, userHandle}, all base64url."
}
OPTIONS_DOC = {
    "description": "PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON: give it "
    "to PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON."
}


class CredentialIn(In):
    credential = Dict(required=True, metadata=CREDENTIAL_DOC)


class RegistrationIn(CredentialIn):
    name = String(load_default="", validate=Length(0, 64), metadata={"example": "My phone"})


class NameIn(In):
    name = String(required=True, validate=Length(1, 64), metadata={"example": "Work laptop"})


PENDING_DOC = {"description": "The `challenge` of the pending login (POST /members/login)."}


class PendingLoginIn(In):
    challenge = String(required=True, validate=Length(1, 128), metadata=PENDING_DOC)


class SecondFactorIn(CredentialIn):
    challenge = String(required=True, validate=Length(1, 128), metadata=PENDING_DOC)


class OptionsOut(Envelope):
    options = Dict(metadata=OPTIONS_DOC)


class PasskeyOut(Schema):
    id = Integer()
    name = String()
    created_at = DateTime()
    last_used_at = DateTime(allow_none=True)
    device_type = String(metadata={"description": "single_device or multi_device (synced)"})
    backed_up = Boolean()
    user_verified = Boolean()
    transports = List(String(), allow_none=True)


class PasskeyOneOut(Envelope):
    passkey = Nested(PasskeyOut)


class PasskeysOut(Envelope):
    passkeys = List(Nested(PasskeyOut))


class PasskeyLoginOut(LoginOut):
    pass
