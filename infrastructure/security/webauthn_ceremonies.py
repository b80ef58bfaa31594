"""`PyWebAuthnCeremonies`: the WebAuthn ceremonies on `webauthn` (py_webauthn).

The relying party (RP ID, name, origin) is fixed when the adapter is built, from the settings:
no request header ever decides which origin or RP ID a credential must name.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, options_to_json, parse_client_data_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from application.ports.passkeys import (
    Credential,
    CredentialClaims,
    KnownCredential,
    NewCredential,
    Options,
    PasskeyOwner,
    PasskeyRejected,
)
from domain.passkeys import CHALLENGE_LIFETIME

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
"""ES256 first (what nearly every authenticator makes), then Ed25519 and RS256 (Windows Hello)."""
CREDENTIAL_ID_MAX_BYTES = 1023
"""W3C WebAuthn: a credential id is at most 1023 bytes."""
_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}
_TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)


@dataclass(frozen=True)
class RelyingParty:
    id: str
    """The RP ID: the origin's host or a registrable suffix of it (WEBAUTHN_RP_ID)."""
    name: str
    """What the authenticator shows the person (WEBAUTHN_RP_NAME)."""
    origin: str
    """The one origin credentials must come from: PUBLIC_BASE_URL's scheme, host and port."""


class PyWebAuthnCeremonies:
    """Implements the PasskeyCeremonies port: discoverable credentials, user verification
    required in every option, "none" attestation (Tessera trusts no authenticator model more
    than another), ES256, EdDSA and RS256 keys."""

    def __init__(self, relying_party: RelyingParty) -> None:
        self._rp = relying_party

    def registration_options(
        self, owner: PasskeyOwner, challenge: bytes, exclude: Sequence[KnownCredential]
    ) -> Options:
        options = generate_registration_options(
            rp_id=self._rp.id,
            rp_name=self._rp.name,
            user_id=owner.handle,
            user_name=owner.name,
            user_display_name=owner.display_name,
            challenge=challenge,
            timeout=_TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[_descriptor(known) for known in exclude],
            supported_pub_key_algs=ALGORITHMS,
        )
        return _plain_json(options_to_json(options))

    def authentication_options(self, challenge: bytes) -> Options:
        options = generate_authentication_options(
            rp_id=self._rp.id,
            challenge=challenge,
            timeout=_TIMEOUT_MS,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return _plain_json(options_to_json(options))

    def claims_of(self, credential: Credential) -> CredentialClaims:
        try:
            response = credential["response"]
            client_data = parse_client_data_json(base64url_to_bytes(response["clientDataJSON"]))
            credential_id = base64url_to_bytes(credential["rawId"])
            handle = response.get("userHandle")
            user_handle = base64url_to_bytes(handle) if isinstance(handle, str) else None
        except Exception as error:  # anything at all may come in: it is the caller's JSON
            raise PasskeyRejected(f"malformed credential: {type(error).__name__}") from None
        if not 0 < len(credential_id) <= CREDENTIAL_ID_MAX_BYTES:
            raise PasskeyRejected("a credential id is 1 to 1023 bytes")
        return CredentialClaims(
            challenge=client_data.challenge, credential_id=credential_id, user_handle=user_handle
        )

    def verify_registration(self, credential: Credential, challenge: bytes) -> NewCredential:
        self._refuse_cross_origin(credential)
        try:
            verified = verify_registration_response(
                credential=dict(credential),
                expected_challenge=challenge,
                expected_rp_id=self._rp.id,
                expected_origin=self._rp.origin,
                require_user_presence=True,
                require_user_verification=True,
                supported_pub_key_algs=ALGORITHMS,
            )
        except Exception as error:  # the library's refusals, and whatever junk makes it raise
            raise PasskeyRejected(f"registration refused: {error}") from None
        if len(verified.credential_id) > CREDENTIAL_ID_MAX_BYTES:
            raise PasskeyRejected("a credential id is at most 1023 bytes")
        return NewCredential(
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=_transports(credential),
        )

    def verify_authentication(
        self,
        credential: Credential,
        challenge: bytes,
        *,
        public_key: bytes,
        sign_count: int,
        require_user_verification: bool,
    ) -> int:
        self._refuse_cross_origin(credential)
        try:
            verified = verify_authentication_response(
                credential=dict(credential),
                expected_challenge=challenge,
                expected_rp_id=self._rp.id,
                expected_origin=self._rp.origin,
                credential_public_key=public_key,
                credential_current_sign_count=sign_count,
                require_user_verification=require_user_verification,
            )
        except Exception as error:  # the library's refusals, and whatever junk makes it raise
            raise PasskeyRejected(f"assertion refused: {error}") from None
        return verified.new_sign_count

    def _refuse_cross_origin(self, credential: Credential) -> None:
        """A ceremony run in a frame of another site (`crossOrigin`) is refused: Tessera's pages
        are never framed, so such a credential was not made on them."""
        try:
            client_data = base64url_to_bytes(credential["response"]["clientDataJSON"])
            cross_origin = parse_client_data_json(client_data).cross_origin
        except Exception:  # malformed: the verification refuses it with its reason
            return
        if cross_origin:
            raise PasskeyRejected("a credential made in a cross-origin frame")


def _descriptor(known: KnownCredential) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in known.transports if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=known.credential_id, transports=transports or None)


def _transports(credential: Credential) -> tuple[str, ...]:
    """The transports the browser reported, when they are ones WebAuthn knows (a hint only)."""
    response = credential.get("response")
    reported = response.get("transports") if isinstance(response, Mapping) else None
    if not isinstance(reported, list):
        return ()
    return tuple(sorted({t for t in reported if isinstance(t, str) and t in _TRANSPORTS}))


def _plain_json(text: str) -> Options:
    """The options as plain JSON values (the library's dict keeps its enums)."""
    options: Options = json.loads(text)
    return options
