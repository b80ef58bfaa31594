import uuid
from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.services.email_verification import VerificationMailer
from application.services.uniqueness import ensure_email_free, ensure_username_free
from application.unset import UNSET, Unset
from domain.action_tokens import ActionPurpose
from domain.errors import UserNotFound
from domain.users import User, normalize_email, validate_username


@dataclass(frozen=True)
class UpdateProfileCommand:
    user_id: uuid.UUID
    username: str | Unset = UNSET
    email: str | Unset = UNSET
    full_name: str | Unset | None = UNSET


@dataclass(frozen=True, kw_only=True)
class UpdateProfile:
    """Change the caller's username, email or full name.

    Rules: the new username and email are free; a new email is unverified until proven, and gets
    a verification email (older links, bound to the old address, no longer verify anything); a new
    email voids every outstanding password reset link.
    """

    uow: UnitOfWork
    clock: Clock
    mailer: VerificationMailer

    def execute(self, command: UpdateProfileCommand) -> User:
        now = self.clock.now()
        with self.uow as uow:
            user = uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound()
            if not isinstance(command.username, Unset):
                username = validate_username(command.username)
                ensure_username_free(uow, username, except_user=user.id)
                user.rename(username, now)
            email_changed = False
            if not isinstance(command.email, Unset):
                email = normalize_email(command.email)
                ensure_email_free(uow, email, except_user=user.id)
                email_changed = email != user.email
                user.change_email(email, now)
            if not isinstance(command.full_name, Unset):
                user.change_full_name(command.full_name, now)
            uow.users.update(user)
            if email_changed:
                # A reset link went to the old address: whoever reads that mailbox no longer may.
                uow.action_tokens.void_for_user(user.id, ActionPurpose.RESET_PASSWORD, now)
                self.mailer.send_link(uow, user)
            uow.commit()
        return user
