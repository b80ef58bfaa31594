"""Who is calling, and which request this is: set once per request by the inbound interface.

A context variable rather than a parameter of every command: it is known only at the edge, is needed
only where events are recorded (and by the log lines, through a logging filter), and follows the
request into the threadpool by itself.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    """The request's X-Request-ID: the caller's when short and safe, else one made for it."""


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current_request() -> RequestContext:
    return _current.get() or _NO_REQUEST


def set_current_request(context: RequestContext) -> None:
    _current.set(context)
