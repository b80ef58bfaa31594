"""`AesGcmSecretBox`: the TOTP secrets encrypted at rest with AES-256-GCM (`cryptography`)."""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.ports.secret_box import SecretUnreadable

KEY_MATERIAL_MIN_BYTES = 32
_MIN_DISTINCT_CHARACTERS = 8
_NONCE_BYTES = 12
_VERSION = "v1."
"""Names the format and key derivation, so that a later one can be told apart (and rotated to)."""
_HKDF_INFO = b"tessera mfa secret box v1"


def check_key_material(material: bytes) -> bytes:
    """Return `material` if it may key the box (MFA_ENCRYPTION_KEY); raise ValueError otherwise."""
    if len(material) < KEY_MATERIAL_MIN_BYTES:
        raise ValueError(
            f"MFA_ENCRYPTION_KEY must be at least {KEY_MATERIAL_MIN_BYTES} bytes long."
        )
    if len(set(material)) < _MIN_DISTINCT_CHARACTERS:
        raise ValueError("MFA_ENCRYPTION_KEY is a low-entropy value; generate one.")
    return material


class AesGcmSecretBox:
    """Implements the SecretBox port.

    The AES key is derived with HKDF-SHA256 from the key material (MFA_ENCRYPTION_KEY, or the
    service's own secret, with a purpose of its own so that the JWT key and this one never
    coincide). Each seal takes a fresh 96-bit nonce; the context (the owner's id) is the
    associated data, so a sealed value copied to another owner's row fails to open. Stored as
    `v1.` + base64url(nonce + ciphertext + tag).
    """

    def __init__(self, key_material: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
            check_key_material(key_material)
        )
        self._aead = AESGCM(key)

    def seal(self, secret: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8"), context.encode("utf-8"))
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, *, context: str) -> str:
        if not sealed.startswith(_VERSION):
            raise SecretUnreadable("unknown sealed format")
        try:
            raw = base64.urlsafe_b64decode(sealed.removeprefix(_VERSION).encode("ascii"))
            nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, ciphertext, context.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError) as error:
            raise SecretUnreadable(type(error).__name__) from None
