"""Throwaway PostgreSQL schemas: tests and benchmarks on a shared server never see each other's
tables, and leave nothing behind."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from infrastructure.persistence.sqlalchemy import metadata


@contextmanager
def scratch_schema(server_url: str, *, prefix: str, time_zone: str | None = None) -> Iterator[str]:
    """Create a uniquely named schema, yield a URL whose search_path is that schema alone (and
    whose commits do not wait for the disk), and drop the schema (tables, alembic_version and
    all) afterwards."""
    admin = sa.create_engine(server_url, poolclass=sa.NullPool)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        # The tests' commits need not survive a crash of the server: without the wait for the
        # WAL to reach the disk, a loaded CI machine still answers within the statement timeout.
        options = f"-csearch_path={schema} -csynchronous_commit=off"
        if time_zone is not None:
            options += f" -cTimeZone={time_zone}"
        url = make_url(server_url).update_query_dict({"options": options})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def empty_tables(connection: sa.Connection) -> None:
    """Delete every row of Tessera's tables, children first. For the few rows a test leaves this
    is a fraction of TRUNCATE's cost, which gives every table new files on the server."""
    for table in reversed(metadata.sorted_tables):
        connection.execute(table.delete())
