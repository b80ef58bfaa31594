from datetime import date, timedelta

import pytest

from application.errors import InvalidCursor
from application.use_cases.tasks.create_task import CreateTaskCommand
from application.use_cases.tasks.get_task import TaskReference
from application.use_cases.tasks.list_tasks import ListTasksQuery
from application.use_cases.tasks.update_task import UpdateTaskCommand
from domain.errors import InvalidField, TaskNotFound
from domain.tasks import Priority, Task
from domain.users import User
from tests.unit.builders import create_admin, register
from tests.unit.conftest import World


def new_task(world: World, owner: User, title: str = "Buy milk", **fields: object) -> Task:
    world.clock.advance(timedelta(seconds=1))
    command = CreateTaskCommand(actor=owner, title=title, **fields)  # type: ignore[arg-type]
    return world.container.create_task().execute(command)


def titles(world: World, query: ListTasksQuery) -> list[str]:
    return [task.title for task in world.container.list_tasks().execute(query).items]


def test_create_trims_the_title_and_applies_defaults(world: World) -> None:
    owner = register(world)
    task = new_task(world, owner, "  Buy milk  ")
    assert (task.title, task.completed, task.priority, task.owner_id) == (
        "Buy milk",
        False,
        Priority.MEDIUM,
        owner.id,
    )
    assert world.container.get_task().execute(TaskReference(owner, task.id)) == task


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_title_rules(world: World, title: str) -> None:
    with pytest.raises(InvalidField):
        new_task(world, register(world), title)


def test_another_users_task_is_missing_for_every_action(world: World) -> None:
    owner, intruder = register(world, "alice"), register(world, "mallory")
    admin = create_admin(world)
    task = new_task(world, owner)
    for actor in (intruder, admin):
        with pytest.raises(TaskNotFound):
            world.container.get_task().execute(TaskReference(actor, task.id))
        with pytest.raises(TaskNotFound):
            world.container.update_task().execute(
                UpdateTaskCommand(actor=actor, task_id=task.id, title="mine now")
            )
        with pytest.raises(TaskNotFound):
            world.container.delete_task().execute(TaskReference(actor, task.id))
        assert titles(world, ListTasksQuery(actor=actor)) == []
    assert world.container.get_task().execute(TaskReference(owner, task.id)) == task


def test_update_changes_only_the_fields_sent(world: World) -> None:
    owner = register(world)
    task = new_task(world, owner, description="2 litres", due_date=date(2026, 5, 1))
    world.clock.advance(timedelta(minutes=1))
    updated = world.container.update_task().execute(
        UpdateTaskCommand(actor=owner, task_id=task.id, completed=True, description=None)
    )
    assert (updated.title, updated.completed, updated.description, updated.due_date) == (
        "Buy milk",
        True,
        None,
        date(2026, 5, 1),
    )
    assert updated.updated_at > task.updated_at
    assert world.container.get_task().execute(TaskReference(owner, task.id)) == updated


def test_delete(world: World) -> None:
    owner = register(world)
    task = new_task(world, owner)
    world.container.delete_task().execute(TaskReference(owner, task.id))
    with pytest.raises(TaskNotFound):
        world.container.delete_task().execute(TaskReference(owner, task.id))


def test_filters_and_pages(world: World) -> None:
    owner = register(world)
    new_task(world, owner, "Call mum", priority=Priority.HIGH, due_date=date(2026, 1, 10))
    new_task(world, owner, "Pay rent", completed=True, due_date=date(2026, 2, 1))
    new_task(world, owner, "Read 100% of the book", description="fiction")
    assert titles(world, ListTasksQuery(actor=owner)) == [
        "Read 100% of the book",
        "Pay rent",
        "Call mum",
    ]
    assert titles(world, ListTasksQuery(actor=owner, completed=True)) == ["Pay rent"]
    assert titles(world, ListTasksQuery(actor=owner, priority=Priority.HIGH)) == ["Call mum"]
    assert titles(world, ListTasksQuery(actor=owner, due_before=date(2026, 2, 1))) == ["Call mum"]
    assert titles(world, ListTasksQuery(actor=owner, search="0%")) == ["Read 100% of the book"]
    assert titles(world, ListTasksQuery(actor=owner, search="FICTION")) == ["Read 100% of the book"]
    first = world.container.list_tasks().execute(ListTasksQuery(actor=owner, limit=2))
    assert first.next_cursor is not None
    second = world.container.list_tasks().execute(
        ListTasksQuery(actor=owner, limit=2, cursor=first.next_cursor)
    )
    assert [t.title for t in second.items] == ["Call mum"]
    assert second.next_cursor is None
    with pytest.raises(InvalidCursor):
        world.container.list_tasks().execute(ListTasksQuery(actor=owner, cursor="nope"))
