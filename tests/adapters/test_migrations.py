"""The migrations build, on an empty database, exactly the schema the code's tables describe."""

import io
import os
import subprocess
import sys
from datetime import date
from operator import itemgetter
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError

from application.ports.repositories import AuditFilter, AuthoredPost
from domain.sessions import AuthSession
from domain.users import User
from infrastructure.persistence.migrator import MIGRATIONS_PATH, AlembicMigrator, SchemaDriftError
from infrastructure.persistence.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_database_engine,
    metadata,
)
from infrastructure.persistence.sqlalchemy.engine import create_migration_engine
from infrastructure.persistence.sqlalchemy.mapping import (
    action_token_values,
    challenge_values,
    task_values,
    user_values,
)
from infrastructure.persistence.sqlalchemy.tables import (
    action_tokens,
    tasks,
    users,
    webauthn_challenges,
)
from tests.adapters.builders import (
    make_action_token,
    make_audit_event,
    make_challenge,
    make_mfa_token,
    make_passkey,
    make_post,
    make_recovery_code,
    make_session,
    make_task,
    make_totp_factor,
    make_user,
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_TABLES = {"users", "auth_sessions", "refresh_tokens"}
CONTENT_TABLES = ACCOUNT_TABLES | {"tasks", "posts"}
ALL_TABLES = CONTENT_TABLES | {"action_tokens", "audit_events"}
WITH_BROWSER_KEYS = ALL_TABLES | {"browser_keys"}
WITH_MFA = WITH_BROWSER_KEYS | {"totp_factors", "recovery_codes", "mfa_tokens"}
WITH_PASSKEYS = WITH_MFA | {"passkeys", "webauthn_challenges"}
WITH_IDENTITIES = WITH_PASSKEYS | {"identities", "oidc_flows", "login_codes"}
# Every revision, oldest first, with the tables there are once it has run.
REVISIONS = [
    ("0878ec7edb1c", ACCOUNT_TABLES),
    ("337b7b2dd971", CONTENT_TABLES),
    ("55f118c6a97a", ALL_TABLES),
    ("8fd5506cd3dc", WITH_BROWSER_KEYS),
    ("be3a69ce83a7", WITH_MFA),
    ("248095953811", WITH_PASSKEYS),
    ("c9c77471def3", WITH_IDENTITIES),
]


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

    assert migrator.head() == REVISIONS[-1][0]
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

    assert set(schema_of(migrated)) == REVISIONS[-1][1]
    assert schema_of(migrated) == schema_of(created)


@pytest.mark.parametrize(
    "index",
    [
        "ix_users_created_at_id",
        "ix_tasks_owner_id_created_at_id",
        "ix_posts_author_id_created_at_id",
        "ix_posts_published_created_at_id",
        "ix_action_tokens_user_id",
        "ix_mfa_tokens_user_id",
        "ix_passkeys_user_id_created_at_id",
        "ix_webauthn_challenges_user_id",
        "ix_webauthn_challenges_expires_at",
        "ix_audit_events_occurred_at_id",
        "ix_audit_events_event_type_occurred_at_id",
        "ix_audit_events_user_id_occurred_at_id",
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
    token = make_action_token(alice)
    event = make_audit_event(user_id=alice.id, details={"nested": {"ok": True, "n": 1}})
    factor = make_totp_factor(alice)
    code, mfa_token = make_recovery_code(alice), make_mfa_token(alice)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.sessions.add(session)
            uow.sessions.add_refresh_token(session.id, "f" * 64, session.created_at)
            uow.tasks.add(task)
            uow.posts.add(post)
            uow.action_tokens.add(token)
            uow.audit_events.add(event)
            uow.totp_factors.add(factor)
            uow.recovery_codes.replace(alice.id, [code])
            uow.mfa_tokens.add(mfa_token)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.users.get_by_username("ALICE") == alice
            assert uow.totp_factors.get(alice.id) == factor
            assert uow.recovery_codes.count_unused(alice.id) == 1
            assert uow.mfa_tokens.find(mfa_token.token_hash) == mfa_token
            assert uow.sessions.get_with_user(session.id) == (session, alice)
            assert uow.tasks.get(alice.id, task.id) == task
            assert uow.posts.get(post.id) == AuthoredPost(post=post, author=alice)
            assert uow.action_tokens.find(token.token_hash, token.purpose) == token
            uow.users.delete(alice.id)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.sessions.get(session.id) is None
            assert uow.sessions.find_refresh_token("f" * 64) is None
            assert uow.tasks.get(alice.id, task.id) is None
            assert uow.posts.get(post.id) is None
            assert uow.action_tokens.find(token.token_hash, token.purpose) is None
            assert uow.totp_factors.get(alice.id) is None
            assert uow.recovery_codes.count_unused(alice.id) == 0
            assert uow.mfa_tokens.find(mfa_token.token_hash) is None
            # The audit trail has no foreign key: it outlives the user.
            assert uow.audit_events.list(AuditFilter(), limit=10, after=None) == [event]
    finally:
        engine.dispose()


def test_the_migrated_schema_serves_passkeys_and_cascades(empty_database):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    engine = create_database_engine(url)
    alice = make_user("Alice")
    passkey, challenge = make_passkey(alice), make_challenge(alice)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.passkeys.add(passkey)
            uow.webauthn_challenges.add(challenge)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.passkeys.list_for_user(alice.id) == [passkey]
            assert uow.webauthn_challenges.find(challenge.challenge_hash) == challenge
            uow.users.delete(alice.id)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.passkeys.count_for_user(alice.id) == 0
            assert uow.webauthn_challenges.find(challenge.challenge_hash) is None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("table", "column", "row_of"),
    [
        (tasks, "priority", lambda alice: task_values(make_task(alice)) | {"priority": "urgent"}),
        (
            action_tokens,
            "purpose",
            lambda alice: action_token_values(make_action_token(alice)) | {"purpose": "login"},
        ),
        (
            webauthn_challenges,
            "purpose",
            lambda alice: challenge_values(make_challenge(alice)) | {"purpose": "login"},
        ),
    ],
    ids=["task-priority", "action-token-purpose", "challenge-purpose"],
)
def test_the_schema_refuses_a_value_outside_its_enum(empty_database, table, column, row_of):
    url = empty_database()
    AlembicMigrator(url).upgrade()
    alice = make_user("Alice")
    engine = create_database_engine(url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(alice)
            uow.commit()
        with engine.connect() as connection, pytest.raises(IntegrityError, match=column):
            connection.execute(sa.insert(table).values(row_of(alice)))
    finally:
        engine.dispose()


@pytest.mark.parametrize("position", range(len(REVISIONS)), ids=[name for name, _ in REVISIONS])
def test_downgrading_a_revision_leaves_exactly_the_schema_before_it(empty_database, position):
    revision, _ = REVISIONS[position]
    previous, previous_tables = REVISIONS[position - 1] if position > 0 else (None, set())
    url, before = empty_database(), empty_database()
    AlembicMigrator(url).upgrade(revision)
    if previous is not None:
        AlembicMigrator(before).upgrade(previous)

    downgrade_one_revision(url)

    assert set(schema_of(url)) == previous_tables
    assert schema_of(url) == schema_of(before)
    AlembicMigrator(url).upgrade()
    AlembicMigrator(url).check()


def test_accounts_made_before_mfa_have_it_off_and_keep_their_password(empty_database):
    """The MFA revision adds users.mfa_enabled and users.has_password to existing rows."""
    url = empty_database()
    run_alembic(url, "upgrade", "8fd5506cd3dc")
    alice = make_user("Alice")
    old_columns = user_values(alice)
    del old_columns["mfa_enabled"], old_columns["has_password"]
    engine = create_migration_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.insert(users).values(old_columns))
    engine.dispose()

    AlembicMigrator(url).upgrade()

    engine = create_database_engine(url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            migrated = uow.users.get(alice.id)
        assert migrated is not None
        assert (migrated.mfa_enabled, migrated.has_password) == (False, True)
    finally:
        engine.dispose()


def downgrade_one_revision(url: str) -> None:
    """`alembic downgrade -1`, in this process, configured as AlembicMigrator configures Alembic
    (a process per step cost seconds a revision; the command line has its own test below)."""
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.downgrade(config, "-1")


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
