"""Issuing the single-use tokens that emailed links carry (password reset, email verification)."""

from datetime import datetime

from application.ports.unit_of_work import UnitOfWork
from application.secret_tokens import hash_secret_token, new_secret_token
from domain.action_tokens import ActionPurpose, ActionToken
from domain.users import User


def issue_action_token(uow: UnitOfWork, user: User, purpose: ActionPurpose, now: datetime) -> str:
    """Record a new token of `purpose` for the user's current address in `uow`, voiding the older
    ones, and return it for the link: only its hash is stored."""
    token = new_secret_token()
    uow.action_tokens.void_for_user(user.id, purpose, now)
    uow.action_tokens.add(
        ActionToken.issue(
            token_hash=hash_secret_token(token),
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            now=now,
        )
    )
    return token
