"""Proving an email address: a single-use token bound to the user and the address, sent by email."""

from dataclasses import dataclass

from application.emails import EmailTemplates
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.services.action_tokens import issue_action_token
from domain.action_tokens import ActionPurpose
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class VerificationMailer:
    templates: EmailTemplates
    clock: Clock

    def send_link(self, uow: UnitOfWork, user: User) -> None:
        """Record a new token for the user's current address (voiding older ones) and emit its
        email in `uow`: it goes out once the caller commits, so the link works when it arrives."""
        token = issue_action_token(uow, user, ActionPurpose.VERIFY_EMAIL, self.clock.now())
        uow.emit(self.templates.verify_email(user.email, user.username, token))
