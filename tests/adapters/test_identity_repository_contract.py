"""Identities at providers, OIDC flows and login codes, on every adapter."""

import uuid
from datetime import UTC, timedelta, timezone

import pytest

from domain.errors import IdentityAlreadyLinked
from domain.identities import (
    FLOW_LIFETIME,
    LOGIN_CODE_LIFETIME,
    Identity,
    LoginCode,
    LoginOutcome,
    OidcFlow,
)
from domain.users import User
from tests.adapters.builders import T0, UnitOfWorkFactory, add_users, make_user

KOLKATA = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture
def alice(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Alice")
    add_users(uow_factory, user)
    return user


@pytest.fixture
def bob(uow_factory: UnitOfWorkFactory) -> User:
    user = make_user("Bob")
    add_users(uow_factory, user)
    return user


def identity_of(user: User, subject: str = "sub-1", provider: str = "corp", **extra) -> Identity:
    return Identity.link(
        user_id=user.id,
        provider=provider,
        subject=subject,
        email=extra.get("email", "a@example.com"),
        now=extra.get("now", T0),
    )


def test_an_identity_keeps_every_field_and_is_found_by_provider_and_subject(uow_factory, alice):
    identity = identity_of(alice, now=T0.astimezone(KOLKATA))
    with uow_factory() as uow:
        uow.identities.add(identity)
        uow.commit()
    with uow_factory() as uow:
        found = uow.identities.find("corp", "sub-1")
        assert found == uow.identities.get(alice.id, identity.id) == identity
        assert found is not None
        assert found.linked_at.tzinfo == UTC
        assert uow.identities.find("other", "sub-1") is None
        assert uow.identities.find("corp", "SUB-1") is None


def test_an_identity_belongs_to_one_account_only(uow_factory, alice, bob):
    with uow_factory() as uow:
        uow.identities.add(identity_of(alice))
        with pytest.raises(IdentityAlreadyLinked):
            uow.identities.add(identity_of(bob))
        # The refusal leaves the transaction usable.
        uow.identities.add(identity_of(bob, subject="sub-2"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.identities.count_for_user(alice.id) == 1
        assert uow.identities.count_for_user(bob.id) == 1


def test_identities_are_listed_oldest_first_and_removed_by_their_owner_only(
    uow_factory, alice, bob
):
    first = identity_of(alice, subject="s1", now=T0)
    second = identity_of(alice, subject="s2", provider="google", now=T0 + timedelta(hours=1))
    with uow_factory() as uow:
        uow.identities.add(second)
        uow.identities.add(first)
        uow.commit()
    with uow_factory() as uow:
        assert uow.identities.list_for_user(alice.id) == [first, second]
        assert uow.identities.list_for_user(bob.id) == []
        assert uow.identities.get(bob.id, first.id) is None
        assert uow.identities.delete(bob.id, first.id) is False
        assert uow.identities.delete(alice.id, first.id) is True
        assert uow.identities.delete(alice.id, uuid.uuid4()) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.identities.list_for_user(alice.id) == [second]


def test_deleting_a_user_deletes_their_identities_flows_and_codes(uow_factory, alice):
    with uow_factory() as uow:
        uow.identities.add(identity_of(alice))
        uow.oidc_flows.add(flow(link_user_id=alice.id))
        uow.login_codes.add(code(alice.id))
        uow.commit()
    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.identities.find("corp", "sub-1") is None
        assert uow.oidc_flows.find("state-hash") is None
        assert uow.login_codes.find("code-hash") is None


def flow(link_user_id: uuid.UUID | None = None, state_hash: str = "state-hash") -> OidcFlow:
    return OidcFlow.start(
        state_hash=state_hash,
        provider="corp",
        nonce="n" * 43,
        code_verifier="v" * 43,
        browser_hash="b" * 64,
        redirect_uri="https://client.example/done",
        link_user_id=link_user_id,
        now=T0,
    )


def code(user_id: uuid.UUID | None, code_hash: str = "code-hash") -> LoginCode:
    return LoginCode.issue(
        code_hash=code_hash, outcome=LoginOutcome.SIGN_IN, user_id=user_id, now=T0
    )


def test_a_flow_is_spent_once_and_forgotten_once_expired(uow_factory, alice):
    with uow_factory() as uow:
        uow.oidc_flows.add(flow(link_user_id=alice.id))
        uow.oidc_flows.add(flow(state_hash="other"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.oidc_flows.find("state-hash") == flow(link_user_id=alice.id)
        assert uow.oidc_flows.spend("state-hash", T0) is True
        assert uow.oidc_flows.spend("state-hash", T0) is False
        assert uow.oidc_flows.spend("unknown", T0) is False
        uow.commit()
    with uow_factory() as uow:
        found = uow.oidc_flows.find("state-hash")
        assert found is not None
        assert found.spent_at == T0
        assert not found.is_usable(T0)
        uow.oidc_flows.delete_expired(T0 + FLOW_LIFETIME)
        uow.commit()
    with uow_factory() as uow:
        assert uow.oidc_flows.find("state-hash") is None
        assert uow.oidc_flows.find("other") is None


def test_a_login_code_is_spent_once_and_forgotten_once_expired(uow_factory, alice):
    refused = LoginCode.issue(
        code_hash="refused", outcome=LoginOutcome.ACCOUNT_EXISTS, user_id=None, now=T0
    )
    with uow_factory() as uow:
        uow.login_codes.add(code(alice.id))
        uow.login_codes.add(refused)
        uow.commit()
    with uow_factory() as uow:
        assert uow.login_codes.find("refused") == refused
        assert uow.login_codes.spend("code-hash", T0) is True
        assert uow.login_codes.spend("code-hash", T0) is False
        uow.commit()
    with uow_factory() as uow:
        found = uow.login_codes.find("code-hash")
        assert found is not None
        assert (found.outcome, found.spent_at) == (LoginOutcome.SIGN_IN, T0)
        uow.login_codes.delete_expired(T0 + LOGIN_CODE_LIFETIME - timedelta(seconds=1))
        uow.commit()
    with uow_factory() as uow:
        assert uow.login_codes.find("refused") is not None
        uow.login_codes.delete_expired(T0 + LOGIN_CODE_LIFETIME)
        uow.commit()
    with uow_factory() as uow:
        assert uow.login_codes.find("refused") is None
