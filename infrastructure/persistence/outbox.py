"""What a unit of work's use case emitted, held until its transaction commits."""

from application.ports.audit import AuditEvent
from application.ports.repositories import AuditEventRepository
from application.ports.unit_of_work import AfterCommit, Outgoing


class Outbox:
    """Audit events go into the open transaction at once; they and the emails are dispatched
    only after it commits, and forgotten when it rolls back. Shared by every unit of work."""

    def __init__(self, after_commit: AfterCommit | None) -> None:
        self._after_commit = after_commit
        self._pending: list[Outgoing] = []

    def hold(self, message: Outgoing, audit_events: AuditEventRepository) -> None:
        if self._after_commit is None:  # a store built for reads and tests: never drop silently
            raise RuntimeError("This unit of work has nowhere to send what it emits.")
        if isinstance(message, AuditEvent):
            audit_events.add(message)
        self._pending.append(message)

    def release(self) -> None:
        """The transaction committed: send what it emitted."""
        messages, self._pending = self._pending, []
        if messages and self._after_commit is not None:
            self._after_commit.dispatch(messages)

    def discard(self) -> None:
        self._pending.clear()
