"""ZxcvbnPasswordPolicy: length in code points, no all-digit, personal or common passwords, no crash."""

import pytest
from zxcvbn import zxcvbn

from application.errors import PasswordPolicyViolation
from domain.passwords import PASSWORD_MAX_LENGTH
from infrastructure.security.password_policy import ZxcvbnPasswordPolicy

CONTEXT = ["alice_w", "bob.smith"]
"""A username and an email's local part, as application.passwords passes them."""

PASSPHRASE_128 = (
    "marble orchard quietly folds seven paper cranes beneath a violet lantern while distant "
    "trains hum old songs to sleepy harbor owl"
)


@pytest.fixture
def policy() -> ZxcvbnPasswordPolicy:
    return ZxcvbnPasswordPolicy()


def _words(length: int) -> str:
    """A passphrase of exactly `length` characters cut from PASSPHRASE_128."""
    return PASSPHRASE_128[:length]


def test_the_128_character_fixture_is_exactly_128() -> None:
    assert len(PASSPHRASE_128) == PASSWORD_MAX_LENGTH == 128


def test_seven_characters_is_too_short(policy: ZxcvbnPasswordPolicy) -> None:
    with pytest.raises(PasswordPolicyViolation, match="at least 8 characters"):
        policy.check("kX9#mQ2", context_words=CONTEXT)


def test_a_strong_eight_character_password_is_accepted(policy: ZxcvbnPasswordPolicy) -> None:
    policy.check("kX9#mQ2v", context_words=CONTEXT)


@pytest.mark.parametrize("length", [64, 100, 128])
def test_long_passphrases_are_accepted(policy: ZxcvbnPasswordPolicy, length: int) -> None:
    # Over 72 characters zxcvbn itself raises; the policy must score a prefix instead.
    policy.check(_words(length), context_words=CONTEXT)


def test_zxcvbn_really_refuses_long_input() -> None:
    # Why the policy scores a prefix: if this ever stops raising, the prefix could be dropped.
    with pytest.raises(ValueError, match="max length"):
        zxcvbn(_words(100))


def test_129_characters_is_too_long(policy: ZxcvbnPasswordPolicy) -> None:
    with pytest.raises(PasswordPolicyViolation, match="at most 128 characters"):
        policy.check(PASSPHRASE_128 + "s", context_words=CONTEXT)


@pytest.mark.parametrize("password", ["x" * 200, "é" * 200, "kX9#mQ2v" * 25, "1" * 10_000])
def test_a_very_long_password_is_only_ever_a_policy_violation(
    policy: ZxcvbnPasswordPolicy, password: str
) -> None:
    with pytest.raises(PasswordPolicyViolation, match="at most 128 characters"):
        policy.check(password, context_words=CONTEXT)


def test_length_counts_code_points_not_bytes(policy: ZxcvbnPasswordPolicy) -> None:
    # 8 code points, 24 UTF-8 bytes: long enough; 7 code points (21 bytes): too short.
    policy.check("雪山湖风月星海云", context_words=CONTEXT)
    with pytest.raises(PasswordPolicyViolation, match="at least 8"):
        policy.check("雪山湖风月星海", context_words=CONTEXT)


@pytest.mark.parametrize("password", ["12345678", "84736291058273", "٣٤٥٦٧٨٩٠١٢"])
def test_all_digits_is_rejected(policy: ZxcvbnPasswordPolicy, password: str) -> None:
    with pytest.raises(PasswordPolicyViolation, match="digits only"):
        policy.check(password, context_words=CONTEXT)


@pytest.mark.parametrize(
    "password", ["password1", "qwertyuiop", "iloveyou", "Password123", "P@ssw0rd!", "a" * 100]
)
def test_common_or_guessable_passwords_are_rejected(
    policy: ZxcvbnPasswordPolicy, password: str
) -> None:
    with pytest.raises(PasswordPolicyViolation, match="too common or easy to guess"):
        policy.check(password, context_words=CONTEXT)


@pytest.mark.parametrize(
    "password",
    [
        "alice_w-zebra-quilt",
        "zebra-ALICE_W-quilt",
        "quilt-Alice_W",
        "Bob.Smith-hiking-2024!",
        "hikingBOB.SMITHzebra",
    ],
)
def test_containing_the_username_or_email_local_part_is_rejected(
    policy: ZxcvbnPasswordPolicy, password: str
) -> None:
    with pytest.raises(PasswordPolicyViolation, match="username or the name part of your email"):
        policy.check(password, context_words=CONTEXT)


def test_the_same_password_is_fine_for_someone_else(policy: ZxcvbnPasswordPolicy) -> None:
    policy.check("zebra-ALICE_W-quilt", context_words=["carol", "carol.jones"])


def test_context_words_shorter_than_three_are_ignored(policy: ZxcvbnPasswordPolicy) -> None:
    policy.check("jolly-ravens-mirror", context_words=["jo", "ly"])


def test_context_words_also_feed_the_strength_estimate(policy: ZxcvbnPasswordPolicy) -> None:
    # The username reversed is not contained, but zxcvbn, told about it, sees through it.
    policy.check("tsinobmort99", context_words=["carol", "carol.jones"])
    with pytest.raises(PasswordPolicyViolation, match="too common"):
        policy.check("tsinobmort99", context_words=["trombonist", "carol.jones"])


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "verylongpassphrasewithoutanydigitsorsymbols",
        "ZEBRAQUILTORCHARD",
    ],
)
def test_no_composition_rules(policy: ZxcvbnPasswordPolicy, password: str) -> None:
    policy.check(password, context_words=CONTEXT)


def test_min_length_is_configurable() -> None:
    policy = ZxcvbnPasswordPolicy(min_length=12)
    policy.check("zebra-quilt-92", context_words=CONTEXT)
    with pytest.raises(PasswordPolicyViolation, match="at least 12 characters"):
        policy.check("zebra-quilt", context_words=CONTEXT)


def test_min_strength_is_configurable() -> None:
    ZxcvbnPasswordPolicy(min_strength=1).check("Password123", context_words=CONTEXT)
    with pytest.raises(PasswordPolicyViolation, match="too common"):
        ZxcvbnPasswordPolicy(min_strength=3).check("kX9#mQ2v", context_words=CONTEXT)


@pytest.mark.parametrize(("min_length", "min_strength"), [(0, 2), (129, 2), (8, -1), (8, 5)])
def test_nonsense_configuration_is_refused(min_length: int, min_strength: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        ZxcvbnPasswordPolicy(min_length=min_length, min_strength=min_strength)


def test_the_violation_names_the_password_field(policy: ZxcvbnPasswordPolicy) -> None:
    with pytest.raises(PasswordPolicyViolation) as caught:
        policy.check("short", context_words=CONTEXT)
    assert caught.value.field == "password"
    assert caught.value.code == "password_policy"
