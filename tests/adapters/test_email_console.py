"""The console backend: the development default, so its output is where a developer finds the link."""

import io
import logging

import pytest

from application.emails import EmailTemplates
from infrastructure.email import ConsoleEmailSender

TOKEN = "console-single-use-token"
MESSAGE = EmailTemplates("http://localhost:8000").verify_email("alice@example.org", "alice", TOKEN)
LINK = f"http://localhost:8000/app/verify-email?token={TOKEN}"


def test_it_prints_the_recipient_subject_and_body_with_the_link_on_a_line_of_its_own() -> None:
    stream = io.StringIO()

    ConsoleEmailSender(stream).send(MESSAGE)

    lines = stream.getvalue().splitlines()
    assert "To: alice@example.org" in lines
    assert "Subject: Confirm your email address" in lines
    assert LINK in lines  # whole and unwrapped, so a terminal can open it
    assert "Hello alice," in lines


def test_each_message_is_printed_whole_and_in_order() -> None:
    stream = io.StringIO()
    sender = ConsoleEmailSender(stream)
    other = EmailTemplates("http://localhost:8000").password_changed("bob@example.org", "bob")

    sender.send(MESSAGE)
    sender.send(other)

    output = stream.getvalue()
    assert output.index(LINK) < output.index("To: bob@example.org")
    assert output.count("Subject: ") == 2


def test_by_default_it_prints_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleEmailSender().send(MESSAGE)

    assert LINK in capsys.readouterr().out.splitlines()


def test_a_closed_stream_is_logged_without_the_token_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="infrastructure.email")
    stream = io.StringIO()
    stream.close()

    ConsoleEmailSender(stream).send(MESSAGE)

    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert TOKEN not in caplog.text
