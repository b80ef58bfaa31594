from application.errors import AccountInactive, InvalidToken
from application.ports.tokens import AccessTokenService
from application.ports.unit_of_work import UnitOfWork
from domain.users import User


class AuthenticateAccessToken:
    """Turn a bearer token into the current user, or refuse it.

    Rules: the token must verify, its user must exist, its `ver` must be the user's current token
    version (password change, deactivation and the like make older tokens useless at once), its
    session must be live, and its user active (403 `account_inactive`).
    """

    def __init__(self, uow: UnitOfWork, tokens: AccessTokenService) -> None:
        self._uow = uow
        self._tokens = tokens

    def execute(self, token: str) -> User:
        claims = self._tokens.verify(token)
        with self._uow as uow:
            user = uow.users.get(claims.user_id)
            session = uow.sessions.get(claims.session_id)
        if user is None or claims.token_version != user.token_version:
            raise InvalidToken()
        if session is None or session.user_id != user.id or session.is_revoked:
            raise InvalidToken()
        if not user.is_active:
            raise AccountInactive()
        return user
