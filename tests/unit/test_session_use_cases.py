from datetime import timedelta

import pytest

from application.errors import InvalidRefreshToken, InvalidToken, SessionNotFound
from application.services.session_tokens import IssuedTokens
from application.use_cases.auth.logout import LogoutCommand
from application.use_cases.auth.manage_sessions import (
    RevokeSessionCommand,
)
from application.use_cases.auth.refresh_session import RefreshSessionCommand
from domain.users import User
from tests.unit.builders import log_in, register
from tests.unit.conftest import LIFETIMES, World


def refresh(world: World, token: str) -> IssuedTokens:
    use_case = world.container.refresh_session()
    return use_case.execute(RefreshSessionCommand(token))


def authenticate(world: World, token: str) -> User:
    return world.container.authenticate_access_token().execute(token)


def test_refresh_rotates_and_keeps_the_session(world: World) -> None:
    register(world)
    first = log_in(world)
    world.clock.advance(timedelta(minutes=5))
    second = refresh(world, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.session.id == first.session.id
    assert second.session.last_used_at == world.clock.now()
    assert authenticate(world, second.access_token).id == first.user.id
    assert "token_refreshed" in world.security_log.types()


def test_a_spent_token_revokes_the_whole_session(world: World) -> None:
    register(world)
    first = log_in(world)
    second = refresh(world, first.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        refresh(world, first.refresh_token)
    assert "refresh_token_reused" in world.security_log.types()
    with pytest.raises(InvalidRefreshToken):
        refresh(world, second.refresh_token)
    with pytest.raises(InvalidToken):
        authenticate(world, second.access_token)


@pytest.mark.parametrize("token", ["", "unknown", "x" * 43])
def test_unknown_tokens_are_refused(world: World, token: str) -> None:
    with pytest.raises(InvalidRefreshToken):
        refresh(world, token)


def test_idle_and_absolute_expiry(world: World) -> None:
    register(world)
    idle = log_in(world)
    world.clock.advance(LIFETIMES.idle + timedelta(seconds=1))
    with pytest.raises(InvalidRefreshToken):
        refresh(world, idle.refresh_token)

    busy = log_in(world)
    token = busy.refresh_token
    for _ in range(4):  # used every 6 days: never idle for 7 ...
        world.clock.advance(timedelta(days=6))
        token = refresh(world, token).refresh_token
    world.clock.advance(timedelta(days=6))  # ... but 30 days old now
    with pytest.raises(InvalidRefreshToken):
        refresh(world, token)


def test_logout_ends_one_session_and_is_idempotent(world: World) -> None:
    register(world)
    phone, laptop = log_in(world), log_in(world)
    logout = world.container.logout()
    logout.execute(LogoutCommand(phone.refresh_token))
    logout.execute(LogoutCommand(phone.refresh_token))
    logout.execute(LogoutCommand("never issued"))
    with pytest.raises(InvalidToken):
        authenticate(world, phone.access_token)
    with pytest.raises(InvalidRefreshToken):
        refresh(world, phone.refresh_token)
    assert authenticate(world, laptop.access_token).id == laptop.user.id


def test_logout_everywhere(world: World) -> None:
    user = register(world)
    phone, laptop = log_in(world), log_in(world)
    world.container.logout_everywhere().execute(user)
    for issued in (phone, laptop):
        with pytest.raises(InvalidToken):
            authenticate(world, issued.access_token)
        with pytest.raises(InvalidRefreshToken):
            refresh(world, issued.refresh_token)


def test_list_and_revoke_own_sessions_only(world: World) -> None:
    alice = register(world)
    bob = register(world, "bob")
    phone = log_in(world)
    world.clock.advance(timedelta(seconds=1))
    laptop = log_in(world)
    bobs = log_in(world, "bob")
    sessions = world.container.list_sessions().execute(alice)
    assert [session.id for session in sessions] == [laptop.session.id, phone.session.id]
    revoke = world.container.revoke_session()
    with pytest.raises(SessionNotFound):
        revoke.execute(RevokeSessionCommand(actor=alice, session_id=bobs.session.id))
    revoke.execute(RevokeSessionCommand(actor=alice, session_id=phone.session.id))
    with pytest.raises(SessionNotFound):
        revoke.execute(RevokeSessionCommand(actor=alice, session_id=phone.session.id))
    assert [s.id for s in world.container.list_sessions().execute(alice)] == [laptop.session.id]
    assert authenticate(world, bobs.access_token).id == bob.id


def test_an_access_token_dies_when_its_session_idles_out(world: World) -> None:
    register(world)
    issued = log_in(world)  # the fake access tokens never expire: only the session can
    world.clock.advance(LIFETIMES.idle - timedelta(seconds=1))
    assert authenticate(world, issued.access_token).id == issued.user.id
    world.clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        authenticate(world, issued.access_token)
    assert world.security_log.events[-1].details == {"reason": "session expired"}


def test_an_access_token_dies_at_its_sessions_absolute_expiry(world: World) -> None:
    register(world)
    issued = log_in(world)
    for _ in range(4):  # used every six days: never idle for a week
        world.clock.advance(timedelta(days=6))
        issued = refresh(world, issued.refresh_token)
    world.clock.advance(timedelta(days=6) - timedelta(seconds=1))  # thirty days, less a second
    assert authenticate(world, issued.access_token).id == issued.user.id
    world.clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        authenticate(world, issued.access_token)
