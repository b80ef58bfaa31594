"""SmtpEmailSender against a real SMTP server (aiosmtpd) on 127.0.0.1.

No test measures time: blocking happens on Events the test controls, and every wait is bounded
by WAIT, which is only reached when something is already broken.
"""

import asyncio
import email
import email.policy
import ipaddress
import logging
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from application.emails import EmailTemplates
from application.ports.email import EmailMessage
from infrastructure.email import EmailQueueFull, EmailSenderClosed, SmtpEmailSender

WAIT = 10.0
HOST = "127.0.0.1"
SENDER = "Tessera <no-reply@tessera.example>"
TOKEN = "s3cr3t-single-use-token-value"
TEMPLATES = EmailTemplates("https://tessera.example")
MESSAGE = TEMPLATES.reset_password("alice@example.org", "alice", TOKEN)
LINK = f"https://tessera.example/app/reset-password?token={TOKEN}"
SMTP_USER, SMTP_PASSWORD = "mailer", "mailer-password"


@dataclass(frozen=True)
class Received:
    mail_from: str | None
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    over_tls: bool
    credentials: LoginPassword | None


@dataclass
class RecordingHandler:
    """Records each delivered message; with `release` set, holds every DATA until it is set."""

    release: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.entered.set()
        if self.release is not None:
            # Waited for off the event loop, so the server can still be stopped.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, WAIT)
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                over_tls=session.ssl is not None,
                credentials=session.auth_data,
            )
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(handler: RecordingHandler, **smtp_options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port, **smtp_options)
    controller.start()
    try:
        yield port
    finally:
        if handler.release is not None:
            handler.release.set()
        controller.stop()


@dataclass
class Failures:
    reports: list[tuple[EmailMessage, Exception]] = field(default_factory=list)

    def __call__(self, message: EmailMessage, error: Exception) -> None:
        self.reports.append((message, error))


SenderFactory = Callable[..., SmtpEmailSender]


@pytest.fixture
def failures() -> Failures:
    return Failures()


@pytest.fixture
def make_sender(failures: Failures) -> Iterator[SenderFactory]:
    senders: list[SmtpEmailSender] = []

    def make(port: int, **options: Any) -> SmtpEmailSender:
        options.setdefault("on_failure", failures)
        sender = SmtpEmailSender(host=HOST, port=port, sender=SENDER, **options)
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close(WAIT)


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="infrastructure.email")
    return caplog


def email_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and record.name.startswith("infrastructure.email")
    ]


def send_returns(sender: SmtpEmailSender, message: EmailMessage) -> bool:
    """Whether send() comes back, checked from another thread so a hang fails instead of sticking."""
    caller = threading.Thread(target=sender.send, args=(message,), daemon=True)
    caller.start()
    caller.join(WAIT)
    return not caller.is_alive()


def test_it_delivers_the_message_with_its_headers_and_link(
    make_sender: SenderFactory, failures: Failures
) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        sender = make_sender(port)
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [received] = handler.received
    assert received.mail_from == "no-reply@tessera.example"
    assert received.rcpt_tos == ["alice@example.org"]
    assert received.message["From"] == SENDER
    assert received.message["To"] == "alice@example.org"
    assert received.message["Subject"] == "Reset your password"
    assert received.message["Date"]
    assert received.message["Message-ID"].endswith("@tessera.example>")
    body = received.message.get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert body == MESSAGE.body
    assert LINK in body.splitlines()
    assert received.credentials is None  # no username configured: no AUTH
    assert failures.reports == []


def test_send_returns_while_the_server_is_still_blocked(make_sender: SenderFactory) -> None:
    release = threading.Event()
    handler = RecordingHandler(release=release)
    second = TEMPLATES.verify_email("bob@example.org", "bob", "another-token")
    with smtp_server(handler) as port:
        sender = make_sender(port)

        assert send_returns(sender, MESSAGE)
        assert handler.entered.wait(WAIT)  # the worker is now stuck inside the server
        assert send_returns(sender, second)
        assert handler.received == []
        assert not sender.flush(timeout=0.1)  # nothing can finish while the server holds on

        release.set()
        assert sender.flush(WAIT)

    assert [r.message["To"] for r in handler.received] == ["alice@example.org", "bob@example.org"]


def test_a_full_queue_drops_the_message_at_once_and_reports_it(
    make_sender: SenderFactory, failures: Failures, warnings: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()
    handler = RecordingHandler(release=release)
    queued = TEMPLATES.password_changed("bob@example.org", "bob")
    dropped = TEMPLATES.password_changed("carol@example.net", "carol")
    with smtp_server(handler) as port:
        sender = make_sender(port, queue_size=1)
        sender.send(MESSAGE)
        assert handler.entered.wait(WAIT)  # taken off the queue by the worker
        sender.send(queued)  # fills the queue

        sender.send(dropped)

        [(message, error)] = failures.reports
        assert message is dropped
        assert isinstance(error, EmailQueueFull)
        assert email_warnings(warnings) == [
            "email to a recipient at example.net not delivered: EmailQueueFull"
        ]
        release.set()
        assert sender.flush(WAIT)

    assert [r.message["To"] for r in handler.received] == ["alice@example.org", "bob@example.org"]


def test_an_unreachable_server_is_reported_and_logged_without_the_body(
    make_sender: SenderFactory, failures: Failures, warnings: pytest.LogCaptureFixture
) -> None:
    sender = make_sender(free_port())  # nothing listens there

    sender.send(MESSAGE)  # must not raise
    assert sender.flush(WAIT)

    [(message, error)] = failures.reports
    assert message is MESSAGE
    assert isinstance(error, ConnectionRefusedError)
    [warning] = email_warnings(warnings)
    assert "example.org" in warning
    assert "ConnectionRefusedError" in warning
    for secret in (TOKEN, LINK, "alice", MESSAGE.body):
        assert secret not in warnings.text


def test_an_smtp_error_is_reported_and_the_worker_survives_a_failing_report(
    make_sender: SenderFactory, warnings: pytest.LogCaptureFixture
) -> None:
    reported: list[Exception] = []

    def broken_audit(message: EmailMessage, error: Exception) -> None:
        reported.append(error)
        raise RuntimeError("the audit store is down")

    handler = RecordingHandler()
    bounced = TEMPLATES.reset_password("bounce@example.org", "bounce", TOKEN)
    with smtp_server(handler) as port:
        sender = make_sender(port, on_failure=broken_audit)
        sender.send(bounced)
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [error] = reported
    assert isinstance(error, smtplib.SMTPRecipientsRefused)
    assert [r.message["To"] for r in handler.received] == ["alice@example.org"]
    assert email_warnings(warnings) == [
        "email to a recipient at example.org not delivered: SMTPRecipientsRefused [550]",
        "email failure report failed: RuntimeError",
    ]
    assert "bounce" not in warnings.text
    assert TOKEN not in warnings.text


def test_a_server_that_never_answers_times_out(
    make_sender: SenderFactory, failures: Failures
) -> None:
    # Accepted by the kernel's backlog, never by anyone: the greeting never comes.
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen()
        sender = make_sender(silent.getsockname()[1], timeout_seconds=0.2)

        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [(_, error)] = failures.reports
    assert isinstance(error, TimeoutError)


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(
    make_sender: SenderFactory, failures: Failures
) -> None:
    handler = RecordingHandler()
    forged = EmailMessage(
        to="alice@example.org\r\nBcc: mallory@evil.example", subject="Hi", body="Hello"
    )
    with smtp_server(handler) as port:
        sender = make_sender(port)
        sender.send(forged)
        assert sender.flush(WAIT)

    [(_, error)] = failures.reports
    assert isinstance(error, ValueError)
    assert handler.received == []


def test_close_delivers_what_is_queued_then_refuses_more(
    make_sender: SenderFactory, failures: Failures
) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        sender = make_sender(port)
        sender.send(MESSAGE)

        assert sender.close(WAIT)
        assert len(handler.received) == 1

        sender.send(MESSAGE)  # reported, not raised

    [(message, error)] = failures.reports
    assert message is MESSAGE
    assert isinstance(error, EmailSenderClosed)
    assert len(handler.received) == 1


def test_close_reports_what_it_could_not_deliver_in_time(
    make_sender: SenderFactory, failures: Failures
) -> None:
    release = threading.Event()
    handler = RecordingHandler(release=release)
    stranded = TEMPLATES.password_changed("bob@example.org", "bob")
    with smtp_server(handler) as port:
        sender = make_sender(port)
        sender.send(MESSAGE)
        assert handler.entered.wait(WAIT)
        sender.send(stranded)

        assert not sender.close(timeout=0.1)  # the server still holds the first one

        [(message, error)] = failures.reports
        assert message is stranded
        assert isinstance(error, EmailSenderClosed)
        release.set()
        assert sender.flush(WAIT)  # the one in flight still finishes

    assert [r.message["To"] for r in handler.received] == ["alice@example.org"]
    assert len(failures.reports) == 1


# STARTTLS and AUTH, against a certificate issued by a throwaway CA.


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    server_context: ssl.SSLContext


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    now = datetime.now(UTC)

    def certificate(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: str,
        signer: ec.EllipticCurvePrivateKey,
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        certificate("Tessera test CA", ca_key, "Tessera test CA", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        certificate(HOST, server_key, "Tessera test CA", ca_key)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file = tmp_path / "server.pem"
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "server.key"
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    return Pki(ca_file, server_context)


@pytest.fixture
def trusted(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> Pki:
    """Makes ssl.create_default_context() (the adapter's own call) trust the test CA."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    return pki


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and auth_data == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    # handled=False: aiosmtpd then sends the 535 itself.
    return AuthResult(success=valid, handled=False, auth_data=auth_data if valid else None)


def secured_server(handler: RecordingHandler, pki: Pki) -> Any:
    return smtp_server(
        handler,
        tls_context=pki.server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )


def test_it_upgrades_with_starttls_and_logs_in(
    make_sender: SenderFactory, failures: Failures, trusted: Pki
) -> None:
    handler = RecordingHandler()
    with secured_server(handler, trusted) as port:
        sender = make_sender(port, starttls=True, username=SMTP_USER, password=SMTP_PASSWORD)
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    assert failures.reports == []
    [received] = handler.received
    assert received.over_tls
    assert received.credentials == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
    assert LINK in received.message.get_content()


def test_a_wrong_password_is_reported_without_the_password(
    make_sender: SenderFactory, failures: Failures, trusted: Pki, warnings: pytest.LogCaptureFixture
) -> None:
    handler = RecordingHandler()
    with secured_server(handler, trusted) as port:
        sender = make_sender(port, starttls=True, username=SMTP_USER, password="wrong-password")
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [(_, error)] = failures.reports
    assert isinstance(error, smtplib.SMTPAuthenticationError)
    assert handler.received == []
    assert "wrong-password" not in warnings.text


def test_an_untrusted_certificate_stops_delivery(
    make_sender: SenderFactory, failures: Failures, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    handler = RecordingHandler()
    with secured_server(handler, pki) as port:
        sender = make_sender(port, starttls=True, username=SMTP_USER, password=SMTP_PASSWORD)
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [(_, error)] = failures.reports
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert handler.received == []


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it(
    make_sender: SenderFactory, failures: Failures
) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:  # no TLS context: no STARTTLS on offer
        sender = make_sender(port, starttls=True)
        sender.send(MESSAGE)
        assert sender.flush(WAIT)

    [(_, error)] = failures.reports
    assert isinstance(error, smtplib.SMTPNotSupportedError)
    assert handler.received == []
