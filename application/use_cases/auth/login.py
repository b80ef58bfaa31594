from dataclasses import dataclass

from application.errors import AccountInactive, EmailNotVerified, InvalidCredentials
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.use_cases.auth.session_tokens import IssuedTokens, SessionStarter
from domain.passwords import normalize_password
from domain.users import User


@dataclass(frozen=True)
class LoginCommand:
    login: str
    """A username or an email address, any case."""
    password: str
    user_agent: str | None = None
    ip: str | None = None


class Login:
    """Exchange a username (or email) and password for a new session's token pair.

    Rules: an unknown account and a wrong password fail the same way and take the same time (a dummy
    hash is verified); inactive and unverified accounts are told so only after a correct password; a
    hash made with old parameters is upgraded on success, never on failure.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        sessions: SessionStarter,
        require_email_verification: bool,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._require_email_verification = require_email_verification

    def execute(self, command: LoginCommand) -> IssuedTokens:
        password = normalize_password(command.password)
        # The slow verify runs outside any transaction, so no connection is held while hashing.
        with self._uow as uow:
            user = _find_by_login(uow, command.login)
        if user is None:
            self._hasher.verify(self._hasher.dummy_hash, password)
            raise InvalidCredentials()
        if not self._hasher.verify(user.password_hash, password):
            raise InvalidCredentials()
        if not user.is_active:
            raise AccountInactive()
        if self._require_email_verification and not user.email_verified:
            raise EmailNotVerified()
        verified_hash = user.password_hash
        upgraded_hash = (
            self._hasher.hash(password) if self._hasher.needs_rehash(verified_hash) else None
        )
        with self._uow as uow:
            current = uow.users.get(user.id)
            if current is None or current.password_hash != verified_hash:
                raise InvalidCredentials()  # changed or deleted meanwhile: this password is stale
            if upgraded_hash is not None:
                current.password_hash = upgraded_hash
                uow.users.update(current)
            issued = self._sessions.start(
                uow, current, user_agent=command.user_agent, ip=command.ip
            )
            uow.commit()
        return issued


def _find_by_login(uow: UnitOfWork, login: str) -> User | None:
    # Usernames cannot contain "@", so the form of the name says which one it is.
    if "@" in login:
        return uow.users.get_by_email(login.strip().lower())
    return uow.users.get_by_username(login)
