"""Who is calling, for the audit trail: set once per request by the inbound interface.

A context variable rather than a parameter of every command: it is known only at the edge, is needed
only where events are recorded, and follows the request into the threadpool by itself.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str | None = None


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current_request() -> RequestContext:
    return _current.get() or _NO_REQUEST


def set_current_request(context: RequestContext) -> None:
    _current.set(context)
