"""The audit trail as the use cases use it: events stamped with when and from where, and handed to
a unit of work, so that an event is stored exactly when the change it records is."""

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from application.errors import AccountInactive, EmailNotVerified, StorageUnavailable
from application.ports.audit import AuditEvent, AuditEventType, SecurityLog
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from domain.errors import PermissionDenied

logger = logging.getLogger(__name__)

REFUSALS = (PermissionDenied, AccountInactive, EmailNotVerified)
"""What a caller is refused for who they are (403), as opposed to what they sent."""
NOT_STORED = "audit event %s (%s) not stored, only logged: %s"
REQUEST_ID_DETAIL = "request_id"
"""The key in an event's `details` naming the request (its X-Request-ID) that caused it."""


class AuditTrail:
    """Three ways to record, by what the event belongs to:

    - `record(uow, …)`: part of a change. Stored in its transaction, logged once it commits;
      neither if it rolls back.
    - `record_alone(…)`: an event with no change of its own (a failed login, a refusal, an email
      that could not be delivered). Stored and logged in a transaction of its own.
    - `log_only(…)`: an event anyone can cause in bulk (a rejected bearer token): logged, never
      stored, so that it cannot fill the database.
    """

    def __init__(self, new_uow: Callable[[], UnitOfWork], log: SecurityLog, clock: Clock) -> None:
        self._new_uow = new_uow
        self._log = log
        self._clock = clock

    def record(
        self,
        uow: UnitOfWork,
        event_type: AuditEventType,
        *,
        user_id: uuid.UUID | None = None,
        actor_id: uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        uow.emit(self._event(event_type, user_id, actor_id, details))

    def record_alone(
        self,
        event_type: AuditEventType,
        *,
        user_id: uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Never fails the caller (whose answer does not depend on it): an event that cannot be
        stored is logged whole all the same, and an ERROR line names it, so that an operator can
        restore it to the store from the log."""
        event = self._event(event_type, user_id, None, details)
        try:
            with self._new_uow() as uow:
                uow.emit(event)
                uow.commit()
        except Exception as error:
            self._log.write(event)
            unavailable = isinstance(error, StorageUnavailable)
            reason = "database unavailable" if unavailable else type(error).__name__
            logger.error(
                NOT_STORED, event.id, event.event_type.value, reason, exc_info=not unavailable
            )

    def log_only(
        self,
        event_type: AuditEventType,
        *,
        user_id: uuid.UUID | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._log.write(self._event(event_type, user_id, None, details))

    @contextmanager
    def refusals(self, actor_id: uuid.UUID | None) -> Iterator[None]:
        """Record a refusal raised inside as `permission_denied` naming the actor (None: the
        operator), whichever interface asked, and let it go on."""
        try:
            yield
        except REFUSALS as refusal:
            self.record_alone(
                AuditEventType.PERMISSION_DENIED, user_id=actor_id, details={"code": refusal.code}
            )
            raise

    def _event(
        self,
        event_type: AuditEventType,
        user_id: uuid.UUID | None,
        actor_id: uuid.UUID | None,
        details: dict[str, Any] | None,
    ) -> AuditEvent:
        request = current_request()
        details = dict(details or {})
        if request.request_id is not None:
            # In details, not a column of its own: the contract fixes the audit event's fields,
            # and `details` is the part of it that is free, so the admin API shows it as is.
            details[REQUEST_ID_DETAIL] = request.request_id
        return AuditEvent(
            event_type=event_type,
            occurred_at=self._clock.now(),
            user_id=user_id,
            actor_id=actor_id if actor_id is not None else user_id,
            ip=request.ip,
            user_agent=request.user_agent,
            details=details,
        )
