"""A browser's session: started by a password login, known by its cookie key, ended like any other."""

from datetime import timedelta

import pytest

from application.errors import AccountInactive, InvalidCredentials, InvalidToken
from application.secret_tokens import hash_secret_token
from application.services.session_tokens import BrowserSignIn
from application.use_cases.account.change_password import ChangePasswordCommand
from application.use_cases.auth.authenticate_browser_session import BrowserVisit
from application.use_cases.auth.login import LoginCommand
from tests.unit.builders import log_in, register
from tests.unit.conftest import LIFETIMES, STRONG_PASSWORD, World


def browser_login(
    world: World, login: str = "alice", password: str = STRONG_PASSWORD
) -> BrowserSignIn:
    return world.container.browser_login().execute(LoginCommand(login=login, password=password))


def visit(world: World, key: str) -> BrowserVisit:
    return world.container.authenticate_browser_session().execute(key)


def test_a_browser_login_starts_a_session_known_by_its_key(world: World) -> None:
    alice = register(world)
    signed_in = browser_login(world)

    assert len(signed_in.key) >= 43  # 256 bits, URL-safe base64
    assert visit(world, signed_in.key) == BrowserVisit(user=alice, session=signed_in.session)
    live = world.container.list_sessions().execute(alice)
    assert [session.id for session in live] == [signed_in.session.id]
    assert "login_succeeded" in world.security_log.types()


def test_only_the_hash_of_the_key_is_stored(world: World) -> None:
    register(world)
    signed_in = browser_login(world)
    with world.uow() as uow:
        assert uow.sessions.get_with_user_by_browser_key(hash_secret_token(signed_in.key))
        assert uow.sessions.get_with_user_by_browser_key(signed_in.key) is None


def test_every_login_gets_a_new_key(world: World) -> None:
    register(world)
    first, second = browser_login(world), browser_login(world)
    assert first.key != second.key
    assert first.session.id != second.session.id


def test_a_wrong_password_starts_nothing(world: World) -> None:
    alice = register(world)
    with pytest.raises(InvalidCredentials):
        browser_login(world, password="wrong password")
    assert world.container.list_sessions().execute(alice) == []


@pytest.mark.parametrize("key", ["", "unknown", "x" * 43])
def test_unknown_keys_are_refused(world: World, key: str) -> None:
    with pytest.raises(InvalidToken):
        visit(world, key)


def test_logout_ends_the_browser_session_and_is_idempotent(world: World) -> None:
    register(world)
    signed_in = browser_login(world)
    logout = world.container.logout_browser()
    logout.execute(signed_in.key)
    logout.execute(signed_in.key)
    logout.execute("never issued")
    with pytest.raises(InvalidToken):
        visit(world, signed_in.key)
    assert world.security_log.types().count("logout") == 1


def test_logout_everywhere_from_the_api_ends_the_browser_session(world: World) -> None:
    alice = register(world)
    signed_in = browser_login(world)
    world.container.logout_everywhere().execute(alice)
    with pytest.raises(InvalidToken):
        visit(world, signed_in.key)


def test_an_api_login_leaves_the_browser_session_alone(world: World) -> None:
    register(world)
    signed_in = browser_login(world)
    log_in(world)
    assert visit(world, signed_in.key).session.id == signed_in.session.id


def test_a_password_change_in_the_browser_keeps_it_signed_in_under_a_new_key(world: World) -> None:
    alice = register(world)
    signed_in, api = browser_login(world), log_in(world)
    command = ChangePasswordCommand(alice.id, STRONG_PASSWORD, "a brand new passphrase here")
    changed = world.container.change_password_in_browser().execute(command)

    assert changed.key != signed_in.key
    assert visit(world, changed.key).user.id == alice.id
    with pytest.raises(InvalidToken):
        visit(world, signed_in.key)
    with pytest.raises(InvalidToken):
        world.container.authenticate_access_token().execute(api.access_token)


def test_a_deactivated_user_is_signed_out(world: World) -> None:
    alice = register(world)
    signed_in = browser_login(world)
    with world.uow() as uow:
        stored = uow.users.get(alice.id)
        assert stored is not None
        stored.is_active = False
        uow.users.update(stored)
        uow.commit()
    with pytest.raises(AccountInactive):
        visit(world, signed_in.key)


def test_each_visit_moves_the_idle_expiry_on_but_never_past_the_absolute_one(world: World) -> None:
    register(world)
    key = browser_login(world).key
    for _ in range(4):  # used every 6 days: never idle for 7 ...
        world.clock.advance(timedelta(days=6))
        session = visit(world, key).session
        assert session.idle_expires_at > world.clock.now()
    world.clock.advance(timedelta(days=6))  # ... but 30 days old now
    with pytest.raises(InvalidToken):
        visit(world, key)


def test_an_idle_browser_session_expires(world: World) -> None:
    register(world)
    key = browser_login(world).key
    world.clock.advance(LIFETIMES.idle + timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        visit(world, key)


def test_visits_within_a_minute_write_nothing(world: World) -> None:
    register(world)
    signed_in = browser_login(world)
    world.clock.advance(timedelta(seconds=30))
    visit(world, signed_in.key)
    with world.uow() as uow:
        stored = uow.sessions.get(signed_in.session.id)
    assert stored is not None
    assert stored.last_used_at == signed_in.session.last_used_at
