from dataclasses import dataclass

from application.ports.passkeys import Options
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.services.passkeys import PasskeyAssertions
from application.services.throttling import Throttle
from domain.passkeys import ChallengePurpose
from domain.users import User


@dataclass(frozen=True, kw_only=True)
class BeginPasskeyLoginCommand:
    username: str | None = None
    """The account about to sign in (a username or an email), when the client knows it: for a
    passkey as the second factor after a password. None: any passkey of this site."""


@dataclass(frozen=True, kw_only=True)
class BeginPasskeyLogin:
    """Start signing in with a passkey: the options for `navigator.credentials.get()`.

    Rules: the options carry a random challenge, valid once and for 5 minutes, and ask for user
    verification. They name no credential: every passkey Tessera registers is discoverable, so
    the browser offers the person the passkeys they have for this site. With a `username`, the
    challenge serves only that account (a passkey as the second factor after a password uses
    these); the answer looks exactly the same whether the account exists or not. Too many
    requests from one IP are refused (429).
    """

    uow: UnitOfWork
    passkeys: PasskeyAssertions
    throttle: Throttle

    def execute(self, command: BeginPasskeyLoginCommand) -> Options:
        self.throttle.passkey_challenge(current_request().ip)
        with self.uow as uow:
            user = _find(uow, command.username) if command.username else None
            # An unknown name makes an unbound challenge: what the options say cannot tell.
            user_id = user.id if user is not None else None
            challenge = self.passkeys.issue_challenge(uow, ChallengePurpose.AUTHENTICATION, user_id)
            uow.commit()
        return self.passkeys.ceremonies.authentication_options(challenge)


def _find(uow: UnitOfWork, login: str) -> User | None:
    """By email when the name holds an "@" (usernames cannot), else by username, any case."""
    if "@" in login:
        return uow.users.get_by_email(login.strip().lower())
    return uow.users.get_by_username(login)
