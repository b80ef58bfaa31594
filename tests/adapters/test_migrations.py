"""The migrations build, on an empty database, exactly the schema the code's tables describe."""

import os
import subprocess
import sys
from operator import itemgetter
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.migrator import AlembicMigrator, SchemaDriftError
from infrastructure.persistence.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_database_engine,
    metadata,
)
from infrastructure.persistence.sqlalchemy.engine import create_migration_engine
from tests.adapters.builders import make_session, make_user

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


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

    assert set(schema_of(migrated)) == {"users", "auth_sessions", "refresh_tokens"}
    assert schema_of(migrated) == schema_of(created)


def test_check_reports_drift(empty_database):
    url = empty_database()
    migrator = AlembicMigrator(url)
    migrator.upgrade()
    engine = create_migration_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_users_created_at_id"))
    engine.dispose()

    with pytest.raises(SchemaDriftError, match="ix_users_created_at_id"):
        migrator.check()


def test_the_migrated_schema_serves_the_repositories_and_cascades(empty_database):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    engine = create_database_engine(url)
    alice: User = make_user("Alice")
    session: AuthSession = make_session(alice)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.sessions.add(session)
            uow.sessions.add_refresh_token(session.id, "f" * 64, session.created_at)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.users.get_by_username("ALICE") == alice
            uow.users.delete(alice.id)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.sessions.get(session.id) is None
    finally:
        engine.dispose()


def test_the_alembic_command_line_uses_database_url(empty_database):
    url = empty_database()
    environment = os.environ | {"DATABASE_URL": url}

    for arguments in (["upgrade", "head"], ["check"]):
        subprocess.run(
            [sys.executable, "-m", "alembic", *arguments],
            cwd=REPOSITORY_ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )

    assert AlembicMigrator(url).current() == AlembicMigrator(url).head()
