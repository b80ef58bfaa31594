"""FastAPI dependencies: use cases from the app's container, the current user, the caller's details."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from application.ports.tokens import AccessTokenClaims
from application.use_cases.auth.authenticate_access_token import (
    AuthenticateAccessToken,
    AuthenticatedCaller,
)
from domain.users import User
from infrastructure.container import Container
from interfaces.http.errors import NotAuthenticated

T = TypeVar("T")

# auto_error=False: the contract's 401 body and challenge come from our own error handlers.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def use_case(build: Callable[[Container], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency that builds a fresh use case (with its own unit of work) from the container."""

    async def dependency(request: Request) -> T:  # async: building is cheap, no thread hop needed
        return build(container_of(request))

    return dependency


async def run_read(request: Request, read: Callable[[], T], *, bounded: bool = True) -> T:
    """Run a use case that only reads, such as the check behind every authenticated request.

    Where the database lives in this process (SQLite in WAL mode, where a reader never waits for a
    lock, or the memory store), a `bounded` read (rows by key, or a page walked along an index
    that stops after `limit` rows) takes tens of microseconds, less than handing it to a worker
    thread and back (and far less under load, where the threads contend for the GIL), so it runs
    right here; the SQLite pool has a connection for the loop beside every thread's, so it never
    waits for one. A read that may scan (a search, a filter the index cannot seek to) and every
    read of a database across the network is waited for in a worker thread, never on the loop.
    """
    if bounded and request.app.state.database_in_process:
        return read()
    return await run_in_threadpool(read)


async def _authenticate(request: Request, token: str) -> User:
    """The hot path of every authenticated request: one cached token check and one indexed read."""
    return await run_read(
        request, partial(container_of(request).authenticate_access_token().execute, token)
    )


async def current_user(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> User:
    if not token:
        raise NotAuthenticated()
    user = await _authenticate(request, token)
    return user


async def optional_user(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> User | None:
    """Anonymous when no token is sent; a token that is sent must be valid (never silently ignored)."""
    return await _authenticate(request, token) if token else None


async def current_caller(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> AuthenticatedCaller:
    """`current_user` with the session the token belongs to, for the routes whose rules spare
    the caller's own session."""
    if not token:
        raise NotAuthenticated()
    return await run_read(
        request, partial(container_of(request).authenticate_access_token().identify, token)
    )


CurrentUser = Annotated[User, Depends(current_user)]
CurrentCaller = Annotated[AuthenticatedCaller, Depends(current_caller)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


@dataclass(frozen=True)
class SignedIn:
    """The caller of a route that only reads: its token verified, its session not read yet.

    `read` reads the session and user and runs the route's use case as one step: with the database
    across the network that is one worker-thread hop per request instead of two (one for the
    check, one for the read), and each hop costs more than the query under load. A token that does
    not verify was already refused (401) before the route's parameters were looked at.
    """

    request: Request
    authenticate: AuthenticateAccessToken
    claims: AccessTokenClaims

    async def read(self, use: Callable[[User], T], *, bounded: bool = True) -> T:
        """`use(caller)`, run as `run_read` runs a read (`bounded` as there)."""

        def checked_then_used() -> T:
            return use(self.authenticate.identify_verified(self.claims).user)

        return await run_read(self.request, checked_then_used, bounded=bounded)


async def signed_in(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> SignedIn:
    if not token:
        raise NotAuthenticated()
    authenticate = container_of(request).authenticate_access_token()
    return SignedIn(request, authenticate, authenticate.verified(token))


SignedInReader = Annotated[SignedIn, Depends(signed_in)]
