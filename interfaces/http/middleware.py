"""ASGI middleware: the headers every response carries, the body size limit, the request context."""

import base64
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.request_context import RequestContext, set_current_request
from interfaces.http.client import client_info
from interfaces.http.errors import error_response

access_logger = logging.getLogger("tessera.access")

MAX_BODY_BYTES = 1024 * 1024

# API answers are per-user and may hold tokens: no cache may keep them. They are JSON, never a page:
# a browser that renders one anyway (or frames it) gets no script, style, frame or form from it.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"pragma", b"no-cache"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
API_HEADERS = (*SECURITY_HEADERS, (b"content-security-policy", API_CSP.encode()))

# The documentation pages load Swagger UI, ReDoc and the favicon from Tessera itself ('self':
# fastapi-offline's copies); their own inline <script> is allowed by hash (computed from the page
# itself), so no other inline or injected script runs. Swagger UI and ReDoc set inline styles, hence
# 'unsafe-inline' for styles only. connect-src 'self': they fetch /openapi.json and send "Try it out"
# requests. Nothing is loaded from anywhere else.
_LOCKED = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SWAGGER_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; {_LOCKED}"
)
# ReDoc runs its search in a worker made from a blob.
REDOC_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; worker-src blob:; {_LOCKED}"
)
# The OAuth2 redirect page only runs its inline script, then hands the result to its opener.
OAUTH2_REDIRECT_CSP = f"default-src 'none'; script-src {{scripts}}; {_LOCKED}"

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions for each inline script of a page, so exactly those may run."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]


def _with_headers(message: Message, headers: Iterable[tuple[bytes, bytes]]) -> None:
    present = {name.lower() for name, _ in message.get("headers", [])}
    extra = [header for header in headers if header[0] not in present]
    message["headers"] = [*message.get("headers", []), *extra]


def _app_path(scope: Scope) -> str:
    """The path as the app's routes see it (Starlette keeps the root path in scope["path"])."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class PayloadTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit.

    An HTTPException so that FastAPI's body parsing lets it through (it turns other errors into a
    400) and the app's handler answers with the contract's `payload_too_large` body.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")


# Routing matches paths with `$`, which in Python also matches before a trailing newline: left
# alone, `/posts/%0A` would be answered by `/posts/`, and `/users/me%0A` by `/users/me`.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 64
# What a caller's X-Request-ID may hold to be kept: it is copied into every log line and audit
# event of the request, so nothing that could break a line, a JSON string or a shell.
_SAFE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_REQUEST_ID_LENGTH}}}")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID when it is short and safe, else a new random one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:  # ASGI servers give header names in lower case
            given = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(given):
                return given
            break
    return os.urandom(16).hex()


UNMATCHED_ROUTE = "unmatched"
"""The route label of a request that no route matched (a 404, or one answered before routing)."""

RequestObserver = Callable[[str, str, int, float], None]
"""Counts one answered request: route template, method, status, seconds."""


def route_template(scope: Scope, root_path: str = "") -> str:
    """The template of the route that answered (`/tasks/{task_id}`), never the path asked for: a
    path may hold anything a client typed. Mounted apps' routes carry their mount's prefix (the
    pages' `/app/login`); a mount that answered by itself (static files) is `<mount>/{path}`."""
    # Routing moved every mount it passed on the way into root_path.
    mounts: str = scope.get("root_path", "")[len(root_path) :]
    route = scope.get("route")
    path = getattr(route, "path", None)
    if route is None or isinstance(route, Mount) or not isinstance(path, str):
        # No route of its own: a mount answered by itself, or nothing matched at all.
        return f"{mounts}/{{path}}" if mounts else UNMATCHED_ROUTE
    return mounts + path


class EdgeMiddleware:
    """What every HTTP request meets on its way in and out, in one ASGI layer:

    - who is calling and which request this is: the request context the use cases audit with,
      and `X-Request-ID` on the response (every log line and audit event of the request names it);
    - a control character in the path, or a NUL in the query string, is a 400 before routing;
    - a body over `max_body_bytes` is a 413: a declared Content-Length before a byte is read, a
      streamed (chunked) body as soon as the count passes the limit, never held in memory here;
    - hardening headers on every response, with a CSP that fits what the response is;
    - one access log line per request (method, path, status: never the query string, which may
      hold a token), and with metrics on, the request counted by route template.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_proxies: frozenset[str] = frozenset(),
        observe: RequestObserver | None = None,
        swagger_paths: Iterable[str | None] = (),
        redoc_paths: Iterable[str | None] = (),
        oauth2_redirect_paths: Iterable[str | None] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies
        self.observe = observe
        self.max_body_bytes = max_body_bytes
        self.page_policies: dict[str, str] = {}
        for paths, policy in (
            (swagger_paths, SWAGGER_CSP),
            (redoc_paths, REDOC_CSP),
            (oauth2_redirect_paths, OAUTH2_REDIRECT_CSP),
        ):
            self.page_policies.update({path: policy for path in paths if path})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        client = client_info(Request(scope), self.trusted_proxies)
        request_id = request_id_of(scope["headers"])
        set_current_request(
            RequestContext(ip=client.ip, user_agent=client.user_agent, request_id=request_id)
        )
        headers = [*API_HEADERS, (REQUEST_ID_HEADER, request_id.encode("ascii"))]
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _with_headers(message, headers)
            await send(message)

        try:
            refusal = self._refusal(scope)
            page_policy = self.page_policies.get(_app_path(scope))
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
            elif page_policy is not None:
                await self._documentation_page(page_policy, scope, receive, send_with_headers)
            else:
                await self._limiting_the_body(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                self.observe(route_template(scope, root_path), scope["method"], status, seconds)
            access_logger.info(
                "%s %s %s %.1fms", scope["method"], scope["path"], status, seconds * 1000
            )

    def _refusal(self, scope: Scope) -> Response | None:
        """The answer to a request refused before routing, or None. (No identifier, filter or
        search of the contract can hold a NUL, and PostgreSQL cannot compare text with one: left
        alone, `?search=%00` would reach the database and fail there as a 500.)"""
        if _CONTROL_CHARACTER.search(scope["path"]):
            return error_response(400, "bad_request", "The URL path contains a control character.")
        if b"\x00" in unquote_to_bytes(scope["query_string"]):
            return error_response(400, "bad_request", "The URL contains a NUL character.")
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return self._too_large()
        return None

    def _too_large(self) -> Response:
        detail = f"The request body is larger than the limit of {self.max_body_bytes} bytes."
        # The unread body is still on the connection: closing it is the only safe way on.
        return error_response(413, "payload_too_large", detail, {"Connection": "close"})

    async def _limiting_the_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise PayloadTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge:
            # Normally the app's own handler has answered; this covers a read outside a route
            # (a middleware, a dependency reading the stream) that let the exception escape.
            if response_started:
                raise
            await self._too_large()(scope, receive, send)

    async def _documentation_page(
        self, policy: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Hold the (small) page until it is whole: its CSP names the hashes of its inline scripts."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold_until_complete(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            scripts = " ".join(["'self'", *inline_script_hashes(body)])
            csp = policy.format(scripts=scripts).encode()
            # Its own CSP first: `send` then adds only what the page does not have yet.
            _with_headers(start, [*SECURITY_HEADERS, (b"content-security-policy", csp)])
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold_until_complete)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            digits = value.strip()
            if not digits.isdigit():
                return None  # unreadable: the streamed body is counted instead
            # Past 18 digits it is over any limit; int() of thousands of digits would raise.
            return int(digits) if len(digits) <= 18 else 10**18
    return None


class WorkerHeaderMiddleware:
    """Test mode only (`ENVIRONMENT=test`): `X-Tessera-Worker: <pid>` names the process that
    answered, so the multi-worker tests can prove that a request reached another worker than the
    one that issued its token. Never elsewhere: a pid tells an outsider about the host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (b"x-tessera-worker", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_worker(message: Message) -> None:
            if message["type"] == "http.response.start":
                _with_headers(message, [self.header])
            await send(message)

        await self.app(scope, receive, send_with_worker)
