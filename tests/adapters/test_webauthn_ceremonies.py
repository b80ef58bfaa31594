"""PyWebAuthnCeremonies (py_webauthn) against a software authenticator, and where its relying
party comes from: the settings, never a request (SECURITY 69)."""

import os
from typing import Any

import pytest
from pydantic import ValidationError

from application.ports.passkeys import KnownCredential, NewCredential, PasskeyOwner, PasskeyRejected
from infrastructure.container import build_container
from infrastructure.security.webauthn_ceremonies import PyWebAuthnCeremonies, RelyingParty
from infrastructure.settings import Settings
from tests.support.authenticator import SoftAuthenticator, b64url, from_b64url

ORIGIN = "https://tessera.example"
RP = RelyingParty(id="tessera.example", name="Tessera", origin=ORIGIN)
OWNER = PasskeyOwner(handle=bytes(range(16)), name="alice", display_name="Alice Liddell")

ceremonies = PyWebAuthnCeremonies(RP)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN)


def registration(challenge: bytes, exclude: list[KnownCredential] | None = None) -> dict[str, Any]:
    return ceremonies.registration_options(OWNER, challenge, exclude or [])


def registered(authenticator: SoftAuthenticator) -> NewCredential:
    challenge = os.urandom(32)
    return ceremonies.verify_registration(authenticator.create(registration(challenge)), challenge)


def verify(
    assertion: dict[str, Any],
    challenge: bytes,
    new: NewCredential,
    *,
    sign_count: int = 0,
    require_user_verification: bool = True,
) -> int:
    return ceremonies.verify_authentication(
        assertion,
        challenge,
        public_key=new.public_key,
        sign_count=sign_count,
        require_user_verification=require_user_verification,
    )


# --- options ------------------------------------------------------------------------------


def test_registration_options_ask_for_a_discoverable_verified_credential_of_this_rp() -> None:
    challenge = os.urandom(32)
    known = KnownCredential(credential_id=b"\x01" * 20, transports=["usb", "made-up"])

    options = registration(challenge, [known])

    assert options["rp"] == {"id": "tessera.example", "name": "Tessera"}
    assert options["user"] == {
        "id": b64url(OWNER.handle),
        "name": "alice",
        "displayName": "Alice Liddell",
    }
    assert from_b64url(options["challenge"]) == challenge
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8, -257]
    assert options["authenticatorSelection"] == {
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "required",
    }
    assert options["attestation"] == "none"
    assert options["timeout"] == 300_000  # the challenge's five minutes
    assert options["excludeCredentials"] == [
        {"id": b64url(b"\x01" * 20), "type": "public-key", "transports": ["usb"]}
    ]


def test_authentication_options_name_no_credential_and_require_user_verification() -> None:
    challenge = os.urandom(32)

    options = ceremonies.authentication_options(challenge)

    assert options == {
        "challenge": b64url(challenge),
        "timeout": 300_000,
        "rpId": "tessera.example",
        "allowCredentials": [],
        "userVerification": "required",
    }


# --- registration -------------------------------------------------------------------------


def test_a_registration_gives_the_key_the_counter_and_the_reported_transports(
    authenticator: SoftAuthenticator,
) -> None:
    challenge = os.urandom(32)
    credential = authenticator.create(registration(challenge))

    claims = ceremonies.claims_of(credential)
    new = ceremonies.verify_registration(credential, challenge)

    assert claims.challenge == challenge
    assert claims.credential_id == new.credential_id
    (soft,) = authenticator.credentials.values()
    assert new.credential_id == soft.credential_id
    assert new.public_key == soft.cose_public_key()
    assert (new.sign_count, new.transports) == (0, ("hybrid", "internal"))


@pytest.mark.parametrize(
    "tampering",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://tessera.example"},  # the same host without TLS
        {"origin": "https://tessera.example:8443"},
        {"rp_id": "evil.example"},
        {"rp_id": "example"},
        {"user_verified": False},
        {"challenge": b64url(os.urandom(32))},
        {"cross_origin": True},
    ],
    ids=lambda t: next(iter(t)),
)
def test_a_registration_is_refused_when_anything_differs(
    authenticator: SoftAuthenticator, tampering: dict[str, Any]
) -> None:
    challenge = os.urandom(32)
    credential = authenticator.create(registration(challenge), **tampering)

    with pytest.raises(PasskeyRejected):
        ceremonies.verify_registration(credential, challenge)


@pytest.mark.parametrize(
    "junk",
    [
        {},
        {"response": "x"},
        {"rawId": "!!", "response": {"clientDataJSON": "e30"}},
        {"rawId": "AAAA", "response": {"clientDataJSON": b64url(b"not json")}},
        {"rawId": "", "response": {"clientDataJSON": b64url(b'{"type":"x"}')}},
        {"rawId": b64url(bytes(1024)), "response": {"clientDataJSON": "e30"}},
    ],
)
def test_junk_is_refused_never_an_error(junk: dict[str, Any]) -> None:
    with pytest.raises(PasskeyRejected):
        ceremonies.claims_of(junk)
    with pytest.raises(PasskeyRejected):
        ceremonies.verify_registration(junk, os.urandom(32))
    with pytest.raises(PasskeyRejected):
        ceremonies.verify_authentication(
            junk, os.urandom(32), public_key=b"", sign_count=0, require_user_verification=True
        )


# --- sign-in ------------------------------------------------------------------------------


def test_an_assertion_gives_its_counter_and_its_user_handle(
    authenticator: SoftAuthenticator,
) -> None:
    new = registered(authenticator)
    challenge = os.urandom(32)
    assertion = authenticator.get(ceremonies.authentication_options(challenge))

    claims = ceremonies.claims_of(assertion)

    assert (claims.challenge, claims.credential_id) == (challenge, new.credential_id)
    assert claims.user_handle == OWNER.handle
    assert verify(assertion, challenge, new) == 1


@pytest.mark.parametrize(
    "tampering",
    [
        {"origin": "https://evil.example"},
        {"origin": "https://login.tessera.example"},  # a sibling host is another origin
        {"rp_id": "evil.example"},
        {"challenge": b64url(os.urandom(32))},
        {"cross_origin": True},
    ],
    ids=lambda t: next(iter(t)),
)
def test_an_assertion_is_refused_when_anything_differs(
    authenticator: SoftAuthenticator, tampering: dict[str, Any]
) -> None:
    new = registered(authenticator)
    challenge = os.urandom(32)
    assertion = authenticator.get(ceremonies.authentication_options(challenge), **tampering)

    with pytest.raises(PasskeyRejected):
        verify(assertion, challenge, new)


def test_user_verification_is_required_only_where_asked(authenticator: SoftAuthenticator) -> None:
    new = registered(authenticator)
    challenge = os.urandom(32)
    assertion = authenticator.get(ceremonies.authentication_options(challenge), user_verified=False)

    with pytest.raises(PasskeyRejected, match="verif"):
        verify(assertion, challenge, new)
    assert verify(assertion, challenge, new, require_user_verification=False) == 1


def test_another_key_signature_is_refused(authenticator: SoftAuthenticator) -> None:
    new = registered(authenticator)
    other = registered(SoftAuthenticator(ORIGIN))
    challenge = os.urandom(32)
    assertion = authenticator.get(ceremonies.authentication_options(challenge))

    with pytest.raises(PasskeyRejected, match="signature"):
        verify(assertion, challenge, other)
    assert verify(assertion, challenge, new) == 1


def test_a_counter_that_does_not_move_forward_is_refused(authenticator: SoftAuthenticator) -> None:
    new = registered(authenticator)
    challenge = os.urandom(32)
    options = ceremonies.authentication_options(challenge)

    with pytest.raises(PasskeyRejected, match="sign count"):
        verify(authenticator.get(options, sign_count=7), challenge, new, sign_count=7)
    with pytest.raises(PasskeyRejected, match="sign count"):
        verify(authenticator.get(options, sign_count=3), challenge, new, sign_count=7)
    assert verify(authenticator.get(options, sign_count=8), challenge, new, sign_count=7) == 8


def test_an_authenticator_without_a_counter_says_zero_every_time() -> None:
    authenticator = SoftAuthenticator(ORIGIN, counts_signatures=False)
    new = registered(authenticator)
    challenge = os.urandom(32)
    options = ceremonies.authentication_options(challenge)

    assert verify(authenticator.get(options), challenge, new) == 0
    assert verify(authenticator.get(options), challenge, new) == 0


# --- the relying party comes from the settings --------------------------------------------


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, environment="test", **values)


@pytest.mark.parametrize(
    ("public_base_url", "rp_id", "origin"),
    [
        ("http://localhost:8000", "localhost", "http://localhost:8000"),
        ("https://Tessera.Example/", "tessera.example", "https://tessera.example"),
        ("https://tessera.example:443/app", "tessera.example", "https://tessera.example"),
        ("https://tessera.example:8443", "tessera.example", "https://tessera.example:8443"),
        ("http://[::1]:8000", "::1", "http://[::1]:8000"),
    ],
)
def test_by_default_the_rp_id_is_the_host_and_the_origin_that_of_public_base_url(
    public_base_url: str, rp_id: str, origin: str
) -> None:
    configured = settings(public_base_url=public_base_url)

    assert (configured.webauthn_relying_party_id, configured.webauthn_origin) == (rp_id, origin)
    assert configured.webauthn_rp_name == "Tessera"


def test_the_webauthn_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://auth.tessera.example")
    monkeypatch.setenv("WEBAUTHN_RP_ID", "Tessera.Example")
    monkeypatch.setenv("WEBAUTHN_RP_NAME", "Tessera at Example")

    configured = Settings(_env_file=None)

    assert configured.webauthn_relying_party_id == "tessera.example"
    assert configured.webauthn_rp_name == "Tessera at Example"
    assert configured.webauthn_origin == "https://auth.tessera.example"


@pytest.mark.parametrize("rp_id", ["other.example", "example.tessera", "ssera.example"])
def test_an_rp_id_the_origin_does_not_belong_to_stops_the_start(rp_id: str) -> None:
    with pytest.raises(ValidationError, match="WEBAUTHN_RP_ID"):
        settings(public_base_url="https://tessera.example", webauthn_rp_id=rp_id)


def test_the_container_builds_the_ceremonies_from_the_settings(
    authenticator: SoftAuthenticator,
) -> None:
    container = build_container(
        settings(public_base_url="https://tessera.example", webauthn_rp_name="Team Tessera")
    )
    built = container.passkey_ceremonies()
    challenge = os.urandom(32)

    options = built.registration_options(OWNER, challenge, [])

    assert options["rp"] == {"id": "tessera.example", "name": "Team Tessera"}
    assert built.verify_registration(authenticator.create(options), challenge).sign_count == 0
