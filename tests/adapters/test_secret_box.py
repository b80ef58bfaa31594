"""AesGcmSecretBox: TOTP secrets encrypted at rest, bound to their owner, under a derived key."""

import base64

import pytest

from application.ports.secret_box import SecretUnreadable
from infrastructure.security.secret_box import AesGcmSecretBox, check_key_material

KEY = b"k3y-m4terial-for-the-tests-0123456789"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_secret_opens_for_its_owner_only() -> None:
    box = AesGcmSecretBox(KEY)
    sealed = box.seal(SECRET, context="alice")

    assert box.open(sealed, context="alice") == SECRET
    with pytest.raises(SecretUnreadable):
        box.open(sealed, context="bob")


def test_the_secret_is_not_in_the_sealed_text_and_each_seal_differs() -> None:
    box = AesGcmSecretBox(KEY)
    first, second = box.seal(SECRET, context="alice"), box.seal(SECRET, context="alice")

    assert first != second  # a fresh nonce each time
    for sealed in (first, second):
        assert sealed.startswith("v1.")
        assert SECRET not in sealed
        assert SECRET.encode() not in base64.urlsafe_b64decode(sealed[3:])


def test_another_key_cannot_open_it() -> None:
    sealed = AesGcmSecretBox(KEY).seal(SECRET, context="alice")
    with pytest.raises(SecretUnreadable):
        AesGcmSecretBox(KEY + b"!").open(sealed, context="alice")


@pytest.mark.parametrize("mangle", ["flip", "truncate", "prefix", "garbage", "empty"])
def test_an_altered_value_is_refused_not_crashed_on(mangle: str) -> None:
    box = AesGcmSecretBox(KEY)
    sealed = box.seal(SECRET, context="alice")
    raw = bytearray(base64.urlsafe_b64decode(sealed[3:]))
    raw[-1] ^= 1
    altered = {
        "flip": "v1." + base64.urlsafe_b64encode(bytes(raw)).decode(),
        "truncate": sealed[:20],
        "prefix": "v9." + sealed[3:],
        "garbage": "v1.!!!not base64!!!",
        "empty": "",
    }[mangle]
    with pytest.raises(SecretUnreadable):
        box.open(altered, context="alice")


@pytest.mark.parametrize("material", [b"short", b"a" * 64, b"ab" * 32])
def test_weak_key_material_is_refused(material: bytes) -> None:
    with pytest.raises(ValueError, match="MFA_ENCRYPTION_KEY"):
        check_key_material(material)
    with pytest.raises(ValueError, match="MFA_ENCRYPTION_KEY"):
        AesGcmSecretBox(material)
