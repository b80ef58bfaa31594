"""The audit trail, on every adapter. Ordering and paging by key are in test_keyset_contract."""

import uuid
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from application.pagination import PageKey
from application.ports.audit import AuditEvent, AuditEventType
from application.ports.repositories import AuditFilter
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_audit_events,
    add_users,
    make_audit_event,
    make_user,
)

LOGIN, FAILED, DELETED = (
    AuditEventType.LOGIN_SUCCEEDED,
    AuditEventType.LOGIN_FAILED,
    AuditEventType.ACCOUNT_DELETED,
)
ALICE, BOB = uuid.uuid4(), uuid.uuid4()
LATER = T0 + timedelta(days=1)


def list_events(
    uow_factory: UnitOfWorkFactory,
    audit_filter: AuditFilter = AuditFilter(),  # noqa: B008 - frozen, so safe to share
    *,
    limit: int = 100,
    after: PageKey | None = None,
) -> list[AuditEvent]:
    with uow_factory() as uow:
        return uow.audit_events.list(audit_filter, limit=limit, after=after)


def test_an_added_event_comes_back_equal_with_every_field(uow_factory):
    event = AuditEvent(
        event_type=AuditEventType.ROLE_CHANGED,
        occurred_at=T0,
        user_id=ALICE,
        actor_id=BOB,
        ip="2001:db8::1",
        user_agent="Mozilla/5.0 (X11; Linux x86_64)",
        details={"from": "user", "to": "admin"},
    )
    anonymous = AuditEvent(event_type=FAILED, occurred_at=T0 - timedelta(seconds=1))
    add_audit_events(uow_factory, event, anonymous)

    assert list_events(uow_factory) == [event, anonymous]


def test_details_round_trip_as_nested_json(uow_factory):
    details = {
        "reason": 'Émile\'s "quoted" reason',
        "attempts": 3,
        "negative": -7,
        "remembered": True,
        "forced": False,
        "session_id": None,
        "client": {"platform": {"name": "linux", "version": 6, "beta": False, "build": None}},
        "codes": [1, "two", None, True],
        "empty": {},
    }
    add_audit_events(uow_factory, make_audit_event(details=details))

    [found] = list_events(uow_factory)

    assert found.details == details
    assert type(found.details["attempts"]) is int
    assert found.details["remembered"] is True


def test_details_are_normalised_as_json_on_every_adapter(uow_factory):
    # Identical behaviour includes what JSON cannot keep: a tuple comes back as a list.
    add_audit_events(uow_factory, make_audit_event(details={"pair": (1, 2), "nested": {"t": ()}}))

    [found] = list_events(uow_factory)

    assert found.details == {"pair": [1, 2], "nested": {"t": []}}


def test_details_that_json_cannot_hold_are_refused_and_the_unit_of_work_goes_on(uow_factory):
    kept = make_audit_event(LOGIN)

    with uow_factory() as uow:
        # The memory store raises TypeError; SQLAlchemy wraps that TypeError in a StatementError.
        with pytest.raises((TypeError, StatementError), match="not JSON serializable"):
            uow.audit_events.add(make_audit_event(FAILED, details={"session": uuid.uuid4()}))
        uow.audit_events.add(kept)
        uow.commit()

    assert list_events(uow_factory) == [kept]


def test_the_stored_details_are_not_the_callers_dict(uow_factory):
    details = {"nested": {"count": 1}}
    event = make_audit_event(details=details)

    with uow_factory() as uow:
        uow.audit_events.add(event)
        details["nested"]["count"] = 2
        [found] = uow.audit_events.list(AuditFilter(), limit=10, after=None)
        found.details["nested"]["count"] = 3
        uow.commit()

    assert [event.details for event in list_events(uow_factory)] == [{"nested": {"count": 1}}]


def test_occurred_at_comes_back_in_utc_as_the_same_instant(uow_factory):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    add_audit_events(uow_factory, make_audit_event(occurred_at=T0.astimezone(kolkata)))

    [found] = list_events(uow_factory)

    assert found.occurred_at == T0
    assert found.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("audit_filter", "expected"),
    [
        (AuditFilter(), ["bob-failed", "alice-login", "anonymous-failed", "alice-failed"]),
        (AuditFilter(event_type=FAILED), ["bob-failed", "anonymous-failed", "alice-failed"]),
        (AuditFilter(user_id=ALICE), ["alice-login", "alice-failed"]),
        (AuditFilter(event_type=FAILED, user_id=ALICE), ["alice-failed"]),
        (AuditFilter(event_type=DELETED), []),
        (AuditFilter(user_id=uuid.uuid4()), []),
    ],
)
def test_list_filters_by_event_type_and_user_newest_first(uow_factory, audit_filter, expected):
    events = [
        ("alice-failed", FAILED, ALICE),
        ("anonymous-failed", FAILED, None),
        ("alice-login", LOGIN, ALICE),
        ("bob-failed", FAILED, BOB),
    ]
    add_audit_events(
        uow_factory,
        *(
            make_audit_event(
                event_type,
                user_id=user_id,
                occurred_at=T0 + timedelta(seconds=second),
                details={"name": name},
            )
            for second, (name, event_type, user_id) in enumerate(events)
        ),
    )

    found = list_events(uow_factory, audit_filter)

    assert [event.details["name"] for event in found] == expected


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_a_filtered_list_pages_strictly_after_the_key(uow_factory, limit):
    # Alice's failures, in pairs of equal instants, among others' events at the same instants.
    mine = [
        make_audit_event(FAILED, user_id=ALICE, occurred_at=T0 + timedelta(seconds=i // 2))
        for i in range(7)
    ]
    others = [
        make_audit_event(LOGIN, user_id=ALICE, occurred_at=T0 + timedelta(seconds=i // 2))
        for i in range(7)
    ] + [make_audit_event(FAILED, user_id=BOB, occurred_at=T0) for _ in range(3)]
    add_audit_events(uow_factory, *mine, *others)
    audit_filter = AuditFilter(event_type=FAILED, user_id=ALICE)

    pages: list[list[AuditEvent]] = []
    after: PageKey | None = None
    for _ in range(len(mine) + 1):  # bounded: an adapter that repeats a key must fail, not hang
        page = list_events(uow_factory, audit_filter, limit=limit, after=after)
        if not page:
            break
        pages.append(page)
        after = PageKey(created_at=page[-1].occurred_at, id=page[-1].id)

    assert all(len(page) == limit for page in pages[:-1])
    expected = sorted(mine, key=lambda event: (event.occurred_at, event.id), reverse=True)
    assert [event for page in pages for event in page] == expected


def test_events_outlive_the_user_they_name(uow_factory):
    alice = make_user("Alice")
    add_users(uow_factory, alice)
    event = make_audit_event(LOGIN, user_id=alice.id)
    add_audit_events(uow_factory, event)

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.audit_events.add(make_audit_event(DELETED, user_id=alice.id, occurred_at=LATER))
        uow.commit()

    found = list_events(uow_factory, AuditFilter(user_id=alice.id))
    assert [event.event_type for event in found] == [DELETED, LOGIN]
    assert found[1] == event


def test_nothing_is_kept_without_commit(uow_factory):
    with uow_factory() as uow:
        uow.audit_events.add(make_audit_event())
        assert len(uow.audit_events.list(AuditFilter(), limit=10, after=None)) == 1

    assert list_events(uow_factory) == []


def test_an_event_id_is_recorded_once(uow_factory):
    event = make_audit_event()
    add_audit_events(uow_factory, event)

    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.audit_events.add(AuditEvent(event_type=LOGIN, occurred_at=T0, id=event.id))
