import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidCurrentPassword, PasswordPolicyViolation
from application.passwords import check_new_password
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.password_policy import PasswordPolicy
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.session_tokens import BrowserSignIn, IssuedTokens, SessionStarter
from application.services.throttling import Throttle
from domain.action_tokens import ActionPurpose
from domain.passwords import normalize_password
from domain.users import User

Started = TypeVar("Started")


@dataclass(frozen=True)
class ChangePasswordCommand:
    user_id: uuid.UUID
    current_password: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class _PasswordChange:
    """Replace the caller's password and start this client a fresh session.

    Rules: the current password must be right; the new one passes the policy and differs from it;
    every earlier access and refresh token of the user, and every outstanding reset link, stops
    working at once.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    policy: PasswordPolicy
    clock: Clock
    sessions: SessionStarter
    throttle: Throttle
    templates: EmailTemplates
    audit: AuditTrail

    def _change(
        self, command: ChangePasswordCommand, start: Callable[[UnitOfWork, User], Started]
    ) -> Started:
        user = load_after_password_check(
            self.uow, self.hasher, self.throttle, command.user_id, command.current_password
        )
        new_password = normalize_password(command.new_password)
        if new_password == normalize_password(command.current_password):
            raise PasswordPolicyViolation(
                "The new password must differ from the current one.", field="new_password"
            )
        check_new_password(
            self.policy,
            new_password,
            username=user.username,
            email=user.email,
            field="new_password",
        )
        new_hash = self.hasher.hash(new_password)
        now = self.clock.now()
        with self.uow as uow:
            current = uow.users.get_for_update(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCurrentPassword()  # changed meanwhile by another request
            current.change_password_hash(new_hash, now)
            uow.users.update(current)
            uow.sessions.revoke_all_for_user(current.id, now)
            # An outstanding reset link would undo the change: it goes with the old password.
            uow.action_tokens.void_for_user(current.id, ActionPurpose.RESET_PASSWORD, now)
            issued = start(uow, current)
            uow.emit(self.templates.password_changed(current.email, current.username))
            self.audit.record(uow, AuditEventType.PASSWORD_CHANGED, user_id=current.id)
            uow.commit()
        return issued


@dataclass(frozen=True, kw_only=True)
class ChangePassword(_PasswordChange):
    """From an API client: the fresh session's token pair."""

    def execute(self, command: ChangePasswordCommand) -> IssuedTokens:
        return self._change(command, self.sessions.start)


@dataclass(frozen=True, kw_only=True)
class ChangePasswordInBrowser(_PasswordChange):
    """From the pages: this browser stays signed in under a new cookie key."""

    def execute(self, command: ChangePasswordCommand) -> BrowserSignIn:
        return self._change(command, self.sessions.start_browser)
