import uuid
from dataclasses import dataclass
from typing import Protocol

from domain.users import User


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int
    """Lifetime in seconds."""


@dataclass(frozen=True)
class AccessTokenClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_version: int
    role: str
    token_id: str


class AccessTokenService(Protocol):
    def issue(self, user: User, session_id: uuid.UUID) -> IssuedAccessToken: ...

    def verify(self, token: str) -> AccessTokenClaims:
        """Check signature, algorithm, type and registered claims; raise InvalidToken otherwise.

        Whether the user and session still allow it is AuthenticateAccessToken's question.
        """
        ...
