"""Key rotation (SECURITY.md 77): one key signs, the previous ones still verify, each chosen by the
`kid` in the token's header; an unknown kid, a removed key or a token without a kid is refused."""

import hashlib
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from infrastructure.security.jwt_keys import key_id, load_previous_public_keys
from infrastructure.security.jwt_tokens import JwtAccessTokenService
from tests.adapters.test_jwt_tokens import (
    AUDIENCE,
    ISSUER,
    LIFETIME,
    SESSION_ID,
    USER_ID,
    FixedClock,
    _user,
    claims,
    hs256,
    rejected,
)
from tests.adapters.test_jwt_tokens import T0 as NOW

OLD = "old-hs256-key-4mQ9xT2vL7pW1rZ8bN3kC6fJ0hG5dS"
NEW = "new-hs256-key-8yB3nK6cJ1fH5dG0sZaQ7vX2mL9pR4"


def service(
    algorithm: str, signing: Any, verification: Any, previous: tuple[Any, ...] = ()
) -> JwtAccessTokenService:
    return JwtAccessTokenService(
        algorithm=algorithm,
        signing_key=signing,
        verification_key=verification,
        previous_verification_keys=previous,
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime=LIFETIME,
        clock=FixedClock(NOW),
    )


def issued(by: JwtAccessTokenService) -> str:
    return by.issue(_user(), SESSION_ID).token


def kid(token: str) -> object:
    return jwt.get_unverified_header(token).get("kid")


# --- HS256 ----------------------------------------------------------------------------------------


def test_an_hs256_token_of_the_previous_key_still_verifies_after_a_rotation() -> None:
    before = service("HS256", OLD, OLD)
    token = issued(before)
    after = service("HS256", NEW, NEW, previous=(OLD,))
    assert after.verify(token).user_id == USER_ID
    fresh = issued(after)
    assert kid(fresh) == key_id("HS256", NEW.encode()) != kid(token)
    assert after.verify(fresh).session_id == SESSION_ID
    # The old key no longer signs anything: its tokens die out within their lifetime.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(fresh, OLD, algorithms=["HS256"], audience=AUDIENCE)


def test_a_token_of_a_removed_key_is_refused() -> None:
    token = issued(service("HS256", OLD, OLD))
    rejected(service("HS256", NEW, NEW), token)


def test_the_kid_chooses_the_key_and_never_falls_back_to_another() -> None:
    after = service("HS256", NEW, NEW, previous=(OLD,))
    new_kid, old_kid = key_id("HS256", NEW.encode()), key_id("HS256", OLD.encode())
    # Signed with the old key, but naming the new one (and the other way round): refused.
    rejected(after, hs256(claims(), key=OLD, header={"alg": "HS256", "typ": "JWT", "kid": new_kid}))
    rejected(after, hs256(claims(), key=NEW, header={"alg": "HS256", "typ": "JWT", "kid": old_kid}))
    assert after.verify(hs256(claims(), key=OLD, header={"alg": "HS256", "kid": old_kid}))


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "typ": "JWT"},  # no kid: every token we issue names its key
        {"alg": "HS256", "kid": "0123456789abcdef"},  # an unknown one
        {"alg": "HS256", "kid": ""},
        {"alg": "HS256", "kid": None},
        {"alg": "HS256", "kid": ["x"]},
        {"alg": "HS256", "kid": {"k": 1}},
    ],
)
def test_a_token_without_a_known_kid_is_refused(header: dict[str, object]) -> None:
    rejected(service("HS256", NEW, NEW, previous=(OLD,)), hs256(claims(), key=NEW, header=header))


def test_an_hs256_kid_is_short_and_tells_nothing_of_the_key() -> None:
    named = key_id("HS256", NEW.encode())
    assert len(named) == 16
    assert int(named, 16) >= 0
    assert named not in hashlib.sha256(NEW.encode()).hexdigest()
    assert NEW[:8] not in named
    assert named == key_id("HS256", NEW.encode())  # the same in every process and instance
    assert service("HS256", NEW, NEW, previous=(OLD,)).jwks() == {"keys": []}


@pytest.mark.parametrize("weak", ["short", "x" * 40, "changeme-changeme-changeme-changeme"])
def test_a_weak_previous_secret_is_refused(weak: str) -> None:
    with pytest.raises(ValueError, match="secret key"):
        service("HS256", NEW, NEW, previous=(weak,))


# --- RS256 and EdDSA ------------------------------------------------------------------------------


def new_key(algorithm: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_an_asymmetric_rotation_verifies_and_publishes_both_keys(algorithm: str) -> None:
    old, new = new_key(algorithm), new_key(algorithm)
    token = issued(service(algorithm, old, old.public_key()))
    after = service(algorithm, new, new.public_key(), previous=(old.public_key(),))
    assert after.verify(token).user_id == USER_ID
    fresh = issued(after)
    published = after.jwks()["keys"]
    assert [key["kid"] for key in published] == [kid(fresh), kid(token)]  # current first
    assert all(key["alg"] == algorithm and "d" not in key for key in published)
    # A client holding only the JWKS verifies both.
    for each, key in ((fresh, published[0]), (token, published[1])):
        jwt.decode(
            each,
            jwt.PyJWK(key).key,
            algorithms=[algorithm],
            audience=AUDIENCE,
            options={"verify_iat": False, "verify_exp": False},
        )
    rejected(service(algorithm, new, new.public_key()), token)


def test_a_previous_key_of_another_type_or_too_small_is_refused() -> None:
    rsa_key, ed_key = new_key("RS256"), new_key("EdDSA")
    with pytest.raises(ValueError, match="RSA public keys"):
        service("RS256", rsa_key, rsa_key.public_key(), previous=(ed_key.public_key(),))
    with pytest.raises(ValueError, match="Ed25519"):
        service("EdDSA", ed_key, ed_key.public_key(), previous=(rsa_key.public_key(),))
    with pytest.raises(ValueError, match="RSA public keys"):
        service("RS256", rsa_key, rsa_key.public_key(), previous=(OLD,))
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(ValueError, match="2048"):
        service("RS256", rsa_key, rsa_key.public_key(), previous=(small.public_key(),))


def test_an_hs256_token_maced_with_a_previous_public_key_is_refused(tmp_path: Path) -> None:
    """Algorithms stay pinned: a previous RSA key is no more an HMAC secret than the current."""
    old, new = new_key("RS256"), new_key("RS256")
    after = service("RS256", new, new.public_key(), previous=(old.public_key(),))
    pem = old.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header: dict[str, object] = {
        "alg": "HS256",
        "typ": "JWT",
        "kid": key_id("RS256", old.public_key()),
    }
    rejected(after, hs256(claims(), key=pem, header=header))


# --- loading the previous public keys --------------------------------------------------------------


def write_public(path: Path, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(path)


def test_previous_public_keys_load_from_pem_files(tmp_path: Path) -> None:
    first, second = new_key("RS256"), new_key("RS256")
    paths = [write_public(tmp_path / "a.pem", first), write_public(tmp_path / "b.pem", second)]
    keys = load_previous_public_keys("RS256", paths)
    assert [key_id("RS256", key) for key in keys] == [
        key_id("RS256", first.public_key()),
        key_id("RS256", second.public_key()),
    ]


def test_an_unreadable_or_wrong_previous_key_file_is_a_value_error_naming_it(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(ValueError, match="Cannot read the previous JWT public key file"):
        load_previous_public_keys("RS256", [missing])
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(ValueError, match="not an unencrypted PEM public key"):
        load_previous_public_keys("RS256", [str(garbage)])
    ed_file = write_public(tmp_path / "ed.pem", new_key("EdDSA"))
    with pytest.raises(ValueError, match=r"ed\.pem.*RSA public keys"):
        load_previous_public_keys("RS256", [ed_file])
    with pytest.raises(ValueError, match="SECRET_KEY_PREVIOUS"):
        load_previous_public_keys("HS256", [ed_file])
