"""Sign-in with an external provider: the use cases on a fake provider and the memory store."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from dependency_injector import providers

from application.errors import (
    AccountInactive,
    InvalidLoginCode,
    InvalidOidcState,
    InvalidRedirectUri,
    MfaRequired,
    OidcError,
    TooManyAttempts,
    UnknownProvider,
)
from application.ports.audit import AuditEventType
from application.ports.identity_provider import VerifiedClaims
from application.request_context import RequestContext, set_current_request
from application.secret_tokens import hash_secret_token
from application.services.session_tokens import IssuedTokens
from application.use_cases.oidc import complete_oidc_sign_in
from application.use_cases.oidc.complete_oidc_sign_in import (
    CompleteOidcSignInCommand,
    OidcCallbackResult,
    username_base,
)
from application.use_cases.oidc.exchange_login_code import ExchangeLoginCodeCommand
from application.use_cases.oidc.list_identities import ListIdentitiesQuery
from application.use_cases.oidc.start_oidc_sign_in import StartOidcSignIn, StartOidcSignInCommand
from application.use_cases.oidc.unlink_identity import UnlinkIdentityCommand
from application.use_cases.passkeys.remove_passkey import RemovePasskeyCommand
from domain.errors import AccountExists, IdentityNotFound, LastCredential
from domain.passkeys import Passkey
from domain.users import User
from tests.unit.builders import register, stored
from tests.unit.conftest import SETTINGS, World
from tests.unit.fakes import FakeIdentityProvider, FakeIdentityProviders
from tests.unit.test_mfa_use_cases import audit_events

CLIENT = "https://client.example/done"


@dataclass
class Oidc:
    world: World
    provider: FakeIdentityProvider

    def start(self, *, redirect_uri: str | None = CLIENT, link: uuid.UUID | None = None) -> str:
        """Start a flow; the state cookie's value (the browser binding)."""
        use_case = StartOidcSignIn(
            uow=self.world.uow(),
            providers=self.world.container.identity_providers(),
            clock=self.world.clock,
            throttle=self.world.throttle,
            redirect_allowlist={CLIENT},
        )
        started = use_case.execute(
            StartOidcSignInCommand(provider="corp", redirect_uri=redirect_uri, link_user_id=link)
        )
        return started.browser_binding

    def complete(
        self, state: str, code: str | None, binding: str | None, error: str | None = None
    ) -> OidcCallbackResult:
        return self.world.container.complete_oidc_sign_in().execute(
            CompleteOidcSignInCommand(
                provider="corp", state=state, code=code, error=error, browser_binding=binding
            )
        )

    def login_code(self, claims: VerifiedClaims, link: uuid.UUID | None = None) -> str:
        binding = self.start(link=link)
        state, code = self.provider.approve(claims)
        result = self.complete(state, code, binding)
        assert result.login_code is not None, result
        return result.login_code

    def exchange(self, login_code: str) -> IssuedTokens:
        return self.world.container.exchange_login_code().execute(
            ExchangeLoginCodeCommand(login_code)
        )

    def sign_in(self, claims: VerifiedClaims, link: uuid.UUID | None = None) -> User:
        return self.exchange(self.login_code(claims, link)).user


@pytest.fixture
def oidc(world: World) -> Oidc:
    provider = FakeIdentityProvider()
    world.container.identity_providers.override(providers.Object(FakeIdentityProviders(provider)))
    return Oidc(world, provider)


def claims(
    subject: str = "s-1", email: str | None = "carol@example.com", verified: bool = True
) -> VerifiedClaims:
    return VerifiedClaims(subject=subject, email=email, email_verified=verified, name="Carol")


def verify_email(world: World, user: User, *, mfa: bool = False) -> None:
    with world.uow() as uow:
        current = uow.users.get_for_update(user.id)
        assert current is not None
        current.email_verified, current.mfa_enabled = True, mfa
        uow.users.update(current)
        uow.commit()


# --- Starting -------------------------------------------------------------------------------


def test_a_flow_needs_a_known_provider_and_an_allowed_redirect_uri(oidc: Oidc) -> None:
    with pytest.raises(UnknownProvider):
        StartOidcSignIn(
            uow=oidc.world.uow(),
            providers=FakeIdentityProviders(),
            clock=oidc.world.clock,
            throttle=oidc.world.throttle,
            redirect_allowlist={CLIENT},
        ).execute(StartOidcSignInCommand(provider="corp"))
    with pytest.raises(InvalidRedirectUri):
        oidc.start(redirect_uri=CLIENT + "/")


def test_a_flow_keeps_only_hashes_of_the_state_and_the_browser_binding(oidc: Oidc) -> None:
    binding = oidc.start()
    [asked] = oidc.provider.requests
    with oidc.world.uow() as uow:
        flow = uow.oidc_flows.find(hash_secret_token(asked["state"]))
    assert flow is not None
    assert flow.browser_hash == hash_secret_token(binding)
    assert (flow.nonce, flow.code_verifier) == (asked["nonce"], asked["code_verifier"])
    assert len({asked["state"], asked["nonce"], asked["code_verifier"], binding}) == 4


# --- Completing -----------------------------------------------------------------------------


def test_a_first_sign_in_creates_an_account_without_a_password(oidc: Oidc) -> None:
    user = oidc.sign_in(claims())
    assert (user.username, user.email, user.email_verified) == ("carol", "carol@example.com", True)
    assert (user.has_password, user.full_name) == (False, "Carol")
    assert oidc.world.hasher.verify(user.password_hash, "") is False
    assert oidc.sign_in(claims()).id == user.id
    events = audit_events(oidc.world, AuditEventType.OIDC_LOGIN)
    assert [event["user_id"] for event in events] == [user.id, user.id]


def test_a_name_taken_between_its_check_and_the_insert_gets_a_suffix(
    oidc: Oidc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first sign-ins with one preferred name: the one that found it free too early (the
    other committed in between) takes a suffixed name instead of failing."""
    register(oidc.world, "carol", email="other-carol@example.com")
    monkeypatch.setattr(complete_oidc_sign_in, "_free_username", lambda *_: "carol")
    user = oidc.sign_in(claims())
    assert user.username.startswith("carol-")
    assert user.email == "carol@example.com"


def test_a_username_is_made_of_what_the_claims_offer() -> None:
    def base(**values: str | None) -> str:
        return username_base(VerifiedClaims(subject="s", **values), "j.doe+x@example.com")  # type: ignore[arg-type]

    assert base(preferred_username="Jane Doe!") == "Jane.Doe"
    assert base() == "j.doex"
    assert base(preferred_username="李") == "j.doex"
    assert username_base(VerifiedClaims(subject="s"), "é@example.com") == "user"
    assert len(base(preferred_username="x" * 40)) == 27


def test_an_email_match_links_only_when_both_sides_are_verified_and_mfa_is_off(
    oidc: Oidc,
) -> None:
    alice = register(oidc.world, "alice")
    cases = [
        (claims("s-1", "alice@example.com", verified=True), False),  # local unverified
        (claims("s-2", "alice@example.com", verified=False), True),  # provider unverified
    ]
    for provider_claims, local_verified in cases:
        if local_verified:
            verify_email(oidc.world, alice)
        with pytest.raises(AccountExists):
            oidc.sign_in(provider_claims)
    verify_email(oidc.world, alice, mfa=True)
    with pytest.raises(AccountExists):
        oidc.sign_in(claims("s-3", "alice@example.com"))
    verify_email(oidc.world, alice, mfa=False)
    assert oidc.sign_in(claims("s-4", "ALICE@example.com")).id == alice.id
    with oidc.world.uow() as uow:
        assert [i.subject for i in uow.identities.list_for_user(alice.id)] == ["s-4"]


def test_linking_while_signed_in_links_to_the_caller_whatever_the_email(oidc: Oidc) -> None:
    alice = register(oidc.world, "alice")
    linked = oidc.sign_in(claims("s-9", "someone@else.example", verified=False), link=alice.id)
    assert linked.id == alice.id
    identities = oidc.world.container.list_identities().execute(
        ListIdentitiesQuery(user_id=alice.id)
    )
    assert [(i.provider, i.subject) for i in identities] == [("corp", "s-9")]
    events = audit_events(oidc.world, AuditEventType.IDENTITY_LINKED)
    assert [event["user_id"] for event in events] == [alice.id]
    # An identity already linked elsewhere is not moved.
    bob = register(oidc.world, "bob")
    with pytest.raises(AccountExists):
        oidc.sign_in(claims("s-9"), link=bob.id)


def test_a_deactivated_account_cannot_sign_in(oidc: Oidc) -> None:
    user = oidc.sign_in(claims())
    with oidc.world.uow() as uow:
        current = uow.users.get_for_update(user.id)
        assert current is not None
        current.is_active = False
        uow.users.update(current)
        uow.commit()
    with pytest.raises(AccountInactive):
        oidc.sign_in(claims())
    refused = audit_events(oidc.world, AuditEventType.OIDC_FAILED)
    assert [event["reason"] for event in refused] == ["account_inactive"]


def test_a_state_works_once_for_ten_minutes_in_the_browser_that_started_it(oidc: Oidc) -> None:
    binding = oidc.start()
    state, code = oidc.provider.approve(claims())
    with pytest.raises(InvalidOidcState):
        oidc.complete(state, code, "another-browsers-cookie")
    with pytest.raises(InvalidOidcState):
        oidc.complete(state, code, binding)  # spent by the attempt above
    binding = oidc.start()
    state, code = oidc.provider.approve(claims())
    oidc.world.clock.advance(timedelta(minutes=10))
    with pytest.raises(InvalidOidcState):
        oidc.complete(state, code, binding)
    with pytest.raises(InvalidOidcState):
        oidc.complete("made-up", code, binding)


def test_a_failed_provider_step_is_an_error_for_the_client_and_no_code(oidc: Oidc) -> None:
    binding = oidc.start()
    state, _ = oidc.provider.approve(claims())
    result = oidc.complete(state, None, binding, error="access_denied")
    assert result == OidcCallbackResult(redirect_uri=CLIENT, error="oidc_error")
    # The web pages get the error as a page; a code from another flow fails the same way.
    binding = oidc.start(redirect_uri=None)
    state, _ = oidc.provider.approve(claims())
    with pytest.raises(OidcError):
        oidc.complete(state, "code-of-another-flow", binding)
    reasons = [e["reason"] for e in audit_events(oidc.world, AuditEventType.OIDC_FAILED)]
    assert reasons == ["provider_error", "provider_step_failed"]


def test_a_provider_without_an_email_cannot_create_an_account(oidc: Oidc) -> None:
    binding = oidc.start()
    state, code = oidc.provider.approve(claims(email=None))
    assert oidc.complete(state, code, binding).error == "oidc_error"


# --- Exchanging -----------------------------------------------------------------------------


def test_a_login_code_works_once_within_sixty_seconds(oidc: Oidc) -> None:
    code = oidc.login_code(claims())
    assert oidc.exchange(code).user.email == "carol@example.com"
    with pytest.raises(InvalidLoginCode):
        oidc.exchange(code)
    late = oidc.login_code(claims())
    oidc.world.clock.advance(timedelta(seconds=60))
    with pytest.raises(InvalidLoginCode):
        oidc.exchange(late)


def test_a_second_factor_is_still_asked(oidc: Oidc) -> None:
    user = oidc.sign_in(claims())
    verify_email(oidc.world, user, mfa=True)
    with pytest.raises(MfaRequired):
        oidc.sign_in(claims())


# --- Unlinking ------------------------------------------------------------------------------


def test_the_last_way_to_sign_in_cannot_be_unlinked(oidc: Oidc) -> None:
    user = oidc.sign_in(claims())
    unlink = oidc.world.container.unlink_identity()
    with oidc.world.uow() as uow:
        [identity] = uow.identities.list_for_user(user.id)
    with pytest.raises(LastCredential):
        unlink.execute(UnlinkIdentityCommand(user_id=user.id, identity_id=identity.id))
    with pytest.raises(IdentityNotFound):
        unlink.execute(UnlinkIdentityCommand(user_id=user.id, identity_id=uuid.uuid4()))
    # With a passkey as well, the identity can go; then the passkey is the last way in.
    passkey = Passkey.register(
        user_id=user.id,
        credential_id=b"cred",
        public_key=b"key",
        sign_count=0,
        transports=(),
        name="Key",
        now=oidc.world.clock.now(),
    )
    with oidc.world.uow() as uow:
        uow.passkeys.add(passkey)
        uow.commit()
    unlink.execute(UnlinkIdentityCommand(user_id=user.id, identity_id=identity.id))
    assert audit_events(oidc.world, AuditEventType.IDENTITY_UNLINKED)[0]["user_id"] == user.id
    with pytest.raises(LastCredential):
        oidc.world.container.remove_passkey().execute(
            RemovePasskeyCommand(user_id=user.id, passkey_id=passkey.id)
        )
    assert stored(oidc.world, user).has_password is False


def test_a_password_reset_gives_a_provider_made_account_a_password(oidc: Oidc) -> None:
    user = oidc.sign_in(claims())
    current = stored(oidc.world, user)
    current.change_password_hash("fake$v1$new password", oidc.world.clock.now())
    assert current.has_password is True


@contextmanager
def request_from(ip: str) -> Iterator[None]:
    set_current_request(RequestContext(ip=ip))
    try:
        yield
    finally:
        set_current_request(RequestContext())


def test_starting_flows_is_limited_per_ip(oidc: Oidc) -> None:
    """Each start stores a flow: one IP cannot fill the table."""
    limit = SETTINGS.login_max_attempts_per_ip_per_minute
    with request_from("203.0.113.7"):
        for _ in range(limit):
            oidc.start()
        with pytest.raises(TooManyAttempts):
            oidc.start()
    with request_from("203.0.113.8"):
        oidc.start()
