"""Bodies of /auth/passkeys: adding, listing and removing passkeys, and signing in with one."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.passkeys import PASSKEY_NAME_MAX_LENGTH, Passkey
from domain.users import EMAIL_MAX_LENGTH
from interfaces.http.schemas.common import RequestBody, example
from interfaces.http.schemas.users import EXAMPLE_PASSWORD, PASSWORD_FIELD_MAX_LENGTH

OptionalPassword = Field(default=None, min_length=1, max_length=PASSWORD_FIELD_MAX_LENGTH)
OptionalCode = Field(default=None, min_length=1, max_length=64)
CREDENTIAL_DESCRIPTION = (
    "What `navigator.credentials.create()` or `.get()` gave the page, as JSON "
    "(`PublicKeyCredential.toJSON()`: `id`, `rawId`, `type`, `response`, …)."
)
# What a browser sends, shortened: the examples in /docs are placeholders the API refuses as
# credentials that do not verify (never as malformed bodies).
EXAMPLE_REGISTRATION = {
    "id": "the credential id",
    "rawId": "the credential id",
    "type": "public-key",
    "response": {"clientDataJSON": "…", "attestationObject": "…", "transports": ["internal"]},
    "clientExtensionResults": {},
}
EXAMPLE_ASSERTION = {
    "id": "the credential id",
    "rawId": "the credential id",
    "type": "public-key",
    "response": {
        "clientDataJSON": "…",
        "authenticatorData": "…",
        "signature": "…",
        "userHandle": "…",
    },
    "clientExtensionResults": {},
}
Credential = Field(description=CREDENTIAL_DESCRIPTION)
OPTIONS_DESCRIPTION = (
    "WebAuthn options as JSON, for `PublicKeyCredential.parseCreationOptionsFromJSON()` or "
    "`parseRequestOptionsFromJSON()` (binary values in base64url)."
)


class AccountHolderConfirmation(RequestBody):
    """The current password; or, for an account without a password whose second factor is on,
    a code of it instead."""

    model_config = example({"password": EXAMPLE_PASSWORD})

    password: str | None = OptionalPassword
    code: str | None = OptionalCode


class RegisterPasskeyRequest(RequestBody):
    model_config = example({"credential": EXAMPLE_REGISTRATION, "name": "Laptop"})

    credential: dict[str, Any] = Credential
    name: str = Field(min_length=1, max_length=PASSKEY_NAME_MAX_LENGTH)
    """What the owner calls it; trimmed."""


class PasskeyResponse(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, passkey: Passkey) -> "PasskeyResponse":
        return cls(
            id=passkey.id,
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
        )


class PasskeyLoginOptionsRequest(RequestBody):
    model_config = example({"username": "alice"})

    username: str | None = Field(default=None, min_length=1, max_length=EMAIL_MAX_LENGTH)
    """The account about to sign in (a username or an email), for a passkey as the second
    factor after a password; leave it out to let the person pick any of their passkeys."""


class PasskeyLoginRequest(RequestBody):
    model_config = example({"credential": EXAMPLE_ASSERTION})

    credential: dict[str, Any] = Credential
