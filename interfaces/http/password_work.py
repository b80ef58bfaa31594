"""Requests that hash or check a password run in worker threads, a few at a time.

One Argon2 computation takes about a tenth of a second, most of a CPU and 64 MiB. Run from the
shared thread pool, a login storm would take every worker thread (each one only waiting on the
hasher's own bound) and the requests behind it would queue for a thread. These requests get a
pool of their own instead: at most `slots` run at once, and the rest wait on the event loop,
holding no thread and no memory.
"""

import os
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request

T = TypeVar("T")


class PasswordWork:
    def __init__(self, slots: int | None = None) -> None:
        self._limiter = anyio.CapacityLimiter(slots or os.cpu_count() or 1)

    async def run(self, function: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(function, limiter=self._limiter)


def password_work(request: Request) -> PasswordWork:
    work: PasswordWork = request.app.state.password_work
    return work


PasswordWorker = Annotated[PasswordWork, Depends(password_work)]
