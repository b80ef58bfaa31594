"""Alembic's environment, for the `alembic` command line and for AlembicMigrator alike.

The database URL is the config's `sqlalchemy.url` when the caller set one (AlembicMigrator does),
else the DATABASE_URL environment variable, else the development default.
"""

import os
from logging.config import fileConfig
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection, make_url

from infrastructure.persistence.sqlalchemy.engine import create_migration_engine
from infrastructure.persistence.sqlalchemy.tables import UtcDateTime, metadata

DEFAULT_DATABASE_URL = "sqlite:///./tessera.db"

config = context.config

# Only the command line comes with an ini file; the application keeps its own logging setup.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Revisions hold plain SQL types, not the application's Python-side type decorators.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(
    *, dialect_name: str, url: str | None = None, connection: Connection | None = None
) -> None:
    context.configure(
        url=url,
        connection=connection,
        literal_binds=connection is None,  # offline (--sql) output has no parameters
        target_metadata=metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite alters a table only by rebuilding it, which batch mode does.
        render_as_batch=dialect_name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_migration_engine(database_url())
    try:
        with engine.connect() as connection:
            run_migrations(dialect_name=connection.dialect.name, connection=connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    url = database_url()
    run_migrations(dialect_name=make_url(url).get_backend_name(), url=url)
else:
    run_migrations_online()
