"""Delivers email over SMTP on one background thread, so no request ever waits on a mail server."""

import contextlib
import logging
import queue
import smtplib
import ssl
import threading
from collections.abc import Callable
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid, parseaddr

from application.ports.email import EmailMessage

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_QUEUE_SIZE = 1000
DEFAULT_WAIT_SECONDS = 30.0

FailureHandler = Callable[[EmailMessage, Exception], None]
SentHandler = Callable[[EmailMessage], None]


class EmailQueueFull(RuntimeError):
    """The message was dropped on arrival: too many were already waiting for delivery."""


class EmailSenderClosed(RuntimeError):
    """The message was dropped: the sender was closed before it could be delivered."""


class SmtpEmailSender:
    """Queues each message and delivers it from one worker thread, one SMTP connection each.

    `send()` only enqueues. Every message it accepts ends up either delivered or reported: a
    failure (refused connection, SMTP error, timeout, untrusted certificate, full queue) is
    logged as one warning naming the recipient's domain and the error, never the body (which
    holds single-use tokens) nor the address, and is passed to `on_failure`; a delivered one is
    passed to `on_sent`. `on_failure` runs on the worker thread, or on the caller's when a
    message is dropped on arrival (`on_sent` on the worker thread); whatever either raises is
    logged and swallowed, so neither the caller nor the worker ever sees it.

    STARTTLS, when configured, is required: a server that does not offer it is a failure, never
    a silent fallback to plain text. The certificate is verified against the system's trust
    store. Credentials are only sent when `username` is set.

    The worker is a daemon thread, so it never keeps the process alive; call `close()` at
    shutdown to deliver what is still queued.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        sender: str,
        on_failure: FailureHandler | None = None,
        on_sent: SentHandler | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._starttls = starttls
        self._sender = sender
        self._envelope_sender = parseaddr(sender)[1] or sender
        self._on_failure = on_failure
        self._on_sent = on_sent
        self._timeout = timeout_seconds
        # None is the worker's signal to stop.
        self._queue: queue.Queue[EmailMessage | None] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._pending = 0  # accepted, and neither delivered nor reported yet
        self._closed = False
        self._worker: threading.Thread | None = None

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            if self._closed:
                error: Exception = EmailSenderClosed("the email sender is closed")
            else:
                try:
                    self._queue.put_nowait(message)
                except queue.Full:
                    # Waiting for room would hold a request hostage to a slow mail server.
                    error = EmailQueueFull("too many emails are waiting for delivery")
                else:
                    self._pending += 1
                    self._ensure_worker()
                    return
        self._report(message, error)

    def flush(self, timeout: float = DEFAULT_WAIT_SECONDS) -> bool:
        """Wait until every accepted message is delivered or reported; False if time ran out."""
        with self._drained:
            return self._drained.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = DEFAULT_WAIT_SECONDS) -> bool:
        """Refuse new messages, deliver the queued ones, and stop the worker.

        Messages still queued when `timeout` runs out are reported as `EmailSenderClosed`
        (the one being delivered, if any, is left to finish); then this returns False.
        """
        with self._lock:
            self._closed = True
        drained = self.flush(timeout)
        if not drained:
            self._abandon_queued()
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            # Room is certain: nothing is queued now, and nothing can be any more.
            self._queue.put_nowait(None)
        return drained

    def _ensure_worker(self) -> None:
        # Also (re)starts it after a fork, where the parent's thread does not exist.
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="tessera-smtp", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                self._deliver(message)
            except Exception as error:
                self._report(message, _unwrap_timeout(error))
            else:
                self._sent(message)
            finally:
                self._settle()

    def _settle(self) -> None:
        with self._drained:
            self._pending -= 1
            if self._pending == 0:
                self._drained.notify_all()

    def _abandon_queued(self) -> None:
        while True:
            try:
                message = self._queue.get_nowait()
            except queue.Empty:
                return
            if message is not None:
                self._report(message, EmailSenderClosed("closed before this email was sent"))
                self._settle()

    def _deliver(self, message: EmailMessage) -> None:
        # Composed first: a header that would not be safe to send fails before any connection.
        mime = self._compose(message)
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None:
                smtp.login(self._username, self._password or "")
            smtp.send_message(mime, from_addr=self._envelope_sender, to_addrs=[message.to])
        finally:
            # The message is delivered (or not) by now; a failed goodbye changes neither.
            with contextlib.suppress(OSError):
                smtp.quit()
            smtp.close()

    def _compose(self, message: EmailMessage) -> MimeMessage:
        mime = MimeMessage()  # its default policy rejects CR/LF in a header value
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(usegmt=True)
        # With a domain given, make_msgid skips its DNS lookup of this host's name.
        mime["Message-ID"] = make_msgid(domain=_domain(self._envelope_sender))
        mime.set_content(message.body)
        return mime

    def _sent(self, message: EmailMessage) -> None:
        if self._on_sent is None:
            return
        try:
            self._on_sent(message)
        except Exception as hook_error:
            logger.warning("email delivery report failed: %s", type(hook_error).__name__)

    def _report(self, message: EmailMessage, error: Exception) -> None:
        logger.warning(
            "email to a recipient at %s not delivered: %s",
            _domain(message.to),
            _describe(error),
        )
        if self._on_failure is None:
            return
        try:
            self._on_failure(message, error)
        except Exception as hook_error:
            # Best effort: a failing report must not take down the worker or the caller.
            logger.warning("email failure report failed: %s", type(hook_error).__name__)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower() if "@" in address else "an unknown domain"


def _unwrap_timeout(error: Exception) -> Exception:
    # smtplib turns a reply that never came into "server disconnected"; report it as the
    # timeout it is, so the audit trail tells a slow server from one that hung up.
    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(
        error.__context__, TimeoutError
    ):
        return error.__context__
    return error


def _describe(error: Exception) -> str:
    """The error's kind and code, never its text when that text may quote the message."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Its text names the refused addresses.
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"{name} {codes}"
    if isinstance(error, smtplib.SMTPResponseException):
        # The server's reply may echo an address back.
        return f"{name} {error.smtp_code}"
    if isinstance(error, OSError):
        # Socket, TLS and smtplib's own protocol errors describe the connection, not the mail.
        return f"{name}: {error}"
    return name
