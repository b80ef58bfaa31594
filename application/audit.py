"""The audit trail as the use cases use it: one call records an event in the store and the log."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from application.errors import StorageUnavailable
from application.ports.audit import AuditEvent, AuditEventType, SecurityLog
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request

logger = logging.getLogger(__name__)

NOT_STORED = "audit event %s (%s) not stored, only logged: %s"


class AuditTrail:
    """Records security events. `record` never fails the action it records; `stage` makes the
    event part of the action's own transaction, stored if and only if the action is."""

    def __init__(self, new_uow: Callable[[], UnitOfWork], log: SecurityLog, clock: Clock) -> None:
        self._new_uow = new_uow
        self._log = log
        self._clock = clock

    def record(
        self,
        event_type: AuditEventType,
        *,
        user_id: uuid.UUID | None = None,
        actor_id: uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
        store: bool = True,
    ) -> AuditEvent:
        """Write the event to the log and, unless `store` is False, to the audit store.

        `store=False` is for events anyone can cause in bulk (a rejected bearer token): they are
        logged, but not allowed to fill the database.
        """
        event = self._event(event_type, user_id, actor_id, details)
        self._log.write(event)
        if store:
            try:
                with self._new_uow() as uow:
                    uow.audit_events.add(event)
                    uow.commit()
            # The action has committed: failing its request now would report a change that was
            # made as one that was not. The audit log line above holds the whole event; this
            # error names it, so an operator can restore it to the store from the log.
            except StorageUnavailable:
                logger.error(NOT_STORED, event.id, event.event_type.value, "database unavailable")
            except Exception as error:
                logger.error(
                    NOT_STORED,
                    event.id,
                    event.event_type.value,
                    type(error).__name__,
                    exc_info=True,
                )
        return event

    def stage(
        self,
        uow: UnitOfWork,
        event_type: AuditEventType,
        *,
        user_id: uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Add the event to `uow`'s open transaction, so that it is stored if and only if the
        change it records is, in the same commit (one commit fewer than `record`: a login's
        fsync). Pass it to `log` once the transaction has committed."""
        event = self._event(event_type, user_id, None, details)
        uow.audit_events.add(event)
        return event

    def log(self, event: AuditEvent) -> None:
        self._log.write(event)

    def _event(
        self,
        event_type: AuditEventType,
        user_id: uuid.UUID | None,
        actor_id: uuid.UUID | None,
        details: dict[str, Any] | None,
    ) -> AuditEvent:
        request = current_request()
        return AuditEvent(
            event_type=event_type,
            occurred_at=self._clock.now(),
            user_id=user_id,
            actor_id=actor_id if actor_id is not None else user_id,
            ip=request.ip,
            user_agent=request.user_agent,
            details=details or {},
        )
