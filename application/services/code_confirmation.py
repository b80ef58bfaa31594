"""Changing a second factor: the password and a code of that factor, both right, in one place."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import InvalidCurrentPassword, InvalidMfaCode, MfaNotEnabled
from application.ports.audit import AuditEventType
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWork
from application.services.password_check import load_after_password_check
from application.services.second_factor import SecondFactors
from application.services.throttling import Throttle, user_account
from domain.mfa import SecondFactorMethod
from domain.users import User


@dataclass(frozen=True)
class Confirmed:
    uow: UnitOfWork
    """Open, with `user` locked: the caller changes what it must and commits."""
    user: User
    method: SecondFactorMethod
    """How the code was confirmed: a TOTP code or a recovery code."""


@contextmanager
def confirmed_with_code(
    *,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    throttle: Throttle,
    factors: SecondFactors,
    audit: AuditTrail,
    user_id: uuid.UUID,
    password: str,
    code: str,
    purpose: str,
) -> Iterator[Confirmed]:
    """Check the password, then (the user locked) the code; yield for the change.

    A wrong password or code counts toward the account's login throttle, cleared only once both
    are right; a wrong code is audited as `mfa_failed` with `purpose`; without the second factor
    on, `MfaNotEnabled` (the password was right: its count is cleared).
    """
    user = load_after_password_check(uow, hasher, throttle, user_id, password, clear_failures=False)
    try:
        with uow as open_uow:
            current = open_uow.users.get_for_update(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCurrentPassword()  # changed meanwhile by another request
            if not current.mfa_enabled:
                raise MfaNotEnabled()
            method = factors.check_code(open_uow, current, code)
            if method is None:
                raise InvalidMfaCode()
            yield Confirmed(uow=open_uow, user=current, method=method)
    except InvalidMfaCode:
        audit.record_alone(AuditEventType.MFA_FAILED, user_id=user.id, details={"while": purpose})
        raise
    except MfaNotEnabled:
        throttle.succeeded(user_account(user.id))
        raise
    throttle.succeeded(user_account(user.id))
