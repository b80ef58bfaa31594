"""Proving an email address: a single-use token bound to the user and the address, sent by email."""

from dataclasses import dataclass

from application.emails import EmailTemplates
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.action_tokens import ActionPurpose, ActionToken
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class VerificationMailer:
    templates: EmailTemplates
    clock: Clock

    def send_link(self, uow: UnitOfWork, user: User) -> None:
        """Record a new token for the user's current address (voiding older ones) and emit its
        email in `uow`: it goes out once the caller commits, so the link works when it arrives."""
        now = self.clock.now()
        token = new_secret_token()
        uow.action_tokens.void_for_user(user.id, ActionPurpose.VERIFY_EMAIL, now)
        uow.action_tokens.add(
            ActionToken.issue(
                token_hash=hash_secret_token(token),
                user_id=user.id,
                purpose=ActionPurpose.VERIFY_EMAIL,
                email=user.email,
                now=now,
            )
        )
        uow.emit(self.templates.verify_email(user.email, user.username, token))
