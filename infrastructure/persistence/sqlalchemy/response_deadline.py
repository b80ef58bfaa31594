"""A client-side bound on every wait for PostgreSQL's answer.

The server's `statement_timeout` ends a statement that runs too long, but only a server that is
there to run it: when packets to it are dropped, or a proxy or pooler in between keeps the
connection open while nothing answers behind it, the driver waits on its socket for ever. The
kernel's keepalives and `tcp_user_timeout` end some of those waits, but not the ones behind a
proxy (whose kernel acknowledges everything) nor a query already acknowledged. So every wait of
a connection is also watched from here, and one that outlasts its deadline has the connection's
socket shut down under it: the driver sees the connection closed, raises, and SQLAlchemy
discards the connection.
"""

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.abc import RV, PQGen


class NoAnswer(psycopg.OperationalError):
    """The server did not answer within the deadline; the connection was closed."""


class ResponseDeadline:
    """Shuts down the socket under any wait that lasts longer than `seconds`.

    One watcher thread per deadline, started by the first wait and ended when none is left.
    Every wait gets the same length, so they end in the order they began: the watcher only ever
    sleeps until the oldest one's deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._waits: dict[object, tuple[float, int]] = {}  # in start order: (deadline, socket)
        self._expired: set[object] = set()
        self._watcher: threading.Thread | None = None

    @contextlib.contextmanager
    def watch(self, fileno: int) -> Iterator[None]:
        """Bound the wait in the `with` block on the socket `fileno`."""
        key = object()
        with self._lock:
            self._waits[key] = (time.monotonic() + self.seconds, fileno)
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, name="tessera-db-deadline", daemon=True
                )
                self._watcher.start()
        try:
            yield
        except psycopg.OperationalError as error:
            if self._end(key):
                raise NoAnswer(f"the database did not answer within {self.seconds:g} s") from error
            raise
        finally:
            self._end(key)

    def _end(self, key: object) -> bool:
        """Stop watching `key`; whether it had expired."""
        with self._lock:
            self._waits.pop(key, None)
            if key in self._expired:
                self._expired.discard(key)
                return True
            return False

    def _watch(self) -> None:
        while True:
            with self._lock:
                if not self._waits:
                    self._watcher = None
                    return
                key, (deadline, fileno) = next(iter(self._waits.items()))
                delay = deadline - time.monotonic()
                if delay <= 0:
                    # Under the lock: the waiting thread cannot leave its wait and close this
                    # socket (letting the number be reused) while we shut it down.
                    del self._waits[key]
                    self._expired.add(key)
                    _shut_down(fileno)
                    continue
            time.sleep(delay)


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server (each query, commit, rollback and
    the pool's ping) is bounded by `deadline`."""

    deadline: ResponseDeadline | None = None

    def wait(self, gen: PQGen[RV], *args: Any, **kwargs: Any) -> RV:
        if self.deadline is None:
            return super().wait(gen, *args, **kwargs)
        with self.deadline.watch(self.pgconn.socket):
            return super().wait(gen, *args, **kwargs)


def _shut_down(fileno: int) -> None:
    # On a duplicate of the descriptor: shutting down acts on the socket itself, and closing
    # the duplicate leaves the driver's descriptor for the driver to close.
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fileno)) as sock:
        sock.shutdown(socket.SHUT_RDWR)
