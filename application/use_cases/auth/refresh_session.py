from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import InvalidRefreshToken
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.tokens import AccessTokenService
from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from application.services.session_tokens import IssuedTokens, SessionLifetimes


@dataclass(frozen=True)
class RefreshSessionCommand:
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class RefreshSession:
    """Trade a refresh token for a new pair; the token is spent, the session keeps its id.

    Rules: unknown, expired, revoked and spent tokens are refused alike. A spent token presented
    again means it leaked (or a client raced itself): the whole session is revoked, its newest
    token and its access tokens included (reuse detection, RFC 9700 §4.14.2). Of concurrent
    refreshes with one token, the store lets exactly one spend it.
    """

    uow: UnitOfWork
    tokens: AccessTokenService
    clock: Clock
    lifetimes: SessionLifetimes
    audit: AuditTrail

    def execute(self, command: RefreshSessionCommand) -> IssuedTokens:
        now = self.clock.now()
        token_hash = hash_secret_token(command.refresh_token)
        new_refresh_token = new_secret_token()
        with self.uow as uow:
            record = uow.sessions.find_refresh_token(token_hash)
            # Locked: a logout or revocation running now either waits for this refresh or is
            # seen by it, and this refresh can never write back a session it revoked.
            session = uow.sessions.get_for_update(record.session_id) if record else None
            user = uow.users.get(session.user_id) if session else None
            if record is None or session is None or user is None:
                raise InvalidRefreshToken()
            details = {"session_id": str(session.id)}
            if record.spent_at is not None or not uow.sessions.spend_refresh_token(token_hash, now):
                session.revoke(now)
                uow.sessions.update(session)
                self.audit.record(
                    uow, AuditEventType.REFRESH_TOKEN_REUSED, user_id=user.id, details=details
                )
                uow.commit()
                raise InvalidRefreshToken()
            if not session.is_usable(now) or not user.is_active:
                raise InvalidRefreshToken()
            session.touch(now, self.lifetimes.idle)
            uow.sessions.update(session)
            uow.sessions.add_refresh_token(session.id, hash_secret_token(new_refresh_token), now)
            self.audit.record(uow, AuditEventType.TOKEN_REFRESHED, user_id=user.id, details=details)
            uow.commit()
        access = self.tokens.issue(user, session.id)
        return IssuedTokens(
            access_token=access.token,
            expires_in=access.expires_in,
            refresh_token=new_refresh_token,
            session=session,
            user=user,
        )
