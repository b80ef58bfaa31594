"""A second factor: TOTP with recovery codes, the second step of a login, and its reset.

A FakeClock decides which codes are current (FakeTotp derives each step's code from the secret),
so steps, drift, replays and expiry are exact here.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from dependency_injector import providers

from application.errors import (
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidMfaCode,
    InvalidMfaToken,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaRequired,
    NoPendingSetup,
    RefusedMfaCode,
    TooManyAttempts,
)
from application.ports.audit import AuditEventType
from application.secret_tokens import hash_secret_token
from application.services.authorization import OPERATOR, AdminGate
from application.services.second_factor import (
    RECOVERY_CODE_ALPHABET,
    SecondFactors,
    hash_recovery_code,
    new_recovery_code,
    normalize_recovery_code,
)
from application.services.session_tokens import BrowserSignIn, IssuedTokens
from application.use_cases.account.change_password import ChangePasswordCommand
from application.use_cases.admin.list_all_users import ListAllUsersQuery
from application.use_cases.auth.login import LoginCommand
from application.use_cases.mfa.confirm_totp import ConfirmTotpCommand
from application.use_cases.mfa.disable_totp import DisableTotpCommand
from application.use_cases.mfa.regenerate_recovery_codes import RegenerateRecoveryCodesCommand
from application.use_cases.mfa.reset_mfa import ResetMfaCommand
from application.use_cases.mfa.set_up_totp import SetUpTotpCommand, TotpSetup
from application.use_cases.mfa.verify_mfa import VerifyMfaCommand
from domain.errors import AdminRequired, MfaEnrollmentRequired, UserNotFound
from domain.mfa import MFA_TOKEN_LIFETIME
from domain.users import User
from infrastructure.security.secret_box import AesGcmSecretBox
from tests.unit.builders import create_admin, log_in, register, stored
from tests.unit.conftest import STRONG_PASSWORD, World
from tests.unit.fakes import FakeClock, FakeTotp

STEP = timedelta(seconds=30)
RECOVERY_CODE_FORMAT = re.compile(
    r"[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}"
)


@dataclass
class Enabled:
    """An account whose TOTP was just turned on: its secret and its recovery codes."""

    user: User
    secret: str
    recovery_codes: list[str]


def set_up(world: World, user: User, password: str = STRONG_PASSWORD) -> TotpSetup:
    return world.container.set_up_totp().execute(
        SetUpTotpCommand(user_id=user.id, password=password)
    )


def current_code(world: World, secret: str) -> str:
    return world.totp.code_at(secret, world.clock.now())


def next_code(world: World, secret: str) -> str:
    """The code of the next time step, as the authenticator shows it 30 seconds later."""
    world.clock.advance(STEP)
    return current_code(world, secret)


def confirm(
    world: World, user: User, code: str, keep_session: uuid.UUID | None = None
) -> list[str]:
    return world.container.confirm_totp().execute(
        ConfirmTotpCommand(user_id=user.id, code=code, keep_session=keep_session)
    )


def enable(world: World, user: User) -> Enabled:
    secret = set_up(world, user).secret
    codes = confirm(world, user, current_code(world, secret))
    return Enabled(user=stored(world, user), secret=secret, recovery_codes=codes)


def second_step(world: World, login: str = "alice") -> MfaRequired:
    with pytest.raises(MfaRequired) as required:
        log_in(world, login)
    return required.value


def verify(world: World, mfa_token: str, code: str) -> IssuedTokens:
    return world.container.verify_mfa().execute(VerifyMfaCommand(mfa_token=mfa_token, code=code))


def audit_events(world: World, event_type: AuditEventType) -> list[dict[str, object]]:
    return [
        {"user_id": event.user_id, "actor_id": event.actor_id, **event.details}
        for event in world.security_log.events
        if event.event_type is event_type
    ]


@pytest.fixture
def alice(world: World) -> User:
    return register(world, "alice")


class TestRecoveryCodes:
    def test_a_code_has_sixty_random_bits_in_an_unambiguous_alphabet(self) -> None:
        assert len(RECOVERY_CODE_ALPHABET) == 32  # 5 bits per character, 12 characters
        codes = {new_recovery_code() for _ in range(200)}
        assert len(codes) == 200
        assert all(RECOVERY_CODE_FORMAT.fullmatch(code) for code in codes)

    def test_case_dashes_spaces_and_misread_letters_do_not_matter(self) -> None:
        assert normalize_recovery_code(" AB0C-1DEF-GH2J ") == "ab0c1defgh2j"
        assert normalize_recovery_code("abOc-IdeL-gh2j") == "ab0c1de1gh2j"
        assert hash_recovery_code("ab0c-1def-gh2j") == hash_recovery_code("AB0C 1DEF GH2J")
        assert hash_recovery_code("ab0c-1def-gh2j") != hash_recovery_code("ab0c-1def-gh2k")


class TestSetUpTotp:
    def test_gives_a_secret_and_its_otpauth_uri_and_keeps_only_a_sealed_secret(
        self, world: World, alice: User
    ) -> None:
        setup = set_up(world, alice)

        assert setup.secret
        assert setup.otpauth_uri.startswith("otpauth://totp/Tessera:alice?")
        assert f"secret={setup.secret}" in setup.otpauth_uri
        with world.uow() as uow:
            factor = uow.totp_factors.get(alice.id)
        assert factor is not None
        assert not factor.is_confirmed
        assert setup.secret not in factor.sealed_secret
        assert not stored(world, alice).mfa_enabled

    def test_a_wrong_password_is_refused_and_counted(self, world: World, alice: User) -> None:
        with pytest.raises(InvalidCurrentPassword):
            set_up(world, alice, password="not my password")
        with world.uow() as uow:
            assert uow.totp_factors.get(alice.id) is None
        assert sum(world.limiter.hits.values()) == 1

    def test_a_pending_setup_changes_nothing_for_logins(self, world: World, alice: User) -> None:
        set_up(world, alice)
        assert log_in(world).user.id == alice.id

    def test_a_new_setup_replaces_the_pending_one(self, world: World, alice: User) -> None:
        first, second = set_up(world, alice), set_up(world, alice)
        assert first.secret != second.secret

        with pytest.raises(InvalidMfaCode):
            confirm(world, alice, current_code(world, first.secret))
        assert len(confirm(world, alice, current_code(world, second.secret))) == 10

    def test_refused_while_a_second_factor_is_on(self, world: World, alice: User) -> None:
        enable(world, alice)
        with pytest.raises(MfaAlreadyEnabled):
            set_up(world, alice)


class TestConfirmTotp:
    def test_turns_mfa_on_with_ten_single_use_recovery_codes(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)

        assert enabled.user.mfa_enabled
        assert len(set(enabled.recovery_codes)) == 10
        assert all(RECOVERY_CODE_FORMAT.fullmatch(code) for code in enabled.recovery_codes)
        with world.uow() as uow:
            assert uow.recovery_codes.count_unused(alice.id) == 10
            # Only hashes are kept.
            for code in enabled.recovery_codes:
                assert uow.recovery_codes.use(alice.id, code, world.clock.now()) is False
        assert audit_events(world, AuditEventType.MFA_ENABLED) == [
            {"user_id": alice.id, "actor_id": alice.id, "method": "totp"}
        ]
        assert world.emails.sent[-1].to == "alice@example.com"
        assert "Two-step sign-in is on" in world.emails.sent[-1].subject

    def test_revokes_every_other_session_and_keeps_the_callers(
        self, world: World, alice: User
    ) -> None:
        own, other = log_in(world), log_in(world)
        secret = set_up(world, alice).secret

        confirm(world, alice, current_code(world, secret), keep_session=own.session.id)

        live = world.container.list_sessions().execute(stored(world, alice))
        assert [session.id for session in live] == [own.session.id]
        assert other.session.id not in {session.id for session in live}

    def test_without_a_pending_setup_there_is_nothing_to_confirm(
        self, world: World, alice: User
    ) -> None:
        with pytest.raises(NoPendingSetup):
            confirm(world, alice, "123456")
        enabled = enable(world, alice)
        with pytest.raises(NoPendingSetup):
            confirm(world, alice, next_code(world, enabled.secret))

    @pytest.mark.parametrize("code", ["000000", "", "abcdef", "1234567"])
    def test_a_wrong_code_changes_nothing(self, world: World, alice: User, code: str) -> None:
        set_up(world, alice)
        with pytest.raises(InvalidMfaCode) as refused:
            confirm(world, alice, code)
        assert refused.value.code == "invalid_mfa_code"
        assert not stored(world, alice).mfa_enabled
        assert audit_events(world, AuditEventType.MFA_ENABLED) == []

    def test_one_step_of_drift_either_way_and_no_more(self, world: World, alice: User) -> None:
        secret = set_up(world, alice).secret
        now = world.totp.step_at(world.clock.now())
        for too_far in (now - 2, now + 2):
            with pytest.raises(InvalidMfaCode):
                confirm(world, alice, world.totp.code(secret, too_far))
        assert confirm(world, alice, world.totp.code(secret, now - 1))

    def test_the_confirming_code_is_spent_even_at_login(self, world: World, alice: User) -> None:
        secret = set_up(world, alice).secret
        code = current_code(world, secret)
        confirm(world, alice, code)

        with pytest.raises(RefusedMfaCode):
            verify(world, second_step(world).mfa_token, code)
        # The following step's code is accepted: only what was used is refused.
        assert verify(world, second_step(world).mfa_token, next_code(world, secret))


class TestPasswordLoginWithASecondFactor:
    def test_a_correct_password_starts_no_session_but_a_second_step(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)

        required = second_step(world)

        assert required.code == "mfa_required"
        assert required.methods == ["totp", "recovery_code"]
        assert len(required.mfa_token) >= 43  # 256 bits
        assert world.container.list_sessions().execute(alice) == []
        with world.uow() as uow:
            token = uow.mfa_tokens.find(hash_secret_token(required.mfa_token))
            assert uow.mfa_tokens.find(required.mfa_token) is None  # stored as a hash only
        assert token is not None
        assert token.user_id == alice.id
        assert token.expires_at == world.clock.now() + MFA_TOKEN_LIFETIME
        assert "login_succeeded" not in world.security_log.types()

    def test_the_browser_login_asks_for_it_too(self, world: World, alice: User) -> None:
        enable(world, alice)
        with pytest.raises(MfaRequired):
            world.container.browser_login().execute(LoginCommand("alice", STRONG_PASSWORD))

    def test_a_wrong_password_fails_as_without_a_second_factor(
        self, world: World, alice: User
    ) -> None:
        register(world, "bob")
        enable(world, alice)
        with pytest.raises(InvalidCredentials) as with_mfa:
            log_in(world, "alice", "a wrong password")
        with pytest.raises(InvalidCredentials) as without_mfa:
            log_in(world, "bob", "a wrong password")
        assert (with_mfa.value.code, str(with_mfa.value)) == (
            without_mfa.value.code,
            str(without_mfa.value),
        )

    def test_recovery_codes_are_no_longer_offered_once_all_are_used(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        for code in enabled.recovery_codes:
            verify(world, second_step(world).mfa_token, code)
        assert second_step(world).methods == ["totp"]

    def test_a_correct_password_does_not_clear_the_failures_of_the_second_factor(
        self, world: World, alice: User
    ) -> None:
        """Else a stolen password would buy unlimited guesses of the code, four at a time."""
        enable(world, alice)
        with pytest.raises(TooManyAttempts):  # noqa: PT012 - the lock comes somewhere in the loop
            for _ in range(10):
                token = second_step(world).mfa_token
                with pytest.raises(RefusedMfaCode):
                    verify(world, token, "000000")
        assert "login_throttled" in world.security_log.types()


class TestVerifyMfa:
    def test_a_current_code_completes_the_login(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)

        issued = verify(world, second_step(world).mfa_token, next_code(world, enabled.secret))

        assert issued.user.id == alice.id
        assert issued.refresh_token
        live = world.container.list_sessions().execute(alice)
        assert [session.id for session in live] == [issued.session.id]
        assert audit_events(world, AuditEventType.LOGIN_SUCCEEDED)[-1] == {
            "user_id": alice.id,
            "actor_id": alice.id,
            "session_id": str(issued.session.id),
            "second_factor": "totp",
        }

    def test_the_browser_variant_starts_a_cookie_session(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        required = second_step(world)

        signed_in = world.container.verify_mfa_in_browser().execute(
            VerifyMfaCommand(mfa_token=required.mfa_token, code=next_code(world, enabled.secret))
        )

        assert isinstance(signed_in, BrowserSignIn)
        visit = world.container.authenticate_browser_session().execute(signed_in.key)
        assert (visit.user.id, visit.session.id) == (alice.id, signed_in.session.id)

    def test_the_token_is_single_use(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token
        verify(world, token, next_code(world, enabled.secret))

        with pytest.raises(InvalidMfaToken):
            verify(world, token, next_code(world, enabled.secret))

    def test_a_code_is_accepted_once(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        code = next_code(world, enabled.secret)
        verify(world, second_step(world).mfa_token, code)

        with pytest.raises(RefusedMfaCode) as replayed:
            verify(world, second_step(world).mfa_token, code)
        assert replayed.value.code == "invalid_mfa_code"

    def test_an_older_step_than_the_last_used_one_is_refused(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        world.clock.advance(STEP)
        step = world.totp.step_at(world.clock.now())
        verify(world, second_step(world).mfa_token, world.totp.code(enabled.secret, step + 1))

        with pytest.raises(RefusedMfaCode):
            verify(world, second_step(world).mfa_token, world.totp.code(enabled.secret, step))

    def test_a_wrong_code_leaves_the_token_usable_and_is_audited(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token

        with pytest.raises(RefusedMfaCode):
            verify(world, token, "000000")

        assert audit_events(world, AuditEventType.MFA_FAILED) == [
            {"user_id": alice.id, "actor_id": alice.id, "while": "login"}
        ]
        assert verify(world, token, next_code(world, enabled.secret)).user.id == alice.id

    def test_the_token_expires_after_five_minutes(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token
        world.clock.advance(MFA_TOKEN_LIFETIME)

        with pytest.raises(InvalidMfaToken):
            verify(world, token, current_code(world, enabled.secret))

    @pytest.mark.parametrize("token", ["", "unknown", "x" * 43])
    def test_an_unknown_token_is_refused(self, world: World, alice: User, token: str) -> None:
        enabled = enable(world, alice)
        with pytest.raises(InvalidMfaToken) as refused:
            verify(world, token, next_code(world, enabled.secret))
        assert refused.value.code == "invalid_mfa_token"

    def test_a_token_of_another_kind_is_refused(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        register(world, "bob")
        refresh_token = log_in(world, "bob").refresh_token
        with pytest.raises(InvalidMfaToken):
            verify(world, refresh_token, next_code(world, enabled.secret))

    def test_a_token_is_bound_to_its_user(self, world: World, alice: User) -> None:
        """Alice's token with Bob's code: the code is checked against Alice's factor, and fails."""
        enable(world, alice)
        bob = enable(world, register(world, "bob"))
        alices_token = second_step(world, "alice").mfa_token

        with pytest.raises(RefusedMfaCode):
            verify(world, alices_token, next_code(world, bob.secret))
        with pytest.raises(RefusedMfaCode):
            verify(world, alices_token, bob.recovery_codes[0])

    def test_a_newer_login_leaves_the_older_token_to_expire_on_its_own(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        older, newer = second_step(world).mfa_token, second_step(world).mfa_token
        assert verify(world, older, next_code(world, enabled.secret))
        assert verify(world, newer, next_code(world, enabled.secret))

    def test_a_password_change_in_between_voids_the_token(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token
        world.container.change_password().execute(
            ChangePasswordCommand(
                user_id=alice.id,
                current_password=STRONG_PASSWORD,
                new_password="a different long passphrase",
            )
        )
        with pytest.raises(InvalidMfaToken):
            verify(world, token, next_code(world, enabled.secret))

    def test_a_recovery_code_works_once_and_tells_the_user(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        code = enabled.recovery_codes[3]

        issued = verify(world, second_step(world).mfa_token, code.upper().replace("-", " "))

        assert issued.user.id == alice.id
        assert audit_events(world, AuditEventType.RECOVERY_CODE_USED) == [
            {"user_id": alice.id, "actor_id": alice.id, "remaining": 9}
        ]
        assert "9 are left" in world.emails.sent[-1].body
        with pytest.raises(RefusedMfaCode):
            verify(world, second_step(world).mfa_token, code)

    def test_wrong_codes_count_toward_the_account_throttle(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token  # the password counts as one attempt until then
        for _ in range(world.container.settings().login_max_failures - 1):
            with pytest.raises(RefusedMfaCode):
                verify(world, token, "000000")

        with pytest.raises(TooManyAttempts):
            verify(world, token, next_code(world, enabled.secret))
        with pytest.raises(TooManyAttempts):
            log_in(world)

    def test_a_success_clears_the_account_failures(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        token = second_step(world).mfa_token
        for _ in range(3):
            with pytest.raises(RefusedMfaCode):
                verify(world, token, "000000")
        verify(world, token, next_code(world, enabled.secret))
        assert all(count == 0 for key, count in world.limiter.hits.items() if "user:" in key[1])


class TestDisableTotp:
    def disable(self, world: World, user: User, code: str, password: str = STRONG_PASSWORD) -> None:
        world.container.disable_totp().execute(
            DisableTotpCommand(user_id=user.id, password=password, code=code)
        )

    def test_with_the_password_and_a_code_the_password_alone_signs_in_again(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        self.disable(world, alice, next_code(world, enabled.secret))

        assert not stored(world, alice).mfa_enabled
        with world.uow() as uow:
            assert uow.totp_factors.get(alice.id) is None
            assert uow.recovery_codes.count_unused(alice.id) == 0
        assert log_in(world).user.id == alice.id
        assert audit_events(world, AuditEventType.MFA_DISABLED) == [
            {"user_id": alice.id, "actor_id": alice.id, "method": "totp", "confirmed_with": "totp"}
        ]
        assert "Two-step sign-in is off" in world.emails.sent[-1].subject

    def test_a_recovery_code_will_do(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        self.disable(world, alice, enabled.recovery_codes[0])
        assert not stored(world, alice).mfa_enabled

    def test_a_wrong_password_or_code_changes_nothing(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)
        with pytest.raises(InvalidCurrentPassword):
            self.disable(world, alice, next_code(world, enabled.secret), password="wrong one!")
        with pytest.raises(InvalidMfaCode) as refused:
            self.disable(world, alice, "000000")
        assert not isinstance(refused.value, RefusedMfaCode)  # a 400, not the login's 401
        assert stored(world, alice).mfa_enabled
        assert audit_events(world, AuditEventType.MFA_FAILED)[-1]["while"] == "disable_totp"

    def test_wrong_codes_are_throttled_even_with_the_right_password(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        with pytest.raises(TooManyAttempts):  # noqa: PT012 - the lock comes somewhere in the loop
            for _ in range(10):
                with pytest.raises(InvalidMfaCode):
                    self.disable(world, alice, "000000")

    def test_without_a_second_factor_there_is_nothing_to_disable(
        self, world: World, alice: User
    ) -> None:
        with pytest.raises(MfaNotEnabled):
            self.disable(world, alice, "000000")


class TestRegenerateRecoveryCodes:
    def regenerate(self, world: World, user: User, code: str) -> list[str]:
        return world.container.regenerate_recovery_codes().execute(
            RegenerateRecoveryCodesCommand(user_id=user.id, password=STRONG_PASSWORD, code=code)
        )

    def test_new_codes_replace_the_old_ones(self, world: World, alice: User) -> None:
        enabled = enable(world, alice)

        new = self.regenerate(world, alice, next_code(world, enabled.secret))

        assert len(set(new)) == 10
        assert not set(new) & set(enabled.recovery_codes)
        with pytest.raises(RefusedMfaCode):
            verify(world, second_step(world).mfa_token, enabled.recovery_codes[1])
        assert verify(world, second_step(world).mfa_token, new[0])
        assert audit_events(world, AuditEventType.RECOVERY_CODES_REGENERATED) == [
            {"user_id": alice.id, "actor_id": alice.id, "confirmed_with": "totp"}
        ]
        assert any(email.subject == "New recovery codes" for email in world.emails.sent)

    def test_needs_a_code_and_a_second_factor(self, world: World, alice: User) -> None:
        with pytest.raises(MfaNotEnabled):
            self.regenerate(world, alice, "000000")
        enable(world, alice)
        with pytest.raises(InvalidMfaCode):
            self.regenerate(world, alice, "000000")


class TestResetMfa:
    def test_the_operator_turns_a_second_factor_off(self, world: World, alice: User) -> None:
        enable(world, alice)

        world.container.reset_mfa().execute(ResetMfaCommand(actor=OPERATOR, user="ALICE"))

        assert not stored(world, alice).mfa_enabled
        with world.uow() as uow:
            assert uow.totp_factors.get(alice.id) is None
            assert uow.recovery_codes.count_unused(alice.id) == 0
        assert log_in(world).user.id == alice.id
        assert audit_events(world, AuditEventType.MFA_RESET) == [
            {"user_id": alice.id, "actor_id": alice.id, "was_enabled": True, "passkeys_removed": 0}
        ]
        assert "administrator turned off" in world.emails.sent[-1].subject

    def test_an_admin_does_it_by_id_and_is_named(self, world: World, alice: User) -> None:
        enable(world, alice)
        root = create_admin(world)

        world.container.reset_mfa().execute(ResetMfaCommand(actor=root, user=str(alice.id)))

        assert audit_events(world, AuditEventType.MFA_RESET)[-1]["actor_id"] == root.id

    def test_others_may_not_and_unknown_users_are_not_found(
        self, world: World, alice: User
    ) -> None:
        bob = register(world, "bob")
        with pytest.raises(AdminRequired):
            world.container.reset_mfa().execute(ResetMfaCommand(actor=bob, user="alice"))
        with pytest.raises(UserNotFound):
            world.container.reset_mfa().execute(ResetMfaCommand(actor=OPERATOR, user="nobody"))


class TestMfaRequiredForAdmins:
    @pytest.fixture
    def required(self, world: World) -> None:
        gate = AdminGate(audit=world.audit, second_factor_required=True)
        world.container.admin_gate.override(providers.Object(gate))

    @pytest.mark.usefixtures("required")
    def test_an_admin_without_a_second_factor_is_refused_until_they_set_one_up(
        self, world: World
    ) -> None:
        root = create_admin(world)
        list_users = world.container.list_all_users()
        with pytest.raises(MfaEnrollmentRequired) as refused:
            list_users.execute(ListAllUsersQuery(actor=root))
        assert refused.value.code == "mfa_enrollment_required"
        assert audit_events(world, AuditEventType.PERMISSION_DENIED)[-1]["code"] == (
            "mfa_enrollment_required"
        )

        root = enable(world, root).user
        assert list_users.execute(ListAllUsersQuery(actor=root)).items

    @pytest.mark.usefixtures("required")
    def test_others_are_still_told_admin_required_and_the_operator_passes(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        with pytest.raises(AdminRequired):
            world.container.list_all_users().execute(ListAllUsersQuery(actor=stored(world, alice)))
        assert world.container.list_all_users().execute(ListAllUsersQuery(actor=OPERATOR)).items

    def test_off_by_default(self, world: World) -> None:
        root = create_admin(world)
        assert world.container.list_all_users().execute(ListAllUsersQuery(actor=root)).items


def test_a_secret_sealed_under_another_key_matches_no_code(
    world: World, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    """The key changed (MFA_ENCRYPTION_KEY, or the SECRET_KEY it came from): codes fail, loudly."""
    enabled = enable(world, alice)
    elsewhere = SecondFactors(
        totp=world.totp,
        secret_box=AesGcmSecretBox(b"another key material, 32 bytes or more"),
        clock=world.clock,
    )
    with world.uow() as uow:
        factor = uow.totp_factors.get(alice.id)
    assert factor is not None

    with caplog.at_level(logging.ERROR):
        step = elsewhere.totp_step(
            enabled.user, factor, next_code(world, enabled.secret), world.clock.now()
        )

    assert step is None
    assert "cannot be opened" in caplog.text


def test_fake_totp_is_deterministic_per_step() -> None:
    totp, clock = FakeTotp(), FakeClock()
    secret = totp.new_secret()
    code = totp.code_at(secret, clock.now())
    assert totp.matching_step(secret, code, clock.now()) == totp.step_at(clock.now())
    clock.advance(STEP * 2)
    assert totp.matching_step(secret, code, clock.now()) is None
