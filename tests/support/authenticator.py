"""A software WebAuthn authenticator (and the browser around it), for the tests.

It makes what `navigator.credentials.create()` and `.get()` hand a page, as JSON: ES256 (EC
P-256) discoverable credentials with "none" attestation, and assertions signed over the
authenticator data and the client data's hash (W3C WebAuthn L3, 6.1, 6.5, 7). It is written here
on `cryptography` rather than with the library under test, so that a test that passes shows the
library accepts what a real authenticator makes, and the knobs below make what it must refuse:
another origin or RP ID, no user verification, a counter that moves back.
"""

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT = 0x01
USER_VERIFIED = 0x04
ATTESTED_CREDENTIAL_DATA = 0x40
NO_AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value: object) -> bytes:
    """The CBOR (RFC 8949) of what authenticators encode: integers, byte and text strings, maps."""
    if isinstance(value, bool) or value is None:
        raise TypeError("not needed here")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _head(3, len(encoded)) + encoded
    if isinstance(value, dict):
        items = b"".join(cbor(key) + cbor(item) for key, item in value.items())
        return _head(5, len(value)) + items
    raise TypeError(type(value).__name__)


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for size, marker in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | marker]) + argument.to_bytes(size, "big")
    raise ValueError("too large")


@dataclass
class SoftCredential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


class SoftAuthenticator:
    """A person's passkey provider, with the browser's part (the client data) included.

    `origin` is where the page runs; a test of a phishing site passes another one. Each call
    may also override the RP ID, user verification, the counter and the challenge.
    """

    def __init__(self, origin: str, *, counts_signatures: bool = True) -> None:
        self.origin = origin
        self.counts_signatures = counts_signatures
        self.credentials: dict[bytes, SoftCredential] = {}

    # --- navigator.credentials.create() -----------------------------------------------------

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
        challenge: str | None = None,
        cross_origin: bool = False,
    ) -> dict[str, Any]:
        """A new credential for `options` (PublicKeyCredentialCreationOptionsJSON)."""
        rp = rp_id or options["rp"].get("id")
        assert rp, "the options name the RP ID"
        algorithms = [parameter["alg"] for parameter in options["pubKeyCredParams"]]
        assert -7 in algorithms, "this authenticator makes ES256 keys"
        credential = SoftCredential(
            credential_id=os.urandom(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp,
            user_handle=from_b64url(options["user"]["id"]),
        )
        self.credentials[credential.credential_id] = credential
        attested = (
            NO_AAGUID
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + credential.cose_public_key()
        )
        flags = USER_PRESENT | ATTESTED_CREDENTIAL_DATA | (USER_VERIFIED if user_verified else 0)
        authenticator_data = self._authenticator_data(rp, flags, 0) + attested
        client_data = self._client_data(
            "webauthn.create", challenge or options["challenge"], origin, cross_origin
        )
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # --- navigator.credentials.get() --------------------------------------------------------

    def get(
        self,
        options: dict[str, Any],
        *,
        credential_id: bytes | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
        challenge: str | None = None,
        cross_origin: bool = False,
    ) -> dict[str, Any]:
        """An assertion for `options` (PublicKeyCredentialRequestOptionsJSON) by the credential
        `credential_id`, or (discoverable) the only one this authenticator has for the RP."""
        credential = self._pick(options, credential_id)
        rp = rp_id or options["rpId"]
        if sign_count is None:
            if self.counts_signatures:
                credential.sign_count += 1
            sign_count = credential.sign_count
        flags = USER_PRESENT | (USER_VERIFIED if user_verified else 0)
        authenticator_data = self._authenticator_data(rp, flags, sign_count)
        client_data = self._client_data(
            "webauthn.get", challenge or options["challenge"], origin, cross_origin
        )
        signature = credential.private_key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(authenticator_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def _pick(self, options: dict[str, Any], credential_id: bytes | None) -> SoftCredential:
        if credential_id is not None:
            return self.credentials[credential_id]
        allowed = [from_b64url(item["id"]) for item in options.get("allowCredentials") or []]
        candidates = [
            credential
            for credential in self.credentials.values()
            if (credential.credential_id in allowed if allowed else True)
            and credential.rp_id == options["rpId"]
        ]
        assert len(candidates) == 1, f"{len(candidates)} credentials fit; name one"
        return candidates[0]

    def _authenticator_data(self, rp_id: str, flags: int, sign_count: int) -> bytes:
        return (
            hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)
        )

    def _client_data(
        self, kind: str, challenge: str, origin: str | None, cross_origin: bool
    ) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": cross_origin,
            },
            separators=(",", ":"),
        ).encode()
