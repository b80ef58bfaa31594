"""PyotpTotp against RFC 6238's test vectors and pyotp's own codes."""

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from infrastructure.security.totp import PyotpTotp

# RFC 6238, Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". Its codes are
# 8 digits; a 6-digit code is the same truncated value modulo 10^6, so its last six digits.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
STEP = timedelta(seconds=30)

totp = PyotpTotp()


def at(unix_time: int) -> datetime:
    return datetime.fromtimestamp(unix_time, UTC)


@pytest.mark.parametrize(("unix_time", "eight_digits"), RFC_VECTORS)
def test_rfc_6238_sha1_vectors_match_their_time_step(unix_time: int, eight_digits: str) -> None:
    code = eight_digits[-6:]
    assert totp.matching_step(RFC_SECRET, code, at(unix_time)) == unix_time // 30


@pytest.mark.parametrize(("unix_time", "eight_digits"), RFC_VECTORS)
def test_one_step_of_drift_either_way_and_no_more(unix_time: int, eight_digits: str) -> None:
    code, step = eight_digits[-6:], unix_time // 30
    moment = at(unix_time)
    assert totp.matching_step(RFC_SECRET, code, moment - STEP) == step
    assert totp.matching_step(RFC_SECRET, code, moment + STEP) == step
    assert totp.matching_step(RFC_SECRET, code, moment - 2 * STEP) is None
    assert totp.matching_step(RFC_SECRET, code, moment + 2 * STEP) is None


def test_the_codes_are_pyotps_at_any_time() -> None:
    secret = totp.new_secret()
    reference = pyotp.TOTP(secret)
    for moment in (at(1_700_000_000), at(1_800_000_015), datetime.now(UTC)):
        code = reference.at(moment)
        assert totp.matching_step(secret, code, moment) == reference.timecode(moment)


@pytest.mark.parametrize(
    "code", ["", "28708", "2870822", "abcdef", "28708a", "287082\n", "٢٨٧٠٨٢", "-287082"]
)
def test_anything_but_six_digits_matches_nothing(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, at(59)) is None


def test_spaces_between_digits_are_allowed() -> None:
    assert totp.matching_step(RFC_SECRET, "287 082", at(59)) == 1


def test_a_time_before_the_epoch_matches_nothing() -> None:
    assert totp.matching_step(RFC_SECRET, "287082", datetime(1960, 1, 1, tzinfo=UTC)) is None


def test_new_secrets_are_160_random_bits_in_base32() -> None:
    secrets = {totp.new_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20


def test_the_provisioning_uri_names_the_issuer_account_and_parameters() -> None:
    uri = totp.provisioning_uri(RFC_SECRET, account="alice", issuer="Tessera")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc, parsed.path) == ("otpauth", "totp", "/Tessera:alice")
    query = parse_qs(parsed.query)
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["Tessera"]
    # Defaults every app assumes, whether or not the URI spells them out.
    assert query.get("digits", ["6"]) == ["6"]
    assert query.get("period", ["30"]) == ["30"]
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
