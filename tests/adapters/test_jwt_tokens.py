"""JwtAccessTokenService: round trips, and every forged, stale or malformed token is InvalidToken.

Forgeries are signed with our real key wherever possible, so that the one thing wrong with them is what
the test is about; `test_the_hand_crafted_baseline_is_accepted` shows the crafting itself is sound.
"""

import base64
import hashlib
import hmac
import json
import socket
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from application.errors import InvalidToken
from domain.users import Role, User
from infrastructure.security.jwt_keys import key_id
from infrastructure.security.jwt_tokens import (
    MAX_TOKEN_LENGTH,
    JwtAccessTokenService,
    load_signing_keys,
)

ISSUER = "tessera"
AUDIENCE = "tessera-api"
LIFETIME = timedelta(minutes=15)
SECRET = "test-only-hs256-key-Q7vX2mL9pR4tW8yB3nK6cJ1fH5dG0sZa"
HS_KID = key_id("HS256", SECRET.encode())
T0 = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)
"""Years ahead of the real clock: the service must judge time by its injected clock only."""
NOW = int(T0.timestamp())
USER_ID = uuid.UUID("6f1c2b0e-8f3a-4d5e-9b7c-1a2b3c4d5e6f")
SESSION_ID = uuid.UUID("0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


# --- keys and services -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def _service(algorithm: str, signing: Any, verification: Any, clock: FixedClock) -> Any:
    return JwtAccessTokenService(
        algorithm=algorithm,
        signing_key=signing,
        verification_key=verification,
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime=LIFETIME,
        clock=clock,
    )


@pytest.fixture
def hs(clock: FixedClock) -> JwtAccessTokenService:
    service: JwtAccessTokenService = _service("HS256", SECRET, SECRET, clock)
    return service


@pytest.fixture
def rs(clock: FixedClock, rsa_key: rsa.RSAPrivateKey) -> JwtAccessTokenService:
    service: JwtAccessTokenService = _service("RS256", rsa_key, rsa_key.public_key(), clock)
    return service


@pytest.fixture
def ed(clock: FixedClock, ed_key: ed25519.Ed25519PrivateKey) -> JwtAccessTokenService:
    service: JwtAccessTokenService = _service("EdDSA", ed_key, ed_key.public_key(), clock)
    return service


def _user(role: Role = Role.USER, token_version: int = 0) -> User:
    user = User.register(
        username="alice", email="alice@example.com", password_hash="x", full_name=None, now=T0
    )
    user.id = USER_ID
    user.role = role
    user.token_version = token_version
    return user


# --- crafting tokens by hand ---------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: object) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def claims(*, omit: tuple[str, ...] = (), **overrides: object) -> dict[str, object]:
    """Claims exactly like the ones the service issues at T0, with changes."""
    payload: dict[str, object] = {
        "sub": str(USER_ID),
        "iat": NOW,
        "exp": NOW + int(LIFETIME.total_seconds()),
        "jti": "k2Jx9QpWmZr4TtYb8VcN1g",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": "access",
        "role": "user",
        "ver": 0,
        "sid": str(SESSION_ID),
    }
    payload.update(overrides)
    for name in omit:
        del payload[name]
    return payload


def hs256(
    payload: object,
    *,
    key: str | bytes = SECRET,
    header: dict[str, object] | None = None,
    alg: str = "HS256",
) -> str:
    """An HMAC-SHA256 token built without PyJWT, so that any header or payload can be forged.
    The default header names our key, as the service's own tokens do."""
    head = {"alg": alg, "typ": "JWT", "kid": HS_KID} if header is None else header
    signing_input = f"{segment(head)}.{segment(payload)}"
    raw_key = key.encode() if isinstance(key, str) else key
    signature = hmac.new(raw_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def kid_of(service: JwtAccessTokenService) -> str:
    kid = service.jwks()["keys"][0]["kid"]
    assert isinstance(kid, str)
    return kid


def rejected(service: JwtAccessTokenService, token: object) -> None:
    """verify() raises InvalidToken; any other exception escapes and fails the test."""
    with pytest.raises(InvalidToken):
        service.verify(token)  # type: ignore[arg-type]


# --- issuing and round trips ---------------------------------------------------------------------


def test_a_token_round_trips_to_the_right_claims(hs: JwtAccessTokenService) -> None:
    issued = hs.issue(_user(Role.ADMIN, token_version=3), SESSION_ID)
    assert issued.expires_in == 900
    result = hs.verify(issued.token)
    assert result.user_id == USER_ID
    assert result.session_id == SESSION_ID
    assert result.token_version == 3
    assert result.role == "admin"
    assert len(result.token_id) >= 20


def test_the_issued_claims_and_header(hs: JwtAccessTokenService) -> None:
    token = hs.issue(_user(), SESSION_ID).token
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert header == {"alg": "HS256", "typ": "JWT", "kid": HS_KID}
    assert payload == {
        "sub": str(USER_ID),
        "iat": NOW,
        "exp": NOW + 900,
        "jti": payload["jti"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": "access",
        "role": "user",
        "ver": 0,
        "sid": str(SESSION_ID),
    }


def test_each_token_gets_its_own_random_jti(hs: JwtAccessTokenService) -> None:
    ids = {hs.verify(hs.issue(_user(), SESSION_ID).token).token_id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize("name", ["rs", "ed"])
def test_asymmetric_round_trip_with_our_kid(request: pytest.FixtureRequest, name: str) -> None:
    service: JwtAccessTokenService = request.getfixturevalue(name)
    token = service.issue(_user(), SESSION_ID).token
    header = jwt.get_unverified_header(token)
    assert header["alg"] == {"rs": "RS256", "ed": "EdDSA"}[name]
    assert header["kid"] == kid_of(service)
    assert service.verify(token).user_id == USER_ID


def test_the_hand_crafted_baseline_is_accepted(hs: JwtAccessTokenService) -> None:
    result = hs.verify(hs256(claims()))
    assert (result.user_id, result.session_id, result.token_version) == (USER_ID, SESSION_ID, 0)


def test_extra_unknown_claims_are_tolerated(hs: JwtAccessTokenService) -> None:
    assert hs.verify(hs256(claims(pad="x" * 1000, nbf=NOW))).user_id == USER_ID


# --- the JWK Set ---------------------------------------------------------------------------------


def test_jwks_is_empty_for_hs256(hs: JwtAccessTokenService) -> None:
    assert hs.jwks() == {"keys": []}


def test_jwks_publishes_the_rsa_public_key_only(
    rs: JwtAccessTokenService, rsa_key: rsa.RSAPrivateKey
) -> None:
    (key,) = rs.jwks()["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}  # no d, p, q, dp, dq, qi
    assert (key["kty"], key["alg"], key["use"], key["e"]) == ("RSA", "RS256", "sig", "AQAB")
    published = jwt.PyJWK(key).key
    assert published.public_numbers() == rsa_key.public_key().public_numbers()


def test_jwks_publishes_the_ed25519_public_key_only(ed: JwtAccessTokenService) -> None:
    (key,) = ed.jwks()["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}  # no d
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")


@pytest.mark.parametrize("name", ["rs", "ed"])
def test_a_client_can_verify_our_tokens_from_the_jwks_alone(
    request: pytest.FixtureRequest, name: str
) -> None:
    service: JwtAccessTokenService = request.getfixturevalue(name)
    token = service.issue(_user(), SESSION_ID).token
    key = jwt.PyJWK(service.jwks()["keys"][0])
    payload = jwt.decode(
        token, key, audience=AUDIENCE, issuer=ISSUER, options={"verify_iat": False}
    )
    assert payload["sub"] == str(USER_ID)


def test_the_kid_is_the_rfc7638_thumbprint_and_stable(
    rs: JwtAccessTokenService, rsa_key: rsa.RSAPrivateKey, clock: FixedClock
) -> None:
    key = rs.jwks()["keys"][0]
    members = json.dumps({"e": key["e"], "kty": "RSA", "n": key["n"]}, separators=(",", ":"))
    assert key["kid"] == b64(hashlib.sha256(members.encode()).digest())
    assert _service("RS256", rsa_key, rsa_key.public_key(), clock).jwks() == rs.jwks()


def test_jwks_returns_a_copy(rs: JwtAccessTokenService) -> None:
    rs.jwks()["keys"][0]["kid"] = "changed"
    assert rs.jwks()["keys"][0]["kid"] != "changed"


# --- signatures and algorithms -------------------------------------------------------------------


def test_a_tampered_payload_is_rejected(hs: JwtAccessTokenService) -> None:
    header, _, signature = hs.issue(_user(), SESSION_ID).token.split(".")
    rejected(hs, f"{header}.{segment(claims(role='admin'))}.{signature}")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
def test_alg_none_is_rejected(hs: JwtAccessTokenService, alg: str, signature: str) -> None:
    rejected(hs, f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(claims())}.{signature}")


def test_alg_none_is_rejected_for_asymmetric_too(rs: JwtAccessTokenService) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": kid_of(rs)}
    rejected(rs, f"{segment(header)}.{segment(claims())}.")


def test_a_token_signed_with_another_strong_key_is_rejected(hs: JwtAccessTokenService) -> None:
    rejected(hs, hs256(claims(), key="another-strong-key-9fK2mX7qL4vP8tR3wZ6yB1nH5cJ0dG"))


@pytest.mark.parametrize(
    "weak",
    [
        "secret",
        "changeme",
        "password",
        "your-256-bit-secret",
        "",
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    ],
)
def test_tokens_signed_with_tutorial_secrets_are_rejected(
    hs: JwtAccessTokenService, weak: str
) -> None:
    rejected(hs, hs256(claims(), key=weak))


def test_another_hmac_algorithm_is_rejected(hs: JwtAccessTokenService) -> None:
    head = {"alg": "HS512", "typ": "JWT"}
    signing_input = f"{segment(head)}.{segment(claims())}"
    mac = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha512).digest()
    rejected(hs, f"{signing_input}.{b64(mac)}")


def test_an_rs256_token_from_an_attackers_key_is_rejected(
    rs: JwtAccessTokenService, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    for headers in ({"kid": kid_of(rs)}, None):
        forged = jwt.encode(claims(), attacker_rsa_key, algorithm="RS256", headers=headers)
        rejected(rs, forged)


def test_an_eddsa_token_from_an_attackers_key_is_rejected(ed: JwtAccessTokenService) -> None:
    attacker = ed25519.Ed25519PrivateKey.generate()
    forged = jwt.encode(claims(), attacker, algorithm="EdDSA", headers={"kid": kid_of(ed)})
    rejected(ed, forged)


def test_an_rs256_token_is_rejected_when_hs256_is_configured(
    hs: JwtAccessTokenService, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    rejected(hs, jwt.encode(claims(), attacker_rsa_key, algorithm="RS256"))


def _public_forms(key: rsa.RSAPrivateKey) -> list[bytes]:
    public = key.public_key()
    spki_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return [
        spki_pem,
        spki_pem.strip(),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ]


def test_hs256_maced_with_our_public_key_is_rejected_when_rs256_is_configured(
    rs: JwtAccessTokenService, rsa_key: rsa.RSAPrivateKey
) -> None:
    # CVE-2022-29217: the verifier must not take the public key as an HMAC secret.
    headers: list[dict[str, object] | None] = [
        {"alg": "HS256", "typ": "JWT", "kid": kid_of(rs)},
        None,
    ]
    for public_bytes in [*_public_forms(rsa_key), json.dumps(rs.jwks()["keys"][0]).encode()]:
        for header in headers:
            rejected(rs, hs256(claims(), key=public_bytes, header=header))


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": ["MIIBszCCAVmgAwIBAgIUQ"]},
        {"x5t": "dGh1bWJwcmludA"},
        {"x5t#S256": "dGh1bWJwcmludA"},
        {"jwk": {"kty": "oct", "k": b64(SECRET.encode())}},
        {"crit": ["foo"], "foo": 1},
        {"crit": ["b64"], "b64": True},
        {"crit": []},
        {"cty": "JWT"},
        {"zip": "DEF"},
        {"kid": "../../../../dev/null"},
        {"kid": "ours"},
        {"kid": 7},
        {"typ": "refresh+jwt"},
    ],
)
def test_a_validly_maced_token_with_a_foreign_header_is_rejected(
    hs: JwtAccessTokenService, extra: dict[str, object]
) -> None:
    rejected(hs, hs256(claims(), header={"alg": "HS256", "typ": "JWT", "kid": HS_KID, **extra}))


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": ["MIIBszCCAVmgAwIBAgIUQ"]},
        {"crit": ["foo"], "foo": 1},
    ],
)
def test_a_validly_signed_rs256_token_with_a_foreign_header_is_rejected(
    rs: JwtAccessTokenService, rsa_key: rsa.RSAPrivateKey, extra: dict[str, object]
) -> None:
    forged = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": kid_of(rs), **extra})
    rejected(rs, forged)


def test_an_embedded_attacker_jwk_is_never_trusted(
    rs: JwtAccessTokenService, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    attacker_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker_rsa_key.public_key()))
    for headers in ({"kid": kid_of(rs), "jwk": attacker_jwk}, {"jwk": attacker_jwk}):
        rejected(rs, jwt.encode(claims(), attacker_rsa_key, algorithm="RS256", headers=headers))


@pytest.mark.parametrize("kid", ["../../../../etc/passwd", "../", "", "other-key", None])
def test_a_kid_that_is_not_ours_is_rejected(
    rs: JwtAccessTokenService, rsa_key: rsa.RSAPrivateKey, kid: str | None
) -> None:
    headers = None if kid is None else {"kid": kid}
    rejected(rs, jwt.encode(claims(), rsa_key, algorithm="RS256", headers=headers))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    class NetworkUsed(BaseException):  # not an Exception: nothing may swallow it
        pass

    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkUsed

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.usefixtures("no_network")
def test_key_urls_in_headers_are_never_fetched(
    rs: JwtAccessTokenService, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    for extra in ({"jku": "http://127.0.0.1:9/jwks"}, {"x5u": "http://127.0.0.1:9/c"}):
        forged = jwt.encode(
            claims(), attacker_rsa_key, algorithm="RS256", headers={"kid": kid_of(rs), **extra}
        )
        rejected(rs, forged)


# --- time ----------------------------------------------------------------------------------------


def test_expiry_is_judged_by_the_injected_clock(
    hs: JwtAccessTokenService, clock: FixedClock
) -> None:
    token = hs.issue(_user(), SESSION_ID).token
    clock.current = T0 + LIFETIME - timedelta(seconds=1)
    assert hs.verify(token).user_id == USER_ID
    clock.current = T0 + LIFETIME
    rejected(hs, token)
    clock.current = T0 + timedelta(days=365)
    rejected(hs, token)


def test_a_token_issued_in_the_future_is_rejected(hs: JwtAccessTokenService) -> None:
    rejected(hs, hs256(claims(iat=NOW + 60)))


def test_a_token_not_valid_before_a_future_time_is_rejected(hs: JwtAccessTokenService) -> None:
    rejected(hs, hs256(claims(nbf=NOW + 60)))


def test_a_token_claiming_a_longer_life_than_we_issue_is_rejected(
    hs: JwtAccessTokenService,
) -> None:
    rejected(hs, hs256(claims(exp=NOW + 901)))
    rejected(hs, hs256(claims(exp=NOW + 10 * 365 * 86400)))


@pytest.mark.parametrize("name", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", [1.5, float(NOW), str(NOW), True, [NOW], {"t": NOW}])
def test_non_integer_times_are_rejected(
    hs: JwtAccessTokenService, name: str, value: object
) -> None:
    rejected(hs, hs256(claims() | {name: value}))


def test_huge_times_are_rejected_not_crashed(hs: JwtAccessTokenService) -> None:
    rejected(hs, hs256(claims(exp=10**400)))
    rejected(hs, hs256(claims(iat=-(10**400))))


# --- registered and private claims ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["exp", "iat", "sub", "iss", "aud", "jti", "typ", "ver", "sid", "role"]
)
def test_a_missing_claim_is_rejected(hs: JwtAccessTokenService, name: str) -> None:
    rejected(hs, hs256(claims(omit=(name,))))
    rejected(hs, hs256(claims() | {name: None}))


@pytest.mark.parametrize(
    "iss", ["attacker", "tessera-evil", "tesser", "xtessera", "TESSERA", "", ["tessera"], 1]
)
def test_a_wrong_issuer_is_rejected(hs: JwtAccessTokenService, iss: object) -> None:
    rejected(hs, hs256(claims(iss=iss)))


@pytest.mark.parametrize(
    "aud", ["other-api", "tessera", "tessera-api-x", "", [AUDIENCE, "other"], [AUDIENCE], 1]
)
def test_a_wrong_audience_is_rejected(hs: JwtAccessTokenService, aud: object) -> None:
    rejected(hs, hs256(claims(aud=aud)))


@pytest.mark.parametrize(
    "sub",
    [
        42,
        [str(USER_ID)],
        {"id": str(USER_ID)},
        "alice",
        "",
        str(USER_ID).upper(),
        "{" + str(USER_ID) + "}",
        USER_ID.urn,
        USER_ID.hex,
    ],
)
def test_a_non_uuid_or_non_string_subject_is_rejected(
    hs: JwtAccessTokenService, sub: object
) -> None:
    rejected(hs, hs256(claims(sub=sub)))


@pytest.mark.parametrize("sid", [7, "session", "", SESSION_ID.hex, str(SESSION_ID).upper()])
def test_a_non_uuid_session_id_is_rejected(hs: JwtAccessTokenService, sid: object) -> None:
    rejected(hs, hs256(claims(sid=sid)))


@pytest.mark.parametrize("typ", ["refresh", "reset", "verify", "ACCESS", "", ["access"]])
def test_a_token_of_another_type_is_rejected(hs: JwtAccessTokenService, typ: object) -> None:
    rejected(hs, hs256(claims(typ=typ)))


@pytest.mark.parametrize("ver", ["0", 0.0, True, False, -1, [0]])
def test_a_non_integer_or_negative_version_is_rejected(
    hs: JwtAccessTokenService, ver: object
) -> None:
    rejected(hs, hs256(claims(ver=ver)))


@pytest.mark.parametrize("role", ["superuser", "ADMIN", 1, ["admin"], {"admin": True}])
def test_an_unknown_role_is_rejected(hs: JwtAccessTokenService, role: object) -> None:
    rejected(hs, hs256(claims(role=role)))


@pytest.mark.parametrize("jti", ["", 1, ["x"]])
def test_a_bad_jti_is_rejected(hs: JwtAccessTokenService, jti: object) -> None:
    rejected(hs, hs256(claims(jti=jti)))


# --- malformed tokens ----------------------------------------------------------------------------


def _two_segments() -> str:
    return f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims())}"


@pytest.mark.parametrize(
    "token",
    [
        "",
        " ",
        "garbage",
        "a.b",
        "a.b.c",
        "...",
        "a..c",
        "a.b.c.d",
        _two_segments(),
        _two_segments() + ".",
        "é.é.é",
        "\x00.\x00.\x00",
        "a" * 100_000,
        ("a" * 50_000) + "." + ("b" * 50_000) + ".c",
        f"{b64(b'{not json')}.{segment(claims())}.c2ln",
        f"{segment([1, 2])}.{segment(claims())}.c2ln",
        f"{b64(b'[' * 3000)}.{segment(claims())}.c2ln",
    ],
)
def test_garbage_is_rejected(hs: JwtAccessTokenService, token: str) -> None:
    rejected(hs, token)


def test_a_validly_maced_but_malformed_payload_is_rejected(hs: JwtAccessTokenService) -> None:
    head = segment({"alg": "HS256", "typ": "JWT"})
    for body in (b"[1]", b"not json", b"[" * 3000, b'"string"', b"\xff\xfe"):
        signing_input = f"{head}.{b64(body)}"
        mac = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
        rejected(hs, f"{signing_input}.{b64(mac)}")


@pytest.mark.parametrize("token", [None, 42, b"a.b.c", ["a", "b", "c"]])
def test_a_non_string_is_rejected(hs: JwtAccessTokenService, token: object) -> None:
    rejected(hs, token)


def test_a_validly_maced_token_over_the_size_cap_is_rejected(hs: JwtAccessTokenService) -> None:
    token = hs256(claims(pad="x" * MAX_TOKEN_LENGTH))
    assert len(token) > MAX_TOKEN_LENGTH
    rejected(hs, token)


@pytest.mark.parametrize("decorate", [" {}", "{} ", "Bearer {}", "{}\n", "{}.", ".{}"])
def test_a_good_token_with_anything_around_it_is_rejected(
    hs: JwtAccessTokenService, decorate: str
) -> None:
    rejected(hs, decorate.format(hs.issue(_user(), SESSION_ID).token))


def test_pyjwt_itself_accepts_a_signature_with_padding_appended(
    hs: JwtAccessTokenService,
) -> None:
    # PyJWT 2.15 tolerates "=" padding (for AWS ALB), so one token has several spellings; a
    # revocation keyed on the raw token string would miss them. This documents why the adapter
    # insists on unpadded compact JWS (next test); if PyJWT ever refuses, this fails as a notice.
    token = hs.issue(_user(), SESSION_ID).token
    payload = jwt.decode(
        token + "=",
        SECRET,
        algorithms=["HS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_iat": False},
    )
    assert payload["sub"] == str(USER_ID)


@pytest.mark.parametrize("suffix", ["=", "==", "==="])
def test_the_adapter_rejects_a_signature_with_padding_appended(
    hs: JwtAccessTokenService, suffix: str
) -> None:
    rejected(hs, hs.issue(_user(), SESSION_ID).token + suffix)


# --- construction and keys -----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["none", "HS512", "RS512", "ES256", "hs256", ""])
def test_only_the_supported_algorithms_can_be_configured(clock: FixedClock, algorithm: str) -> None:
    with pytest.raises(ValueError, match="Unsupported JWT algorithm"):
        _service(algorithm, SECRET, SECRET, clock)
    with pytest.raises(ValueError, match="Unsupported JWT algorithm"):
        load_signing_keys(algorithm, SECRET, None, None)


def test_hs256_needs_one_strong_secret(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="same secret"):
        _service("HS256", SECRET, SECRET + "x", clock)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        _service("HS256", "short", "short", clock)


def test_keys_must_suit_the_algorithm(
    clock: FixedClock, rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    with pytest.raises(ValueError, match="RS256 needs"):
        _service("RS256", ed_key, ed_key.public_key(), clock)
    with pytest.raises(ValueError, match="EdDSA needs"):
        _service("EdDSA", rsa_key, rsa_key.public_key(), clock)
    with pytest.raises(ValueError, match="RS256 needs"):
        _service("RS256", SECRET, SECRET, clock)
    with pytest.raises(ValueError, match="same secret"):
        _service("HS256", rsa_key, rsa_key.public_key(), clock)


def test_the_public_key_must_belong_to_the_private_key(
    clock: FixedClock, rsa_key: rsa.RSAPrivateKey, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        _service("RS256", rsa_key, attacker_rsa_key.public_key(), clock)


def test_short_rsa_keys_are_refused(clock: FixedClock) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - deliberately too short
    with pytest.raises(ValueError, match="at least 2048 bits"):
        _service("RS256", weak, weak.public_key(), clock)


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(seconds=-5), timedelta(seconds=0.5)])
def test_the_lifetime_must_be_positive(clock: FixedClock, lifetime: timedelta) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        JwtAccessTokenService(
            algorithm="HS256",
            signing_key=SECRET,
            verification_key=SECRET,
            issuer=ISSUER,
            audience=AUDIENCE,
            lifetime=lifetime,
            clock=clock,
        )


def test_load_signing_keys_for_hs256_uses_the_secret_twice() -> None:
    assert load_signing_keys("HS256", SECRET, None, None) == (SECRET.encode(), SECRET.encode())


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "secret",
        "changeme",
        "a" * 64,
        "changemechangemechangemechangeme",
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    ],
)
def test_load_signing_keys_refuses_missing_short_or_well_known_secrets(secret: str | None) -> None:
    with pytest.raises(ValueError, match="secret key"):
        load_signing_keys("HS256", secret, None, None)


def _pem_files(
    tmp_path: Path, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
) -> tuple[str, str]:
    private = tmp_path / "private.pem"
    public = tmp_path / "public.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(private), str(public)


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_load_signing_keys_reads_pem_files(
    tmp_path: Path,
    clock: FixedClock,
    rsa_key: rsa.RSAPrivateKey,
    ed_key: ed25519.Ed25519PrivateKey,
    algorithm: str,
) -> None:
    key = rsa_key if algorithm == "RS256" else ed_key
    private, public = _pem_files(tmp_path, key)
    for public_file in (public, None):  # without a public file it is derived from the private
        signing, verification = load_signing_keys(algorithm, None, private, public_file)
        service = _service(algorithm, signing, verification, clock)
        token = service.issue(_user(), SESSION_ID).token
        assert service.verify(token).user_id == USER_ID


def test_load_signing_keys_explains_file_problems(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey, attacker_rsa_key: rsa.RSAPrivateKey
) -> None:
    private, public = _pem_files(tmp_path, rsa_key)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    _, other_public = _pem_files(other_dir, attacker_rsa_key)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    cases = [
        ((None, None), "needs a private key file"),
        ((str(tmp_path / "missing.pem"), None), "Cannot read"),
        ((str(garbage), None), "not an unencrypted PEM"),
        ((str(encrypted), None), "not an unencrypted PEM"),
        ((public, None), "not an unencrypted PEM"),
        ((private, str(garbage)), "not an unencrypted PEM"),
        ((private, other_public), "does not belong"),
    ]
    for (private_file, public_file), message in cases:
        with pytest.raises(ValueError, match=message):
            load_signing_keys("RS256", None, private_file, public_file)
    with pytest.raises(ValueError, match="EdDSA needs"):
        load_signing_keys("EdDSA", None, private, None)


def test_a_verified_token_is_still_judged_by_the_clock_on_every_use(
    hs: JwtAccessTokenService, clock: FixedClock
) -> None:
    """Verified tokens are remembered; their expiry is not."""
    token = hs.issue(_user(), SESSION_ID).token
    assert hs.verify(token).user_id == USER_ID
    assert hs.verify(token).user_id == USER_ID
    clock.current = T0 + LIFETIME
    rejected(hs, token)
    clock.current = T0 - timedelta(seconds=1)  # a clock set back: issued "in the future"
    rejected(hs, token)


def test_a_token_that_failed_once_fails_again_and_its_valid_twin_still_passes(
    hs: JwtAccessTokenService,
) -> None:
    token = hs.issue(_user(), SESSION_ID).token
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    rejected(hs, tampered)
    rejected(hs, tampered)
    assert hs.verify(token).user_id == USER_ID
    rejected(hs, tampered)
