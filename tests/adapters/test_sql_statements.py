"""What the SQL adapter sends, beyond what the contract can see: task statements are scoped by
owner in SQL (never filtered in Python), a post is read with its author and a session with its
user in one query, single-use markers are set by one conditional UPDATE each, and the audit list
is served by its indexes."""

import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from application.pagination import PageKey
from application.ports.audit import AuditEventType
from application.ports.repositories import AuditFilter, PostFilter, TaskFilter
from domain.action_tokens import ActionPurpose
from infrastructure.persistence.sqlalchemy import SqlAlchemyUnitOfWork
from infrastructure.persistence.sqlalchemy.audit_event_repository import list_statement
from tests.adapters.builders import (
    T0,
    make_action_token,
    make_post,
    make_session,
    make_task,
    make_user,
)


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


def test_a_session_is_read_with_its_user_in_one_statement(sql_engine, log):
    alice = make_user("Alice")
    session = make_session(alice)
    with SqlAlchemyUnitOfWork(sql_engine) as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        log.statements.clear()
        found = uow.sessions.get_with_user(session.id)
        missing = uow.sessions.get_with_user(uuid.uuid4())

    assert found == (session, alice)
    assert missing is None
    assert len(log.statements) == 2
    assert all(re.search(r"\bFROM auth_sessions JOIN users\b", sql) for sql in log.statements)


def test_single_use_markers_are_set_by_one_conditional_update_each(sql_engine, log):
    alice = make_user("Alice")
    session = make_session(alice)
    token = make_action_token(alice)
    with SqlAlchemyUnitOfWork(sql_engine) as uow:
        uow.users.add(alice)
        uow.sessions.add(session)
        uow.sessions.add_refresh_token(session.id, "a" * 64, T0)
        uow.action_tokens.add(token)
        log.statements.clear()
        assert uow.sessions.spend_refresh_token("a" * 64, T0) is True
        assert uow.action_tokens.use(token.token_hash, T0) is True
        uow.action_tokens.void_for_user(alice.id, ActionPurpose.RESET_PASSWORD, T0)
        uow.sessions.revoke_all_for_user(alice.id, T0)

    # No read before the write: the condition in the UPDATE alone decides who wins a race.
    assert [sql.split()[:2] for sql in log.statements] == [["UPDATE", "refresh_tokens"]] + [
        ["UPDATE", "action_tokens"]
    ] * 2 + [["UPDATE", "auth_sessions"]]
    markers = ["spent_at", "used_at", "used_at", "revoked_at"]
    for sql, marker in zip(log.statements, markers, strict=True):
        assert re.search(rf"\bWHERE\b.*\b{marker} IS NULL\b", sql), sql


@pytest.mark.parametrize(
    ("audit_filter", "index"),
    [
        (AuditFilter(), "ix_audit_events_occurred_at_id"),
        (
            AuditFilter(event_type=AuditEventType.LOGIN_FAILED),
            "ix_audit_events_event_type_occurred_at_id",
        ),
        (AuditFilter(user_id=uuid.uuid4()), "ix_audit_events_user_id_occurred_at_id"),
    ],
    ids=["all", "by-event-type", "by-user"],
)
def test_the_audit_list_walks_an_index_without_sorting(sqlite_engine, audit_filter, index):
    """SQLite's plan of every audit list, first page and next: one index, entered at the page
    key, with no sort. (PostgreSQL's planner picks by table statistics, so its plan is no
    fixed fact to test.)"""
    after = PageKey(created_at=T0, id=uuid.uuid4())
    for key in (None, after):
        statement = list_statement(audit_filter, limit=20, after=key)
        compiled = statement.compile(sqlite_engine, compile_kwargs={"literal_binds": True})
        with sqlite_engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        [step] = [row[-1] for row in plan]
        assert f"USING INDEX {index}" in step, step
        assert key is None or "(occurred_at,id)<(?,?)" in step, step
