"""What the SQL adapter sends, beyond what the contract can see: task statements are scoped by
owner in SQL (never filtered in Python) and a post is read with its author in one query."""

import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from application.ports.repositories import PostFilter, TaskFilter
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from tests.adapters.builders import make_post, make_task, make_user


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def on(self, table: str) -> list[str]:
        """The statements that name the table (savepoints and the like left out)."""
        return [sql for sql in self.statements if re.search(rf"\b{table}\b", sql)]


@pytest.fixture
def log(sql_engine: Engine) -> Iterator[StatementLog]:
    log = StatementLog()

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        log.statements.append(" ".join(statement.split()))

    sa.event.listen(sql_engine, "before_cursor_execute", record)
    yield log
    sa.event.remove(sql_engine, "before_cursor_execute", record)


def test_every_task_statement_names_the_owner_in_its_where_clause(sql_engine, log):
    alice = make_user("Alice")
    task = make_task(alice)
    with SqlAlchemyUnitOfWork(sql_engine) as uow:
        uow.users.add(alice)
        uow.tasks.add(task)
        log.statements.clear()
        uow.tasks.get(alice.id, task.id)
        uow.tasks.update(task)
        uow.tasks.list(alice.id, TaskFilter(search="x", completed=True), limit=5, after=None)
        uow.tasks.delete(alice.id, task.id)

    statements = log.on("tasks")
    assert [sql.split()[0] for sql in statements] == ["SELECT", "UPDATE", "SELECT", "DELETE"]
    for sql in statements:
        assert re.search(r"\bWHERE\b.*\btasks\.owner_id = ", sql), sql


def test_a_post_is_read_with_its_author_in_one_statement(sql_engine, log):
    alice = make_user("Alice")
    post = make_post(alice)
    with SqlAlchemyUnitOfWork(sql_engine) as uow:
        uow.users.add(alice)
        uow.posts.add(post)
        log.statements.clear()
        authored = uow.posts.get(post.id)
        listed = uow.posts.list(PostFilter(), limit=5, after=None)
        missing = uow.posts.get(uuid.uuid4())

    assert authored is not None
    assert authored.author == alice
    assert [item.author for item in listed] == [alice]
    assert missing is None
    assert len(log.statements) == 3
    assert all(re.search(r"\bFROM posts JOIN users\b", sql) for sql in log.statements)
