from datetime import timedelta

import pytest

from application.errors import (
    InvalidResetToken,
    InvalidVerifyToken,
    PasswordPolicyViolation,
    TooManyAttempts,
)
from application.use_cases.account.update_profile import UpdateProfile, UpdateProfileCommand
from application.use_cases.recovery.forgot_password import ForgotPassword, ForgotPasswordCommand
from application.use_cases.recovery.reset_password import ResetPassword, ResetPasswordCommand
from application.use_cases.recovery.verify_email import (
    RequestEmailVerification,
    VerifyEmail,
    VerifyEmailCommand,
)
from domain.users import User
from tests.unit.builders import log_in, register, stored
from tests.unit.conftest import BASE_URL, STRONG_PASSWORD, World

NEW_PASSWORD = "a brand new passphrase 7"


def forgot(world: World, email: str) -> None:
    ForgotPassword(
        world.uow(), world.clock, world.throttle, world.templates, world.emails, world.audit
    ).execute(ForgotPasswordCommand(email))


def reset(world: World, token: str, password: str = NEW_PASSWORD) -> None:
    ResetPassword(
        world.uow(),
        world.hasher,
        world.policy,
        world.clock,
        world.throttle,
        world.templates,
        world.emails,
        world.audit,
    ).execute(ResetPasswordCommand(token=token, new_password=password))


def verify(world: World, token: str) -> User:
    return VerifyEmail(world.uow(), world.clock, world.audit).execute(VerifyEmailCommand(token))


class TestPasswordReset:
    def test_the_whole_flow(self, world: World) -> None:
        user = register(world)
        session = log_in(world).session
        forgot(world, " ALICE@example.com ")
        message = world.emails.sent[-1]
        assert message.to == "alice@example.com"
        assert f"{BASE_URL}/reset-password?token=" in message.body
        assert stored(world, user) == user  # asking changes nothing
        reset(world, world.emails.last_token())
        assert log_in(world, password=NEW_PASSWORD).user.id == user.id
        with world.uow() as uow:
            old = uow.sessions.get(session.id)
        assert old is not None
        assert old.is_revoked
        assert world.emails.sent[-1].subject == "Your password was changed"
        assert {"password_reset_requested", "password_reset"} <= set(world.security_log.types())

    def test_unknown_email_sends_nothing_and_says_nothing(self, world: World) -> None:
        forgot(world, "nobody@example.com")
        assert world.emails.sent == []

    def test_a_token_works_once(self, world: World) -> None:
        register(world)
        forgot(world, "alice@example.com")
        token = world.emails.last_token()
        reset(world, token)
        with pytest.raises(InvalidResetToken):
            reset(world, token, "yet another fine passphrase")

    def test_a_token_expires_after_an_hour(self, world: World) -> None:
        register(world)
        forgot(world, "alice@example.com")
        world.clock.advance(timedelta(hours=1, seconds=1))
        with pytest.raises(InvalidResetToken):
            reset(world, world.emails.last_token())

    def test_a_newer_link_voids_the_older(self, world: World) -> None:
        register(world)
        forgot(world, "alice@example.com")
        older = world.emails.last_token()
        forgot(world, "alice@example.com")
        with pytest.raises(InvalidResetToken):
            reset(world, older)
        reset(world, world.emails.last_token())

    def test_a_refused_password_leaves_the_token_unspent(self, world: World) -> None:
        register(world)
        forgot(world, "alice@example.com")
        token = world.emails.last_token()
        with pytest.raises(PasswordPolicyViolation):
            reset(world, token, "password1")
        reset(world, token)

    def test_a_verification_token_is_no_reset_token(self, world: World) -> None:
        register(world)  # sends a verification email
        with pytest.raises(InvalidResetToken):
            reset(world, world.emails.last_token())

    def test_reset_works_for_a_throttled_account_and_lifts_the_lock(self, world: World) -> None:
        register(world)
        for _ in range(5):
            with pytest.raises(Exception, match="Incorrect"):
                log_in(world, password="wrong password!!")
        with pytest.raises(TooManyAttempts):
            log_in(world)
        forgot(world, "alice@example.com")
        reset(world, world.emails.last_token())
        assert log_in(world, password=NEW_PASSWORD).user.username == "alice"

    def test_forgot_password_is_throttled_per_address(self, world: World) -> None:
        register(world)
        for _ in range(5):
            forgot(world, "alice@example.com")
        with pytest.raises(TooManyAttempts):
            forgot(world, "alice@example.com")


class TestEmailVerification:
    def test_registration_sends_a_link_that_verifies_once(self, world: World) -> None:
        user = register(world)
        message = world.emails.sent[-1]
        assert message.to == "alice@example.com"
        assert f"{BASE_URL}/verify-email?token=" in message.body
        token = world.emails.last_token()
        assert verify(world, token).email_verified is True
        assert stored(world, user).email_verified
        with pytest.raises(InvalidVerifyToken):
            verify(world, token)

    def test_a_reset_token_is_no_verification_token(self, world: World) -> None:
        register(world)
        forgot(world, "alice@example.com")
        with pytest.raises(InvalidVerifyToken):
            verify(world, world.emails.last_token())

    def test_the_link_expires_after_48_hours(self, world: World) -> None:
        register(world)
        world.clock.advance(timedelta(hours=48, seconds=1))
        with pytest.raises(InvalidVerifyToken):
            verify(world, world.emails.last_token())

    def test_changing_the_email_voids_the_old_link_and_sends_a_new_one(self, world: World) -> None:
        user = register(world)
        old_token = world.emails.last_token()
        UpdateProfile(world.uow(), world.clock, world.mailer).execute(
            UpdateProfileCommand(user_id=user.id, email="new@example.com")
        )
        with pytest.raises(InvalidVerifyToken):
            verify(world, old_token)
        assert world.emails.sent[-1].to == "new@example.com"
        assert verify(world, world.emails.last_token("new@example.com")).email == "new@example.com"

    def test_request_verification_resends_until_verified(self, world: World) -> None:
        user = register(world)
        request = RequestEmailVerification(world.uow(), world.throttle, world.mailer)
        request.execute(user)
        assert len(world.emails.sent) == 2
        verified = verify(world, world.emails.last_token())
        request.execute(verified)
        assert len(world.emails.sent) == 2

    def test_register_sends_with_the_right_password_untouched(self, world: World) -> None:
        register(world)
        assert STRONG_PASSWORD not in world.emails.sent[-1].body
