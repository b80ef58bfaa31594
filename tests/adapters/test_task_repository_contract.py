"""The task repository's contract, run against every adapter: tasks are private to their owner."""

import uuid
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from application.ports.repositories import TaskFilter
from domain.tasks import Priority, Task
from domain.users import User
from tests.adapters.builders import (
    KEY_VIOLATION,
    T0,
    UnitOfWorkFactory,
    add_tasks,
    add_users,
    make_task,
    make_user,
)


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


def get_task(uow_factory: UnitOfWorkFactory, owner: User, task_id: uuid.UUID) -> Task | None:
    with uow_factory() as uow:
        return uow.tasks.get(owner.id, task_id)


def list_titles(
    uow_factory: UnitOfWorkFactory,
    owner: User,
    task_filter: TaskFilter = TaskFilter(),  # noqa: B008 - frozen, so safe to share
) -> list[str]:
    with uow_factory() as uow:
        return [task.title for task in uow.tasks.list(owner.id, task_filter, limit=100, after=None)]


# --- adding and finding --------------------------------------------------------------------


def test_an_added_task_comes_back_equal_with_a_date_and_aware_utc_instants(uow_factory, alice):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    task = make_task(
        alice,
        description="Quarterly numbers",
        priority=Priority.HIGH,
        due_date=date(2024, 2, 29),
        created_at=datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=kolkata),
    )
    add_tasks(uow_factory, task)

    found = get_task(uow_factory, alice, task.id)

    assert found == task
    assert found is not None
    assert type(found.due_date) is date
    assert type(found.priority) is Priority
    assert found.created_at.tzinfo is UTC
    assert found.updated_at.tzinfo is UTC


def test_a_task_without_optional_fields_comes_back_with_none(uow_factory, alice):
    task = make_task(alice)
    add_tasks(uow_factory, task)

    found = get_task(uow_factory, alice, task.id)

    assert found == task
    assert found is not None
    assert (found.description, found.due_date) == (None, None)


def test_another_owner_or_an_unknown_id_finds_nothing(uow_factory, alice, bob):
    task = make_task(alice)
    add_tasks(uow_factory, task)

    assert get_task(uow_factory, bob, task.id) is None
    assert get_task(uow_factory, alice, uuid.uuid4()) is None


def test_a_task_needs_an_existing_owner(uow_factory):
    with uow_factory() as uow, pytest.raises(KEY_VIOLATION):
        uow.tasks.add(make_task(make_user("Ghost")))


def test_a_returned_task_is_a_copy(uow_factory, alice):
    task = make_task(alice, "Original")
    add_tasks(uow_factory, task)

    with uow_factory() as uow:
        found = uow.tasks.get(alice.id, task.id)
        assert found is not None
        found.title = "Changed without update"
        uow.commit()

    assert get_task(uow_factory, alice, task.id) == task


# --- update and delete ---------------------------------------------------------------------


def test_update_stores_every_field(uow_factory, alice):
    task = make_task(alice)
    add_tasks(uow_factory, task)
    changed = Task(
        id=task.id,
        owner_id=alice.id,
        title="Rewritten",
        description="Now with a description",
        completed=True,
        priority=Priority.LOW,
        due_date=date(2030, 12, 31),
        created_at=T0 - timedelta(days=1),
        updated_at=T0 + timedelta(days=3, microseconds=7),
    )
    unchanged = [f.name for f in fields(Task) if getattr(changed, f.name) == getattr(task, f.name)]
    assert unchanged == ["id", "owner_id"]

    with uow_factory() as uow:
        uow.tasks.update(changed)
        uow.commit()

    assert get_task(uow_factory, alice, task.id) == changed


def test_update_clears_optional_fields(uow_factory, alice):
    task = make_task(alice, description="Some text", due_date=date(2024, 6, 1))
    add_tasks(uow_factory, task)
    cleared = replace(task, description=None, due_date=None)

    with uow_factory() as uow:
        uow.tasks.update(cleared)
        uow.commit()

    assert get_task(uow_factory, alice, task.id) == cleared


def test_update_by_another_owner_changes_nothing(uow_factory, alice, bob):
    task = make_task(alice, "Alice's")
    add_tasks(uow_factory, task)

    with uow_factory() as uow:
        # The same id under Bob's name matches no row: it neither changes nor moves the task.
        uow.tasks.update(replace(task, owner_id=bob.id, title="Hijacked"))
        uow.commit()

    assert get_task(uow_factory, alice, task.id) == task
    assert get_task(uow_factory, bob, task.id) is None


def test_updating_an_unknown_task_stores_nothing(uow_factory, alice):
    ghost = make_task(alice)

    with uow_factory() as uow:
        uow.tasks.update(ghost)
        uow.commit()

    assert get_task(uow_factory, alice, ghost.id) is None


def test_delete_by_another_owner_is_false_and_changes_nothing(uow_factory, alice, bob):
    task = make_task(alice)
    add_tasks(uow_factory, task)

    with uow_factory() as uow:
        assert uow.tasks.delete(bob.id, task.id) is False
        uow.commit()

    assert get_task(uow_factory, alice, task.id) == task


def test_delete_by_the_owner_is_true_once(uow_factory, alice):
    task, other = make_task(alice, "Gone"), make_task(alice, "Kept")
    add_tasks(uow_factory, task, other)

    with uow_factory() as uow:
        assert uow.tasks.delete(alice.id, task.id) is True
        assert uow.tasks.delete(alice.id, task.id) is False
        assert uow.tasks.delete(alice.id, uuid.uuid4()) is False
        uow.commit()

    assert get_task(uow_factory, alice, task.id) is None
    assert list_titles(uow_factory, alice) == ["Kept"]


def test_deleting_a_user_deletes_their_tasks_only(uow_factory, alice, bob):
    alices, bobs = make_task(alice), make_task(bob)
    add_tasks(uow_factory, alices, bobs)

    with uow_factory() as uow:
        uow.users.delete(alice.id)
        uow.commit()

    assert get_task(uow_factory, alice, alices.id) is None
    assert get_task(uow_factory, bob, bobs.id) == bobs
    with uow_factory() as uow:
        # The row is really gone, not merely hidden: its id is free again under a new owner.
        uow.users.add(alice)
        uow.tasks.add(alices)


# --- lists ---------------------------------------------------------------------------------


def test_a_list_holds_only_the_owners_tasks(uow_factory, alice, bob):
    add_tasks(
        uow_factory,
        make_task(alice, "Alice 1"),
        make_task(bob, "Bob 1", created_at=T0 + timedelta(seconds=1)),
        make_task(alice, "Alice 2", created_at=T0 + timedelta(seconds=2)),
    )

    assert list_titles(uow_factory, alice) == ["Alice 2", "Alice 1"]
    assert list_titles(uow_factory, bob) == ["Bob 1"]


def add_filterable_tasks(uow_factory: UnitOfWorkFactory, alice: User, bob: User) -> None:
    """Alice's tasks, oldest first; Bob has one that would match every filter but is not hers."""
    high, low = Priority.HIGH, Priority.LOW
    tasks = [
        make_task(alice, "Pay rent", completed=True, priority=high, due_date=date(2024, 5, 1)),
        make_task(alice, "Call mum", description="Sunday", priority=low),
        make_task(
            alice, "File taxes", description="Before the DEADLINE", due_date=date(2024, 5, 2)
        ),
        make_task(alice, "Deadline review", completed=True, due_date=date(2024, 4, 30)),
        make_task(alice, "Buy milk", priority=high, due_date=date(2024, 6, 1)),
    ]
    bobs = make_task(bob, "Deadline", completed=True, priority=high, due_date=date(2024, 1, 1))
    add_tasks(
        uow_factory,
        *(replace(task, created_at=T0 + timedelta(seconds=i)) for i, task in enumerate(tasks)),
        bobs,
    )


@pytest.mark.parametrize(
    ("task_filter", "expected"),
    [
        (TaskFilter(), ["Buy milk", "Deadline review", "File taxes", "Call mum", "Pay rent"]),
        (TaskFilter(completed=True), ["Deadline review", "Pay rent"]),
        (TaskFilter(completed=False), ["Buy milk", "File taxes", "Call mum"]),
        (TaskFilter(priority=Priority.HIGH), ["Buy milk", "Pay rent"]),
        (TaskFilter(priority=Priority.MEDIUM), ["Deadline review", "File taxes"]),
        # Strictly before the day; tasks without a due date never match.
        (TaskFilter(due_before=date(2024, 5, 2)), ["Deadline review", "Pay rent"]),
        (TaskFilter(due_before=date(2024, 4, 30)), []),
        (TaskFilter(search="deadline"), ["Deadline review", "File taxes"]),  # title or description
        (TaskFilter(search="SUNDAY"), ["Call mum"]),
        (TaskFilter(search="deadline", completed=False), ["File taxes"]),
        (
            TaskFilter(completed=True, priority=Priority.HIGH, due_before=date(2024, 5, 2)),
            ["Pay rent"],
        ),
    ],
)
def test_list_filters(uow_factory, alice, bob, task_filter, expected):
    add_filterable_tasks(uow_factory, alice, bob)

    assert list_titles(uow_factory, alice, task_filter) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["100% done"]),
        ("0% d", ["100% done"]),
        ("_", ["snake_case"]),
        ("e_c", ["snake_case"]),
        ("1%e", []),
        ("snake_cas_", []),
        ("ÉTÉ", ["Plans for l'été"]),
        ("in the notes", ["Plans for l'été"]),
        ("/", ["either/or"]),  # the LIKE escape character, itself literal
        ("r/o", ["either/or"]),
        ("/%", []),
    ],
)
def test_search_is_a_case_insensitive_literal_substring(uow_factory, alice, search, expected):
    add_tasks(
        uow_factory,
        make_task(alice, "100% done"),
        make_task(alice, "snake_case", created_at=T0 + timedelta(seconds=1)),
        make_task(
            alice,
            "Plans for l'été",
            description="Written IN THE NOTES",
            created_at=T0 + timedelta(seconds=2),
        ),
        make_task(alice, "either/or", created_at=T0 - timedelta(seconds=1)),
    )

    assert list_titles(uow_factory, alice, TaskFilter(search=search)) == expected
