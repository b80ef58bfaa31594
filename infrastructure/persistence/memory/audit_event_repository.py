"""The audit trail in memory."""

import json
from dataclasses import replace
from typing import Any

from application.pagination import PageKey
from application.ports.audit import AuditEvent
from application.ports.repositories import AuditFilter
from infrastructure.persistence.memory.database import TablesAccess, insert
from infrastructure.persistence.memory.queries import newest_first_by


class MemoryAuditEventRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, event: AuditEvent) -> None:
        insert(self._tables(), "audit_events", event.id, _with_stored_details(event))

    def list(
        self, audit_filter: AuditFilter, *, limit: int, after: PageKey | None
    ) -> list[AuditEvent]:
        rows = (
            event for event in self._tables().audit_events.values() if _matches(event, audit_filter)
        )
        found = newest_first_by(
            rows, lambda event: (event.occurred_at, event.id), limit=limit, after=after
        )
        return [_with_stored_details(event) for event in found]


def _with_stored_details(event: AuditEvent) -> AuditEvent:
    """The event with its details as a JSON column hands them back: a fresh dict (the event is
    frozen, its dict is not), changed as JSON changes it (a tuple becomes a list), and refused
    (TypeError) when JSON cannot hold it, as the SQL adapter refuses it."""
    details: dict[str, Any] = json.loads(json.dumps(event.details))
    return replace(event, details=details)


def _matches(event: AuditEvent, audit_filter: AuditFilter) -> bool:
    if audit_filter.event_type is not None and event.event_type != audit_filter.event_type:
        return False
    return audit_filter.user_id is None or event.user_id == audit_filter.user_id
