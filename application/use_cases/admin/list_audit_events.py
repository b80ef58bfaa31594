import uuid
from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, Page, PageKey, decode_cursor, page_of
from application.ports.audit import AuditEvent, AuditEventType
from application.ports.repositories import AuditFilter
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate


@dataclass(frozen=True, kw_only=True)
class ListAuditEventsQuery:
    actor: Actor
    event_type: AuditEventType | None = None
    user_id: uuid.UUID | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None


def event_page_key(event: AuditEvent) -> PageKey:
    return PageKey(created_at=event.occurred_at, id=event.id)


@dataclass(frozen=True, kw_only=True)
class ListAuditEvents:
    """The security audit trail, newest first: for admins."""

    uow: UnitOfWork
    gate: AdminGate

    def execute(self, query: ListAuditEventsQuery) -> Page[AuditEvent]:
        self.gate.authorize(query.actor)
        after = decode_cursor(query.cursor)
        audit_filter = AuditFilter(event_type=query.event_type, user_id=query.user_id)
        with self.uow.read_only() as uow:
            rows = uow.audit_events.list(audit_filter, limit=query.limit + 1, after=after)
        return page_of(rows, query.limit, event_page_key)
