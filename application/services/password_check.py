"""Re-authentication for sensitive account changes: the caller proves they know the password."""

import uuid

from application.errors import InvalidCurrentPassword
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.throttling import Throttle, user_account
from domain.errors import UserNotFound
from domain.passwords import normalize_password
from domain.users import User


def load_after_password_check(
    uow: UnitOfWork,
    hasher: PasswordHasher,
    throttle: Throttle,
    user_id: uuid.UUID,
    password: str,
    *,
    clear_failures: bool = True,
) -> User:
    """Load the user and verify `password`, outside any transaction (hashing is slow).

    Wrong passwords count like failed logins, against the same account: a stolen access token is
    no password oracle, and no way to make the server hash without limit. A right one clears the
    account's count, unless `clear_failures` is False: a change that also needs a second-factor
    code clears it only once the code is right too, or a right password would reset the count of
    wrong codes at every attempt.
    """
    account = user_account(user_id)
    throttle.before_attempt(account, None)
    with uow.read_only():
        user = uow.users.get(user_id)
    if user is None:
        raise UserNotFound()
    if not hasher.verify(user.password_hash, normalize_password(password)):
        raise InvalidCurrentPassword()
    if clear_failures:
        throttle.succeeded(account)
    return user
