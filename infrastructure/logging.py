"""Log output: one line per record, JSON in production; the audit trail's log adapter."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from application.ports.audit import AuditEvent
from application.request_context import current_request

AUDIT_LOGGER = "tessera.audit"


class RequestIdFilter(logging.Filter):
    """Names the request a record belongs to: `record.request_id`, its X-Request-ID (None outside
    a request). Read from the request context, which follows the request into worker threads."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request().request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; JSON escaping keeps a CR/LF inside a value from forging lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        audit = getattr(record, "audit", None)
        if audit is not None:
            entry["audit"] = audit
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class SingleLineFormatter(logging.Formatter):
    """Human-readable, but a CR or LF in a message is escaped, so one record stays one line."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        message, _, trace = text.partition("\nTraceback")
        escaped = message.replace("\r", "\\r").replace("\n", "\\n")
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            escaped += f" request_id={request_id}"
        return f"{escaped}\nTraceback{trace}" if trace else escaped


def configure_logging(*, json_lines: bool, level: int = logging.INFO) -> None:
    """Give the root logger one stderr handler, unless something (a test runner) already did."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else SingleLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)


def audit_record(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "event_type": event.event_type.value,
        "occurred_at": event.occurred_at.isoformat(),
        "user_id": str(event.user_id) if event.user_id else None,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
    }


class LoggingSecurityLog:
    """Writes each audit event as one structured log line on the `tessera.audit` logger."""

    def __init__(self) -> None:
        self._logger = logging.getLogger(AUDIT_LOGGER)

    def write(self, event: AuditEvent) -> None:
        record = audit_record(event)
        self._logger.info(
            "%s user=%s actor=%s ip=%s details=%s",
            record["event_type"],
            record["user_id"],
            record["actor_id"],
            record["ip"],
            json.dumps(record["details"], default=str),
            extra={"audit": record},
        )
