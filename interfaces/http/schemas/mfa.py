"""Bodies of /auth/mfa: the authenticator app, recovery codes and the second step of a login."""

from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from application.use_cases.mfa.set_up_totp import TotpSetup
from interfaces.http.schemas.common import ErrorBody, RequestBody, example
from interfaces.http.schemas.users import EXAMPLE_PASSWORD, TOKEN_FIELD_MAX_LENGTH, Password

# A TOTP code is 6 digits and a recovery code 12 characters (with dashes, 14); room for spaces.
Code = Field(min_length=1, max_length=64)
EXAMPLE_CODE = "123456"


class TotpSetupResponse(BaseModel):
    secret: str
    """Base32, for typing into an authenticator app; shown only here."""
    otpauth_uri: str
    """The same secret as an `otpauth://totp/…` URI, for a QR code."""

    @classmethod
    def of(cls, setup: TotpSetup) -> "TotpSetupResponse":
        return cls(secret=setup.secret, otpauth_uri=setup.otpauth_uri)


class ConfirmTotpRequest(RequestBody):
    model_config = example({"code": EXAMPLE_CODE})

    code: str = Code


class PasswordAndCode(RequestBody):
    """The current password and a code of the second factor (from the app, or a recovery code)."""

    model_config = example({"password": EXAMPLE_PASSWORD, "code": EXAMPLE_CODE})

    password: str = Password
    code: str = Code


class RecoveryCodesResponse(BaseModel):
    recovery_codes: list[str]
    """Ten single-use codes, shown only here: each completes one login instead of the app."""


class VerifyMfaRequest(RequestBody):
    """The `mfa_token` and either a `code` (from the app, or a recovery code) or a `passkey`."""

    model_config = example(
        {"mfa_token": "the mfa_token of the 401 mfa_required answer", "code": EXAMPLE_CODE}
    )

    mfa_token: str = Field(min_length=1, max_length=TOKEN_FIELD_MAX_LENGTH)
    code: str | None = Field(default=None, min_length=1, max_length=64)
    passkey: dict[str, Any] | None = Field(
        default=None,
        description=(
            "What `navigator.credentials.get()` gave the page for the options of "
            "`POST /auth/passkeys/login/options`, as JSON."
        ),
    )

    @model_validator(mode="after")
    def _one_answer(self) -> Self:
        if (self.code is None) == (self.passkey is None):
            raise ValueError("Send either code or passkey.")
        return self


class MfaRequiredBody(ErrorBody):
    """401 `mfa_required`: the password was right; complete the login at /auth/mfa/verify."""

    mfa_token: str
    methods: list[str]
