"""The migrations build, on an empty database, exactly the schema the code's tables describe."""

import os
import subprocess
import sys
from datetime import date
from operator import itemgetter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from application.ports.repositories import AuthoredPost
from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.migrator import AlembicMigrator, SchemaDriftError
from infrastructure.persistence.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_database_engine,
    metadata,
)
from infrastructure.persistence.sqlalchemy.engine import create_migration_engine
from infrastructure.persistence.sqlalchemy.mapping import task_values
from infrastructure.persistence.sqlalchemy.tables import tasks
from tests.adapters.builders import make_post, make_session, make_task, make_user

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
FIRST_TABLES = {"users", "auth_sessions", "refresh_tokens"}
ALL_TABLES = FIRST_TABLES | {"tasks", "posts"}
FIRST_REVISION = "0878ec7edb1c"


def schema_of(url: str) -> dict[str, dict[str, object]]:
    """What the database says about each of its tables, alembic_version aside."""
    engine = create_migration_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: {
                "columns": [
                    (column["name"], str(column["type"]), column["nullable"])
                    for column in inspector.get_columns(table)
                ],
                "primary_key": inspector.get_pk_constraint(table),
                "foreign_keys": inspector.get_foreign_keys(table),
                "indexes": sorted(inspector.get_indexes(table), key=itemgetter("name")),
                "unique": sorted(inspector.get_unique_constraints(table), key=itemgetter("name")),
                "checks": inspector.get_check_constraints(table),
            }
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }
    finally:
        engine.dispose()


def test_upgrade_of_an_empty_database_reaches_head_without_drift(
    empty_database, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the migrations are found from any working directory
    migrator = AlembicMigrator(empty_database())
    assert migrator.current() is None

    migrator.upgrade()

    assert migrator.head() is not None
    assert migrator.current() == migrator.head()
    migrator.check()


def test_upgrade_again_changes_nothing(empty_database):
    url = empty_database()
    migrator = AlembicMigrator(url)
    migrator.upgrade()
    before = schema_of(url)

    migrator.upgrade()

    assert migrator.current() == migrator.head()
    assert schema_of(url) == before


def test_the_migrated_schema_is_exactly_the_tables_schema(empty_database):
    migrated, created = empty_database(), empty_database()
    AlembicMigrator(migrated).upgrade()
    engine = create_migration_engine(created)
    metadata.create_all(engine)
    engine.dispose()

    assert set(schema_of(migrated)) == ALL_TABLES
    assert schema_of(migrated) == schema_of(created)


@pytest.mark.parametrize(
    "index",
    [
        "ix_users_created_at_id",
        "ix_tasks_owner_id_created_at_id",
        "ix_posts_author_id_created_at_id",
        "ix_posts_published_created_at_id",
    ],
)
def test_check_reports_drift(empty_database, index):
    url = empty_database()
    migrator = AlembicMigrator(url)
    migrator.upgrade()
    engine = create_migration_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP INDEX {index}"))
    engine.dispose()

    with pytest.raises(SchemaDriftError, match=index):
        migrator.check()


def test_the_migrated_schema_serves_the_repositories_and_cascades(empty_database):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    engine = create_database_engine(url)
    alice: User = make_user("Alice")
    session: AuthSession = make_session(alice)
    task, post = make_task(alice, due_date=date(2024, 5, 2)), make_post(alice)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.sessions.add(session)
            uow.sessions.add_refresh_token(session.id, "f" * 64, session.created_at)
            uow.tasks.add(task)
            uow.posts.add(post)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.users.get_by_username("ALICE") == alice
            assert uow.tasks.get(alice.id, task.id) == task
            assert uow.posts.get(post.id) == AuthoredPost(post=post, author=alice)
            uow.users.delete(alice.id)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.sessions.get(session.id) is None
            assert uow.tasks.get(alice.id, task.id) is None
            assert uow.posts.get(post.id) is None
    finally:
        engine.dispose()


def test_the_schema_refuses_an_unknown_task_priority(empty_database):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    alice = make_user("Alice")
    values = task_values(make_task(alice)) | {"priority": "urgent"}
    engine = create_database_engine(url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.commit()
        with engine.connect() as connection, pytest.raises(IntegrityError, match="priority"):
            connection.execute(sa.insert(tasks).values(values))
    finally:
        engine.dispose()


def test_downgrading_the_tasks_and_posts_revision_leaves_the_first_schema(empty_database):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    first_only = empty_database()
    run_alembic(first_only, "upgrade", FIRST_REVISION)

    run_alembic(url, "downgrade", "-1")

    assert set(schema_of(url)) == FIRST_TABLES
    assert schema_of(url) == schema_of(first_only)
    AlembicMigrator(url).upgrade()
    AlembicMigrator(url).check()


def run_alembic(url: str, *arguments: str) -> None:
    """The `alembic` command line on the database at `url`."""
    subprocess.run(
        [sys.executable, "-m", "alembic", *arguments],
        cwd=REPOSITORY_ROOT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


def test_the_alembic_command_line_uses_database_url(empty_database):
    url = empty_database()

    run_alembic(url, "upgrade", "head")
    run_alembic(url, "check")

    assert AlembicMigrator(url).current() == AlembicMigrator(url).head()
