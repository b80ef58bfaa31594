"""Passkeys in the application: adding, listing and removing them, signing in without a password,
the second factor after one, and an admin's reset (SECURITY 69-70, 64-66 for the passkey path).

The ceremonies are a fake (FakePasskeys) that is also the authenticator, so each rule of the use
cases is exact here: challenges (single use, 5 minutes, purpose, account), the counter, the
account handle, user verification. The real cryptography is tested in the adapter's tests.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.errors import (
    AccountInactive,
    InvalidCurrentPassword,
    InvalidMfaCode,
    InvalidMfaToken,
    InvalidPasskey,
    RefusedMfaCode,
    RefusedPasskey,
    TooManyAttempts,
)
from application.ports.audit import AuditEventType
from application.request_context import RequestContext, set_current_request
from application.services.authorization import OPERATOR
from application.services.passkeys import hash_challenge
from application.use_cases.mfa.reset_mfa import ResetMfaCommand
from application.use_cases.mfa.verify_mfa import VerifyMfaCommand
from application.use_cases.passkeys.begin_passkey_login import BeginPasskeyLoginCommand
from application.use_cases.passkeys.begin_passkey_registration import (
    BeginPasskeyRegistrationCommand,
)
from application.use_cases.passkeys.list_passkeys import ListPasskeysQuery
from application.use_cases.passkeys.passkey_login import PasskeyLoginCommand
from application.use_cases.passkeys.register_passkey import RegisterPasskeyCommand
from application.use_cases.passkeys.remove_passkey import RemovePasskeyCommand
from domain.credentials import ensure_a_credential_remains
from domain.errors import (
    InvalidField,
    LastCredential,
    PasskeyAlreadyRegistered,
    PasskeyNotFound,
)
from domain.passkeys import (
    CHALLENGE_LIFETIME,
    ChallengePurpose,
    Passkey,
    WebAuthnChallenge,
    validate_passkey_name,
)
from domain.users import User
from tests.unit.builders import log_in, register, stored
from tests.unit.conftest import STRONG_PASSWORD, World
from tests.unit.test_mfa_use_cases import audit_events, current_code, enable, second_step

Options = dict[str, Any]


@dataclass
class Registered:
    passkey: Passkey
    credential_id: bytes


def registration_options(
    world: World, user: User, *, password: str | None = STRONG_PASSWORD, code: str | None = None
) -> Options:
    return world.container.begin_passkey_registration().execute(
        BeginPasskeyRegistrationCommand(user_id=user.id, password=password, code=code)
    )


def register_passkey(
    world: World, user: User, credential: dict[str, Any], name: str = "Laptop"
) -> Passkey:
    return world.container.register_passkey().execute(
        RegisterPasskeyCommand(user_id=user.id, credential=credential, name=name)
    )


def add_passkey(world: World, user: User, name: str = "Laptop") -> Registered:
    credential = world.passkeys.create(registration_options(world, user))
    passkey = register_passkey(world, user, credential, name)
    return Registered(passkey, passkey.credential_id)


def login_options(world: World, username: str | None = None) -> Options:
    return world.container.begin_passkey_login().execute(
        BeginPasskeyLoginCommand(username=username)
    )


def passkey_login(world: World, assertion: dict[str, Any]) -> Any:
    return world.container.passkey_login().execute(PasskeyLoginCommand(assertion))


def passkeys_of(world: World, user: User) -> list[Passkey]:
    return world.container.list_passkeys().execute(ListPasskeysQuery(user_id=user.id))


def remove(
    world: World,
    user: User,
    passkey_id: uuid.UUID,
    *,
    password: str | None = STRONG_PASSWORD,
    code: str | None = None,
) -> None:
    world.container.remove_passkey().execute(
        RemovePasskeyCommand(user_id=user.id, passkey_id=passkey_id, password=password, code=code)
    )


def challenge_of(world: World, options: Options) -> WebAuthnChallenge:
    with world.uow() as uow:
        found = uow.webauthn_challenges.find(hash_challenge(bytes.fromhex(options["challenge"])))
    assert found is not None
    return found


def without_password(world: World, user: User) -> User:
    """An account made through an identity provider: it has no password."""
    with world.uow() as uow:
        current = uow.users.get_for_update(user.id)
        assert current is not None
        current.has_password = False
        uow.users.update(current)
        uow.commit()
    return stored(world, user)


@pytest.fixture
def alice(world: World) -> User:
    return register(world, "alice")


@pytest.fixture
def bob(world: World) -> User:
    return register(world, "bob")


class TestDomain:
    def test_a_name_is_trimmed_one_to_sixty_four_characters_without_control_characters(
        self,
    ) -> None:
        assert validate_passkey_name("  Work laptop ") == "Work laptop"
        assert validate_passkey_name("x" * 64) == "x" * 64
        for bad in ("", "   ", "x" * 65, "tab\there", "line\nbreak", "del\x7f"):
            with pytest.raises(InvalidField):
                validate_passkey_name(bad)

    @pytest.mark.parametrize(
        ("stored_count", "new_count", "accepted"),
        [(0, 0, True), (0, 1, True), (5, 6, True), (5, 5, False), (5, 4, False), (5, 0, False)],
    )
    def test_the_counter_must_move_forward_unless_the_authenticator_keeps_none(
        self, stored_count: int, new_count: int, accepted: bool
    ) -> None:
        passkey = Passkey.register(
            user_id=uuid.uuid4(),
            credential_id=b"id",
            public_key=b"key",
            sign_count=stored_count,
            transports=(),
            name="Key",
            now=datetime.now(UTC),
        )
        assert passkey.accepts_sign_count(new_count) is accepted

    def test_an_account_without_a_password_keeps_a_passkey(self) -> None:
        ensure_a_credential_remains(has_password=True, passkeys_left=0)
        ensure_a_credential_remains(has_password=False, passkeys_left=1)
        with pytest.raises(LastCredential):
            ensure_a_credential_remains(has_password=False, passkeys_left=0)

    def test_a_linked_identity_is_a_way_to_sign_in_too(self) -> None:
        ensure_a_credential_remains(has_password=False, passkeys_left=0, identities_left=1)
        with pytest.raises(LastCredential):
            ensure_a_credential_remains(has_password=False, passkeys_left=0, identities_left=0)

    def test_a_challenge_serves_its_purpose_and_its_account(self, world: World) -> None:
        alice, bob = uuid.uuid4(), uuid.uuid4()
        now = world.clock.now()
        registration = WebAuthnChallenge.issue(
            challenge_hash="h", purpose=ChallengePurpose.REGISTRATION, user_id=alice, now=now
        )
        bound = WebAuthnChallenge.issue(
            challenge_hash="h", purpose=ChallengePurpose.AUTHENTICATION, user_id=alice, now=now
        )
        unbound = WebAuthnChallenge.issue(
            challenge_hash="h", purpose=ChallengePurpose.AUTHENTICATION, user_id=None, now=now
        )
        assert registration.allows(ChallengePurpose.REGISTRATION, alice)
        assert not registration.allows(ChallengePurpose.REGISTRATION, bob)
        assert not registration.allows(ChallengePurpose.AUTHENTICATION, alice)
        assert bound.allows(ChallengePurpose.AUTHENTICATION, alice)
        assert not bound.allows(ChallengePurpose.AUTHENTICATION, bob)
        assert unbound.allows(ChallengePurpose.AUTHENTICATION, bob)
        assert bound.is_usable(now + CHALLENGE_LIFETIME - timedelta(microseconds=1))
        assert not bound.is_usable(now + CHALLENGE_LIFETIME)


class TestRegistration:
    def test_options_carry_a_challenge_bound_to_the_account_and_exclude_its_passkeys(
        self, world: World, alice: User
    ) -> None:
        first = add_passkey(world, alice)

        options = registration_options(world, alice)

        challenge = challenge_of(world, options)
        assert (challenge.purpose, challenge.user_id) == (ChallengePurpose.REGISTRATION, alice.id)
        assert challenge.expires_at == world.clock.now() + CHALLENGE_LIFETIME
        assert options["user"] == {
            "id": alice.id.bytes.hex(),
            "name": "alice",
            "displayName": "alice",
        }
        assert options["excludeCredentials"] == [first.credential_id.hex()]

    @pytest.mark.parametrize("password", ["wrong password", None])
    def test_options_need_the_password_and_wrong_ones_count(
        self, world: World, alice: User, password: str | None
    ) -> None:
        with pytest.raises(InvalidCurrentPassword):
            registration_options(world, alice, password=password)
        assert world.limiter.hits  # counted against the account
        assert world.database.begin().webauthn_challenges == {}
        world.database.end()

    def test_an_account_without_a_password_with_totp_on_gives_a_code_instead(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        without_password(world, alice)

        with pytest.raises(InvalidMfaCode):
            registration_options(world, alice, password=None, code="000000")
        with pytest.raises(InvalidMfaCode):
            registration_options(world, alice, password=STRONG_PASSWORD, code=None)
        world.clock.advance(timedelta(seconds=30))
        options = registration_options(world, alice, code=current_code(world, enabled.secret))

        assert options["challenge"]
        assert len(audit_events(world, AuditEventType.MFA_FAILED)) == 2

    def test_an_account_without_a_password_nor_totp_has_nothing_more_to_give(
        self, world: World, alice: User
    ) -> None:
        without_password(world, alice)

        assert registration_options(world, alice, password=None)["challenge"]

    def test_a_passkey_is_added_with_its_name_audited_and_its_owner_told(
        self, world: World, alice: User
    ) -> None:
        credential = world.passkeys.create(registration_options(world, alice))

        passkey = register_passkey(world, alice, credential, "  Work laptop ")

        assert passkey.name == "Work laptop"
        assert (passkey.user_id, passkey.sign_count, passkey.last_used_at) == (alice.id, 0, None)
        assert passkeys_of(world, alice) == [passkey]
        assert audit_events(world, AuditEventType.PASSKEY_ADDED) == [
            {
                "user_id": alice.id,
                "actor_id": alice.id,
                "passkey_id": str(passkey.id),
                "name": "Work laptop",
            }
        ]
        assert world.emails.sent[-1].subject == "A passkey was added"
        assert "Work laptop" in world.emails.sent[-1].body

    def test_a_challenge_registers_once(self, world: World, alice: User) -> None:
        options = registration_options(world, alice)
        register_passkey(world, alice, world.passkeys.create(options))

        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, world.passkeys.create(options))

    def test_a_challenge_expires_after_five_minutes(self, world: World, alice: User) -> None:
        options = registration_options(world, alice)
        world.clock.advance(CHALLENGE_LIFETIME)

        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, world.passkeys.create(options))

    def test_a_refused_credential_spends_its_challenge(self, world: World, alice: User) -> None:
        options = registration_options(world, alice)

        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, world.passkeys.create(options, genuine=False))
        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, world.passkeys.create(options))
        assert passkeys_of(world, alice) == []

    @pytest.mark.parametrize("tampering", [{"genuine": False}, {"user_verified": False}])
    def test_another_origin_or_rp_id_or_no_user_verification_is_refused(
        self, world: World, alice: User, tampering: dict[str, bool]
    ) -> None:
        credential = world.passkeys.create(registration_options(world, alice), **tampering)

        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, credential)

    def test_another_accounts_options_or_a_sign_in_challenge_are_refused(
        self, world: World, alice: User, bob: User
    ) -> None:
        bobs = world.passkeys.create(registration_options(world, bob))
        sign_in = login_options(world, "alice")
        sign_in_credential = world.passkeys.create({**sign_in, "user": {"id": "00"}})

        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, bobs)
        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, sign_in_credential)
        assert passkeys_of(world, alice) == []

    def test_a_credential_is_registered_once(self, world: World, alice: User, bob: User) -> None:
        first = add_passkey(world, alice)
        again = world.passkeys.create(registration_options(world, bob))
        again["credential_id"] = first.credential_id.hex()

        with pytest.raises(PasskeyAlreadyRegistered) as refused:
            register_passkey(world, bob, again)
        assert refused.value.code == "invalid_passkey"

    def test_malformed_credentials_and_names_are_refused(self, world: World, alice: User) -> None:
        credential = world.passkeys.create(registration_options(world, alice))
        with pytest.raises(InvalidPasskey):
            register_passkey(world, alice, {"junk": True})
        with pytest.raises(InvalidField):
            register_passkey(world, alice, credential, name="")


class TestListAndRemove:
    def test_the_list_is_the_callers_newest_first(
        self, world: World, alice: User, bob: User
    ) -> None:
        first = add_passkey(world, alice, "First")
        world.clock.advance(timedelta(seconds=1))
        second = add_passkey(world, alice, "Second")
        add_passkey(world, bob)

        assert passkeys_of(world, alice) == [second.passkey, first.passkey]

    def test_removing_needs_the_password_and_is_audited(self, world: World, alice: User) -> None:
        added = add_passkey(world, alice)

        with pytest.raises(InvalidCurrentPassword):
            remove(world, alice, added.passkey.id, password="wrong password")
        remove(world, alice, added.passkey.id)

        assert passkeys_of(world, alice) == []
        (event,) = audit_events(world, AuditEventType.PASSKEY_REMOVED)
        assert event["passkey_id"] == str(added.passkey.id)
        assert world.emails.sent[-1].subject == "A passkey was removed"

    def test_another_users_passkey_or_none_is_not_found(
        self, world: World, alice: User, bob: User
    ) -> None:
        bobs = add_passkey(world, bob)

        for passkey_id in (bobs.passkey.id, uuid.uuid4()):
            with pytest.raises(PasskeyNotFound):
                remove(world, alice, passkey_id)
        assert passkeys_of(world, bob) == [bobs.passkey]

    def test_the_last_passkey_of_an_account_without_a_password_stays(
        self, world: World, alice: User
    ) -> None:
        first, second = add_passkey(world, alice), add_passkey(world, alice)
        without_password(world, alice)

        remove(world, alice, first.passkey.id, password=None)
        with pytest.raises(LastCredential):
            remove(world, alice, second.passkey.id, password=None)

        assert passkeys_of(world, alice) == [second.passkey]

    def test_with_a_password_the_last_passkey_may_go(self, world: World, alice: User) -> None:
        added = add_passkey(world, alice)

        remove(world, alice, added.passkey.id)

        assert passkeys_of(world, alice) == []

    def test_without_a_password_but_with_totp_a_code_is_asked(
        self, world: World, alice: User
    ) -> None:
        enabled = enable(world, alice)
        first, _ = add_passkey(world, alice), add_passkey(world, alice)
        without_password(world, alice)

        with pytest.raises(InvalidMfaCode):
            remove(world, alice, first.passkey.id, password=None, code="123456")
        world.clock.advance(timedelta(seconds=30))
        remove(world, alice, first.passkey.id, code=current_code(world, enabled.secret))

        assert len(passkeys_of(world, alice)) == 1


class TestLoginOptions:
    def test_an_unknown_username_gets_options_that_look_the_same(
        self, world: World, alice: User
    ) -> None:
        add_passkey(world, alice)

        known, unknown = login_options(world, "alice"), login_options(world, "nobody")
        none = login_options(world)

        assert set(known) == set(unknown) == set(none)
        assert known["allowCredentials"] == unknown["allowCredentials"] == []
        assert len({known["challenge"], unknown["challenge"], none["challenge"]}) == 3
        assert challenge_of(world, known).user_id == alice.id
        assert challenge_of(world, unknown).user_id is None
        assert challenge_of(world, none).user_id is None

    def test_an_email_names_the_account_too(self, world: World, alice: User) -> None:
        assert challenge_of(world, login_options(world, "ALICE@example.com")).user_id == alice.id

    def test_many_requests_from_one_ip_are_refused(self, world: World) -> None:
        set_current_request(RequestContext(ip="198.51.100.7", user_agent="pytest"))
        try:
            for _ in range(60):
                login_options(world)
            with pytest.raises(TooManyAttempts):
                login_options(world)
        finally:
            set_current_request(RequestContext())

    def test_expired_challenges_are_forgotten_when_new_ones_are_made(self, world: World) -> None:
        old = login_options(world)
        world.clock.advance(CHALLENGE_LIFETIME)

        login_options(world)

        with world.uow() as uow:
            assert (
                uow.webauthn_challenges.find(hash_challenge(bytes.fromhex(old["challenge"])))
                is None
            )


class TestPasskeyLogin:
    def test_a_passkey_signs_in_without_a_password_audited_and_told(
        self, world: World, alice: User
    ) -> None:
        added = add_passkey(world, alice)

        issued = passkey_login(world, world.passkeys.get(login_options(world), added.credential_id))

        assert issued.user.id == alice.id
        (used,) = passkeys_of(world, alice)
        assert (used.sign_count, used.last_used_at) == (1, world.clock.now())
        (event,) = audit_events(world, AuditEventType.PASSKEY_LOGIN)
        assert event["session_id"] == str(issued.session.id)
        assert event["passkey_id"] == str(added.passkey.id)
        assert world.emails.sent[-1].subject == "New sign-in with a passkey"

    def test_with_totp_on_a_passkey_still_signs_in_on_its_own(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)

        issued = passkey_login(world, world.passkeys.get(login_options(world), added.credential_id))

        assert issued.user.id == alice.id

    def test_the_browser_variant_starts_a_browser_session(self, world: World, alice: User) -> None:
        added = add_passkey(world, alice)
        assertion = world.passkeys.get(login_options(world), added.credential_id)

        signed_in = world.container.passkey_login_in_browser().execute(
            PasskeyLoginCommand(assertion)
        )

        assert signed_in.key
        assert signed_in.user.id == alice.id

    def test_a_challenge_signs_in_once(self, world: World, alice: User) -> None:
        added = add_passkey(world, alice)
        options = login_options(world)
        passkey_login(world, world.passkeys.get(options, added.credential_id))

        with pytest.raises(RefusedPasskey):
            passkey_login(world, world.passkeys.get(options, added.credential_id))

    def test_a_challenge_expires_after_five_minutes(self, world: World, alice: User) -> None:
        added = add_passkey(world, alice)
        options = login_options(world)
        world.clock.advance(CHALLENGE_LIFETIME)

        with pytest.raises(RefusedPasskey):
            passkey_login(world, world.passkeys.get(options, added.credential_id))

    def test_a_refused_assertion_spends_its_challenge_and_is_audited(
        self, world: World, alice: User
    ) -> None:
        added = add_passkey(world, alice)
        options = login_options(world)

        with pytest.raises(RefusedPasskey):
            passkey_login(world, world.passkeys.get(options, added.credential_id, genuine=False))
        with pytest.raises(RefusedPasskey):
            passkey_login(world, world.passkeys.get(options, added.credential_id))

        assert audit_events(world, AuditEventType.LOGIN_FAILED) == [
            {"user_id": alice.id, "actor_id": alice.id, "method": "passkey"}
        ]

    @pytest.mark.parametrize(
        "tampering",
        [
            {"genuine": False},  # another origin or RP ID
            {"user_verified": False},  # no PIN nor biometric: a passkey alone is not enough
            {"sign_count": 0},  # the counter moved back (1 -> 0): a cloned authenticator?
            {"sign_count": 1},  # or stood still
            {"user_handle": uuid.uuid4().bytes},  # the authenticator names another account
            {"signed_by": b"another key"},
        ],
        ids=lambda t: next(iter(t)),
    )
    def test_what_a_genuine_authenticator_would_not_say_is_refused(
        self, world: World, alice: User, tampering: dict[str, Any]
    ) -> None:
        added = add_passkey(world, alice)
        passkey_login(world, world.passkeys.get(login_options(world), added.credential_id))

        with pytest.raises(RefusedPasskey):
            passkey_login(
                world,
                world.passkeys.get(login_options(world), added.credential_id, **tampering),
            )
        (stored_passkey,) = passkeys_of(world, alice)
        assert stored_passkey.sign_count == 1

    def test_a_challenge_asked_for_another_account_is_refused(
        self, world: World, alice: User, bob: User
    ) -> None:
        add_passkey(world, bob)
        alices = add_passkey(world, alice)

        with pytest.raises(RefusedPasskey):
            passkey_login(
                world, world.passkeys.get(login_options(world, "bob"), alices.credential_id)
            )
        issued = passkey_login(
            world, world.passkeys.get(login_options(world, "alice"), alices.credential_id)
        )
        assert issued.user.id == alice.id

    def test_an_unknown_credential_is_refused_and_names_nobody(self, world: World) -> None:
        options = login_options(world)
        credential_id = uuid.uuid4().bytes  # made by the authenticator, never registered
        world.passkeys.keys[credential_id] = b"key"
        world.passkeys.counters[credential_id] = 0
        world.passkeys.handles[credential_id] = uuid.uuid4().bytes
        assertion = world.passkeys.get(options, credential_id)

        with pytest.raises(RefusedPasskey):
            passkey_login(world, assertion)
        assert audit_events(world, AuditEventType.LOGIN_FAILED) == []

    def test_an_inactive_account_is_told_so_after_its_passkey(
        self, world: World, alice: User
    ) -> None:
        added = add_passkey(world, alice)
        with world.uow() as uow:
            current = uow.users.get_for_update(alice.id)
            assert current is not None
            current.deactivate(world.clock.now())
            uow.users.update(current)
            uow.commit()

        with pytest.raises(AccountInactive):
            passkey_login(world, world.passkeys.get(login_options(world), added.credential_id))
        assert "permission_denied" in world.security_log.types()


class TestSecondFactor:
    def test_methods_name_the_passkey_and_it_completes_a_password_login(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)

        required = second_step(world)
        assertion = world.passkeys.get(login_options(world, "alice"), added.credential_id)
        issued = world.container.verify_mfa().execute(
            VerifyMfaCommand(mfa_token=required.mfa_token, passkey=assertion)
        )

        assert required.methods == ["totp", "recovery_code", "passkey"]
        assert issued.user.id == alice.id
        (event,) = [
            e for e in audit_events(world, AuditEventType.LOGIN_SUCCEEDED) if "second_factor" in e
        ]
        assert event["second_factor"] == "passkey"

    def test_without_a_passkey_the_methods_do_not_name_one(self, world: World, alice: User) -> None:
        enable(world, alice)

        assert "passkey" not in second_step(world).methods

    def test_a_passkey_alone_asks_no_second_factor_after_a_password(
        self, world: World, alice: User
    ) -> None:
        add_passkey(world, alice)

        assert log_in(world).user.id == alice.id

    def test_user_verification_is_not_required_after_a_password(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)
        required = second_step(world)
        assertion = world.passkeys.get(
            login_options(world, "alice"), added.credential_id, user_verified=False
        )

        issued = world.container.verify_mfa().execute(
            VerifyMfaCommand(required.mfa_token, passkey=assertion)
        )

        assert issued.user.id == alice.id

    def test_another_users_passkey_is_refused_and_the_token_stays(
        self, world: World, alice: User, bob: User
    ) -> None:
        enable(world, alice)
        add_passkey(world, alice)
        bobs = add_passkey(world, bob)
        required = second_step(world)
        verify = world.container.verify_mfa()

        for options in (login_options(world, "alice"), login_options(world)):
            with pytest.raises(RefusedMfaCode):
                verify.execute(
                    VerifyMfaCommand(
                        required.mfa_token,
                        passkey=world.passkeys.get(options, bobs.credential_id),
                    )
                )
        assert len(audit_events(world, AuditEventType.MFA_FAILED)) == 2
        # Not spent: the right passkey still completes the login.
        alices = passkeys_of(world, alice)[0]
        issued = verify.execute(
            VerifyMfaCommand(
                required.mfa_token,
                passkey=world.passkeys.get(login_options(world, "alice"), alices.credential_id),
            )
        )
        assert issued.user.id == alice.id

    def test_a_challenge_asked_for_another_account_is_refused(
        self, world: World, alice: User, bob: User
    ) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)
        required = second_step(world)

        with pytest.raises(RefusedMfaCode):
            world.container.verify_mfa().execute(
                VerifyMfaCommand(
                    required.mfa_token,
                    passkey=world.passkeys.get(login_options(world, "bob"), added.credential_id),
                )
            )

    def test_a_replayed_assertion_is_refused(self, world: World, alice: User) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)
        assertion = world.passkeys.get(login_options(world, "alice"), added.credential_id)
        verify = world.container.verify_mfa()
        verify.execute(VerifyMfaCommand(second_step(world).mfa_token, passkey=assertion))

        with pytest.raises(RefusedMfaCode):
            verify.execute(VerifyMfaCommand(second_step(world).mfa_token, passkey=assertion))

    def test_a_spent_mfa_token_is_refused_before_the_passkey_is_looked_at(
        self, world: World, alice: User
    ) -> None:
        enable(world, alice)
        added = add_passkey(world, alice)
        required = second_step(world)
        verify = world.container.verify_mfa()
        verify.execute(
            VerifyMfaCommand(
                required.mfa_token,
                passkey=world.passkeys.get(login_options(world, "alice"), added.credential_id),
            )
        )
        options = login_options(world, "alice")

        with pytest.raises(InvalidMfaToken):
            verify.execute(
                VerifyMfaCommand(
                    required.mfa_token, passkey=world.passkeys.get(options, added.credential_id)
                )
            )
        assert challenge_of(world, options).spent_at is None


class TestReset:
    def test_an_admins_reset_removes_the_passkeys(self, world: World, alice: User) -> None:
        add_passkey(world, alice)
        add_passkey(world, alice)

        world.container.reset_mfa().execute(ResetMfaCommand(actor=OPERATOR, user="alice"))

        assert passkeys_of(world, alice) == []
        (event,) = audit_events(world, AuditEventType.MFA_RESET)
        assert (event["was_enabled"], event["passkeys_removed"]) == (False, 2)
        assert "turned off" in world.emails.sent[-1].subject

    def test_a_reset_of_an_account_with_neither_tells_nobody(
        self, world: World, alice: User
    ) -> None:
        sent = len(world.emails.sent)

        world.container.reset_mfa().execute(ResetMfaCommand(actor=OPERATOR, user="alice"))

        (event,) = audit_events(world, AuditEventType.MFA_RESET)
        assert (event["was_enabled"], event["passkeys_removed"]) == (False, 0)
        assert len(world.emails.sent) == sent
