"""A database outage in the log: one warning when it begins and one when it ends.

During an outage every request that needs the database fails the same way; a line for each
would bury the cause (thousands of lines in seconds) and tell nothing new. The failures in
between are counted instead, and the count closes the outage's second line.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)


class DatabaseOutageLog:
    """Told of every call that found the database unreachable and of every one it answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failures = 0

    def unreachable(self, error: BaseException) -> None:
        with self._lock:
            self._failures += 1
            if self._since is not None:
                return
            self._since = time.monotonic()
        logger.warning(
            "Database unreachable (%s); requests that need it are refused with 503 until it "
            "answers again.",
            type(error).__name__,
        )

    def answered(self) -> None:
        if self._since is None:  # the usual case, decided without the lock
            return
        with self._lock:
            if self._since is None:
                return
            lasted, failures = time.monotonic() - self._since, self._failures
            self._since, self._failures = None, 0
        # A warning as well, so whoever filters at WARNING sees the outage end, not only begin.
        logger.warning(
            "Database answers again after %.1f s; %d requests refused meanwhile.", lasted, failures
        )
