"""The audit trail as SQLAlchemy Core statements."""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from application.pagination import PageKey
from application.ports.audit import AuditEvent
from application.ports.repositories import AuditFilter
from infrastructure.persistence.sqlalchemy.mapping import audit_event_from_row, audit_event_values
from infrastructure.persistence.sqlalchemy.queries import ConnectionAccess, newest_first_by, write
from infrastructure.persistence.sqlalchemy.tables import audit_events


class SqlAlchemyAuditEventRepository:
    def __init__(self, connection: ConnectionAccess) -> None:
        self._connection = connection

    def add(self, event: AuditEvent) -> None:
        write(self._connection(), sa.insert(audit_events).values(audit_event_values(event)))

    def list(
        self, audit_filter: AuditFilter, *, limit: int, after: PageKey | None
    ) -> list[AuditEvent]:
        statement = list_statement(audit_filter, limit=limit, after=after)
        rows = self._connection().execute(statement).mappings()
        return [audit_event_from_row(row) for row in rows]


def list_statement(
    audit_filter: AuditFilter, *, limit: int, after: PageKey | None
) -> sa.Select[Any]:
    statement = sa.select(audit_events).where(*_conditions(audit_filter))
    return newest_first_by(
        statement, audit_events.c.occurred_at, audit_events.c.id, limit=limit, after=after
    )


def _conditions(audit_filter: AuditFilter) -> Iterator[sa.ColumnElement[bool]]:
    if audit_filter.event_type is not None:
        yield audit_events.c.event_type == audit_filter.event_type.value
    if audit_filter.user_id is not None:
        yield audit_events.c.user_id == audit_filter.user_id
