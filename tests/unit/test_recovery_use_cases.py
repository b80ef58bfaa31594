from datetime import timedelta
from typing import Self

import pytest

from application.errors import (
    InvalidResetToken,
    InvalidVerifyToken,
    PasswordPolicyViolation,
    StorageUnavailable,
    TooManyAttempts,
)
from application.use_cases.account.update_profile import UpdateProfileCommand
from application.use_cases.recovery.forgot_password import ForgotPassword, ForgotPasswordCommand
from application.use_cases.recovery.reset_password import ResetPasswordCommand
from application.use_cases.recovery.verify_email import (
    VerifyEmailCommand,
)
from domain.users import User
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork
from tests.unit.builders import log_in, register, stored
from tests.unit.conftest import BASE_URL, STRONG_PASSWORD, World

NEW_PASSWORD = "a brand new passphrase 7"


def forgot_password(world: World, uow: MemoryUnitOfWork | None = None) -> ForgotPassword:
    return world.container.forgot_password(uow=uow or world.uow())


def forgot(world: World, email: str) -> None:
    """The request, then the work it leaves for after the answer."""
    send_link = forgot_password(world).execute(ForgotPasswordCommand(email))
    send_link()


class CountingUnitOfWork(MemoryUnitOfWork):
    def __init__(self, world: World, fail_with: Exception | None = None) -> None:
        super().__init__(world.database, world.container.after_commit())
        self.entered = 0
        self.fail_with = fail_with

    def __enter__(self) -> Self:
        self.entered += 1
        if self.fail_with is not None:
            raise self.fail_with
        return super().__enter__()


def reset(world: World, token: str, password: str = NEW_PASSWORD) -> None:
    world.container.reset_password().execute(
        ResetPasswordCommand(token=token, new_password=password)
    )


def verify(world: World, token: str) -> User:
    return world.container.verify_email().execute(VerifyEmailCommand(token))


class TestPasswordReset:
    def test_the_whole_flow(self, world: World) -> None:
        user = register(world)
        session = log_in(world).session
        forgot(world, " ALICE@example.com ")
        message = world.emails.sent[-1]
        assert message.to == "alice@example.com"
        assert f"{BASE_URL}/app/reset-password?token=" in message.body
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

    @pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
    def test_the_answer_touches_no_data_whether_or_not_the_address_is_registered(
        self, world: World, email: str
    ) -> None:
        register(world)
        world.emails.sent.clear()
        world.security_log.events.clear()
        uow = CountingUnitOfWork(world)

        send_link = forgot_password(world, uow).execute(ForgotPasswordCommand(email))

        # The same path for both, up to the answer: nothing read, written, sent or audited.
        assert (uow.entered, world.emails.sent, world.security_log.events) == (0, [], [])
        send_link()
        assert uow.entered == 1
        sent = [message.to for message in world.emails.sent]
        assert sent == ([email] if email == "alice@example.com" else [])

    def test_a_failure_after_the_answer_is_logged_without_the_token(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        register(world)
        uow = CountingUnitOfWork(world, fail_with=StorageUnavailable())
        send_link = forgot_password(world, uow).execute(ForgotPasswordCommand("alice@example.com"))

        send_link()  # nobody is waiting for it to raise

        assert "reset link not sent" in caplog.text
        assert "password_reset_requested" not in world.security_log.types()

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
        assert f"{BASE_URL}/app/verify-email?token=" in message.body
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
        world.container.update_profile().execute(
            UpdateProfileCommand(user_id=user.id, email="new@example.com")
        )
        with pytest.raises(InvalidVerifyToken):
            verify(world, old_token)
        assert world.emails.sent[-1].to == "new@example.com"
        assert verify(world, world.emails.last_token("new@example.com")).email == "new@example.com"

    def test_request_verification_resends_until_verified(self, world: World) -> None:
        user = register(world)
        request = world.container.request_email_verification()
        request.execute(user)
        assert len(world.emails.sent) == 2
        verified = verify(world, world.emails.last_token())
        request.execute(verified)
        assert len(world.emails.sent) == 2

    def test_register_sends_with_the_right_password_untouched(self, world: World) -> None:
        register(world)
        assert STRONG_PASSWORD not in world.emails.sent[-1].body
