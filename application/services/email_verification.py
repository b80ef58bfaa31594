"""Proving an email address: a single-use token bound to the user and the address, sent by email."""

from application.emails import EmailTemplates
from application.ports.clock import Clock
from application.ports.email import EmailMessage, EmailSender
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.action_tokens import ActionPurpose, ActionToken
from domain.users import User


class VerificationMailer:
    def __init__(self, templates: EmailTemplates, sender: EmailSender, clock: Clock) -> None:
        self._templates = templates
        self._sender = sender
        self._clock = clock

    def prepare(self, uow: UnitOfWork, user: User) -> EmailMessage:
        """Record a new token for the user's current address (voiding older ones) in `uow`.

        The caller commits, then `send`s the message, so the link works by the time it arrives.
        """
        now = self._clock.now()
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
        return self._templates.verify_email(user.email, user.username, token)

    def send(self, message: EmailMessage) -> None:
        self._sender.send(message)
