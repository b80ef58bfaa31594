"""The development email backend: what a developer reads to follow a verification or reset link."""

import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from application.ports.email import EmailMessage

logger = logging.getLogger(__name__)

_RULE = "-" * 72


class ConsoleEmailSender:
    """Prints each message to `stream` (standard output by default) instead of delivering it.

    The body is printed as is, so a link stays on a line of its own that a terminal can open.
    It holds single-use tokens: this backend is for development only.
    """

    def __init__(
        self, stream: TextIO | None = None, on_sent: Callable[[EmailMessage], None] | None = None
    ) -> None:
        # None means "sys.stdout when sending", not at construction, so a stream swapped in
        # later (a test runner's capture, a redirected stdout) is the one written to.
        self._stream = stream
        # One write per message under a lock: concurrent requests must not interleave lines.
        self._lock = threading.Lock()
        self._on_sent = on_sent

    def send(self, message: EmailMessage) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        text = (
            f"{_RULE}\n"
            f"To: {message.to}\n"
            f"Subject: {message.subject}\n"
            f"\n"
            f"{message.body.rstrip()}\n"
            f"{_RULE}\n"
        )
        try:
            with self._lock:
                stream.write(text)
                # A piped stdout is block-buffered; the developer is waiting for this link now.
                stream.flush()
        except (OSError, ValueError) as error:  # a closed or broken stream
            # The port promises the caller never sees a delivery failure.
            logger.warning("email not printed: %s", type(error).__name__)
            return
        if self._on_sent is not None:
            self._on_sent(message)
