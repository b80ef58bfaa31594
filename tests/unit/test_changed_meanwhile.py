"""The backstops of the security use cases: what they do when the row changed under them.

Login, password change and reset check a password (or a link) outside any transaction, hash, then
write in a short unit of work that re-reads the user. `InterferingHasher` changes the stored row
exactly in that gap (after the check, before the write), as a concurrent request would; the write
must then refuse, and leave the concurrent change in place.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from dependency_injector import providers

from application.errors import (
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidResetToken,
    InvalidVerifyToken,
)
from application.secret_tokens import hash_secret_token
from domain.action_tokens import ActionPurpose
from domain.users import User
from tests.unit.builders import log_in, register, stored
from tests.unit.conftest import STRONG_PASSWORD, World
from tests.unit.fakes import FakePasswordHasher
from tests.unit.test_account_use_cases import NEW_PASSWORD, change_password
from tests.unit.test_recovery_use_cases import forgot, reset, verify

OTHER_PASSWORD = "set by the other request 99"


class InterferingHasher(FakePasswordHasher):
    """Runs `interfere` once, after the next `verify` or `hash` it is armed for."""

    def __init__(self) -> None:
        super().__init__()
        self.interfere: Callable[[], None] | None = None
        self.after: str = ""

    def arm(self, after: str, interfere: Callable[[], None]) -> None:
        self.after, self.interfere = after, interfere

    def _maybe_interfere(self, step: str) -> None:
        if self.interfere is not None and step == self.after:
            interfere, self.interfere = self.interfere, None
            interfere()

    def verify(self, password_hash: str, password: str) -> bool:
        verified = super().verify(password_hash, password)
        self._maybe_interfere("verify")
        return verified

    def hash(self, password: str) -> str:
        hashed = super().hash(password)
        self._maybe_interfere("hash")
        return hashed


@pytest.fixture
def hasher(world: World) -> InterferingHasher:
    interfering = InterferingHasher()
    world.container.password_hasher.override(providers.Object(interfering))
    world.hasher = interfering
    return interfering


def overwrite(world: World, user: User, **changes: Any) -> Callable[[], None]:
    """Another request's committed change of the user's row (no lock, no voiding: the row only)."""

    def write() -> None:
        with world.uow() as uow:
            current = uow.users.get(user.id)
            assert current is not None
            uow.users.update(replace(current, **changes))
            uow.commit()

    return write


def live_sessions(world: World, user: User) -> int:
    with world.uow() as uow:
        return len(uow.sessions.list_live_for_user(user.id, world.clock.now()))


def test_a_login_whose_password_changed_after_the_check_starts_no_session(
    world: World, hasher: InterferingHasher
) -> None:
    user = register(world)
    other_hash = hasher.hash(OTHER_PASSWORD)
    hasher.arm("verify", overwrite(world, user, password_hash=other_hash))

    with pytest.raises(InvalidCredentials):
        log_in(world)

    assert live_sessions(world, user) == 0
    assert stored(world, user).password_hash == other_hash


def test_a_password_change_whose_password_changed_meanwhile_is_refused(
    world: World, hasher: InterferingHasher
) -> None:
    user = register(world)
    other_hash = hasher.hash(OTHER_PASSWORD)
    # The new hash is computed between the check of the current password and the write.
    hasher.arm("hash", overwrite(world, user, password_hash=other_hash))

    with pytest.raises(InvalidCurrentPassword):
        change_password(world, user.id, STRONG_PASSWORD, NEW_PASSWORD)

    assert stored(world, user).password_hash == other_hash
    assert live_sessions(world, user) == 0


def test_a_reset_whose_address_changed_meanwhile_is_refused_and_stays_unspent(
    world: World, hasher: InterferingHasher
) -> None:
    user = register(world)
    forgot(world, "alice@example.com")
    token = world.emails.last_token()
    hasher.arm("hash", overwrite(world, user, email="new@example.com"))

    with pytest.raises(InvalidResetToken):
        reset(world, token)

    assert stored(world, user).password_hash == hasher.hash(STRONG_PASSWORD)
    with world.uow() as uow:
        found = uow.action_tokens.find(hash_secret_token(token), ActionPurpose.RESET_PASSWORD)
    assert found is not None
    assert found.used_at is None


def test_a_reset_whose_link_was_used_meanwhile_is_refused(
    world: World, hasher: InterferingHasher
) -> None:
    user = register(world)
    forgot(world, "alice@example.com")
    token = world.emails.last_token()

    def spend_the_link() -> None:
        with world.uow() as uow:
            assert uow.action_tokens.use(hash_secret_token(token), world.clock.now())
            uow.commit()

    hasher.arm("hash", spend_the_link)

    with pytest.raises(InvalidResetToken):
        reset(world, token)

    assert stored(world, user).password_hash == hasher.hash(STRONG_PASSWORD)


def test_a_reset_link_for_an_address_the_user_has_left_is_refused(world: World) -> None:
    """Changing the address voids the links; this is the check behind that voiding."""
    user = register(world)
    forgot(world, "alice@example.com")
    overwrite(world, user, email="new@example.com")()

    with pytest.raises(InvalidResetToken):
        reset(world, world.emails.last_token("alice@example.com"))

    assert stored(world, user).password_hash == world.hasher.hash(STRONG_PASSWORD)


def test_a_verification_link_for_an_address_the_user_has_left_verifies_nothing(
    world: World,
) -> None:
    """Changing the address voids the links; this is the check behind that voiding."""
    user = register(world)
    token = world.emails.last_token("alice@example.com")
    overwrite(world, user, email="new@example.com")()

    with pytest.raises(InvalidVerifyToken):
        verify(world, token)

    assert stored(world, user).email_verified is False
