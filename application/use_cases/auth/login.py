from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import (
    AccountInactive,
    EmailNotVerified,
    InvalidCredentials,
)
from application.ports.audit import AuditEventType
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.services.second_factor import SecondFactors
from application.services.session_tokens import (
    BrowserSignIn,
    IssuedTokens,
    SessionStart,
    SessionStarter,
    Started,
)
from application.services.throttling import Throttle, account_key
from domain.passwords import normalize_password
from domain.users import User, username_key


@dataclass(frozen=True)
class LoginCommand:
    login: str
    """A username or an email address, any case."""
    password: str


@dataclass(frozen=True, kw_only=True)
class _PasswordLogin:
    """Exchange a username (or email) and password for a new session.

    Rules: an unknown account and a wrong password fail the same way and take the same time (a dummy
    hash is verified); inactive and unverified accounts are told so only after a correct password; a
    hash made with old parameters is upgraded on success, never on failure. Too many failures for one
    account, or attempts from one IP, are refused (429) before any password is checked: each attempt
    is counted before its check, and a success clears the account's count.

    With a second factor on, a correct password starts no session: the answer is 401
    `mfa_required` with a single-use `mfa_token` (valid 5 minutes) and the `methods` that may
    complete the login at `POST /auth/mfa/verify`. That attempt stays counted against the account
    until the second factor succeeds, so a stolen password cannot reset the count of wrong codes.
    A wrong password is answered exactly as for an account without a second factor.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    sessions: SessionStarter
    factors: SecondFactors
    throttle: Throttle
    audit: AuditTrail
    require_email_verification: bool

    def _login(self, command: LoginCommand, start: SessionStart[Started]) -> Started:
        password = normalize_password(command.password)
        # The slow verify runs outside any transaction, so no connection is held while hashing.
        with self.uow.read_only() as uow:
            user = _find_by_login(uow, command.login)
        user_id = user.id if user else None
        account = account_key(user_id, lookup_form(command.login))
        self.throttle.before_sign_in_attempt(
            account, current_request().ip, audit=self.audit, user_id=user_id
        )
        if user is None or not self.hasher.verify(user.password_hash, password):
            if user is None:
                self.hasher.verify(self.hasher.dummy_hash, password)
            # Nothing of an unknown name is kept: it is often a password typed in the wrong field.
            self.audit.record_alone(AuditEventType.LOGIN_FAILED, user_id=user_id)
            raise InvalidCredentials()
        if not user.mfa_enabled:
            self.throttle.succeeded(account)
        with self.audit.refusals(user.id):
            if not user.is_active:
                raise AccountInactive()
            if self.require_email_verification and not user.email_verified:
                raise EmailNotVerified()
        return self._start_session(user, password, start)

    def _start_session(self, user: User, password: str, start: SessionStart[Started]) -> Started:
        verified_hash = user.password_hash
        upgraded_hash = (
            self.hasher.hash(password) if self.hasher.needs_rehash(verified_hash) else None
        )
        with self.uow as uow:
            current = uow.users.get_for_update(user.id)
            if current is None or current.password_hash != verified_hash:
                raise InvalidCredentials()  # changed or deleted meanwhile: this password is stale
            if upgraded_hash is not None:
                current.password_hash = upgraded_hash
                uow.users.update(current)
            if current.mfa_enabled:
                second_step = self.factors.second_step(uow, current)
                uow.commit()
                raise second_step
            issued = start(uow, current)
            self.audit.record(
                uow,
                AuditEventType.LOGIN_SUCCEEDED,
                user_id=current.id,
                details={"session_id": str(issued.session.id)},
            )
            uow.commit()
        return issued


@dataclass(frozen=True, kw_only=True)
class Login(_PasswordLogin):
    """An API client's login: the new session's token pair."""

    def execute(self, command: LoginCommand) -> IssuedTokens:
        return self._login(command, self.sessions.start)


@dataclass(frozen=True, kw_only=True)
class BrowserLogin(_PasswordLogin):
    """A browser's login: the new session's cookie key, never a token the page's scripts could read."""

    def execute(self, command: LoginCommand) -> BrowserSignIn:
        return self._login(command, self.sessions.start_browser)


def lookup_form(login: str) -> str:
    """The login as the lookup reads it: an email trimmed and lowercased, a username by its key.

    Usernames cannot contain "@", so the form of the name says which one it is.
    """
    return login.strip().lower() if "@" in login else username_key(login)


def _find_by_login(uow: UnitOfWork, login: str) -> User | None:
    if "@" in login:
        return uow.users.get_by_email(lookup_form(login))
    return uow.users.get_by_username(login)
