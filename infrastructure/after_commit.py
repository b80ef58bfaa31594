"""Where committed messages go: audit events to the security log, emails to the sender."""

import logging
from collections.abc import Sequence

from application.ports.audit import AuditEvent, SecurityLog
from application.ports.email import EmailSender
from application.ports.unit_of_work import Outgoing

logger = logging.getLogger(__name__)


class LogAndSend:
    def __init__(self, log: SecurityLog, sender: EmailSender) -> None:
        self._log = log
        self._sender = sender

    def dispatch(self, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            # The change is committed: a failure here is reported, never raised into it.
            try:
                if isinstance(message, AuditEvent):
                    self._log.write(message)
                else:
                    self._sender.send(message)
            except Exception:
                logger.exception("could not pass on a %s after commit", type(message).__name__)
