import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import AccountInactive, InvalidToken
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.tokens import AccessTokenClaims, AccessTokenService
from application.ports.unit_of_work import UnitOfWork
from domain.users import User


@dataclass(frozen=True)
class AuthenticatedCaller:
    user: User
    session_id: uuid.UUID
    """The session the token belongs to: the caller's own, for "every other session" rules."""


@dataclass(frozen=True, kw_only=True)
class AuthenticateAccessToken:
    """Turn a bearer token into the current user, or refuse it.

    Rules: the token must verify, its session must exist and be neither logged out, revoked nor
    expired (idle or absolute: a token never outlives its session), its
    user must be the session's, its `ver` the user's current token version (password change,
    deactivation and the like make older tokens useless at once), and its user active (403
    `account_inactive`). Session and user are read in one round trip.
    """

    uow: UnitOfWork
    tokens: AccessTokenService
    clock: Clock
    audit: AuditTrail

    def execute(self, token: str) -> User:
        return self.identify(token).user

    def identify(self, token: str) -> AuthenticatedCaller:
        """`execute`, with the session the token belongs to."""
        return self.identify_verified(self.verified(token))

    def verified(self, token: str) -> AccessTokenClaims:
        """The token's claims, once its signature and expiry check out: the first half of
        `identify`, which reads nothing from storage."""
        try:
            return self.tokens.verify(token)
        except InvalidToken:
            self._rejected("invalid")
            raise

    def identify_verified(self, claims: AccessTokenClaims) -> AuthenticatedCaller:
        """The second half of `identify`: the session and user the claims name, checked."""
        with self.uow.read_only() as uow:
            found = uow.sessions.get_with_user(claims.session_id)
        session, user = found if found is not None else (None, None)
        if session is None or user is None or session.user_id != claims.user_id:
            self._rejected("unknown session")
        elif session.is_revoked:
            self._rejected("session revoked")
        elif not session.is_usable(self.clock.now()):
            self._rejected("session expired")
        elif claims.token_version != user.token_version:
            self._rejected("old token version")
        else:
            with self.audit.refusals(user.id):
                if not user.is_active:
                    raise AccountInactive()
            return AuthenticatedCaller(user=user, session_id=session.id)
        raise InvalidToken()

    def _rejected(self, reason: str) -> None:
        # Logged, not stored: anyone can send bad tokens in bulk.
        self.audit.log_only(AuditEventType.ACCESS_TOKEN_REJECTED, details={"reason": reason})
