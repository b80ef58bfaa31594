"""RESET / VERIFY 34-40 and the recovery rows of the /auth table, through HTTP and the outbox."""

import json
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Self

import anyio
import httpx
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from infrastructure.persistence.memory import MemoryDatabase, MemoryUnitOfWork
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, Api, bearer, make_settings
from tests.unit.fakes import RecordingEmailSender

NEW_PASSWORD = "a brand new passphrase 7"


def forgot(client: TestClient, email: str, **headers: str) -> tuple[int, object]:
    response = client.post("/auth/forgot-password", json={"email": email}, headers=headers)
    return response.status_code, response.json()


def test_forgot_answers_the_same_for_known_and_unknown_addresses(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    known = forgot(api.client, "alice@example.com")
    unknown = forgot(api.client, "nobody@example.com")
    assert known == unknown
    assert known[0] == 202
    assert [message.to for message in emails.sent if "reset" in message.subject.lower()] == [
        "alice@example.com"
    ]


def test_reset_flow_revokes_everything_and_logs_nobody_in(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    pair = api.login()
    forgot(api.client, "alice@example.com")
    token = emails.last_token()
    assert api.token() is not None  # asking changed nothing
    response = api.client.post(
        "/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert api.client.get("/users/me", headers=bearer(pair["access_token"])).status_code == 401
    refreshed = api.client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401
    assert api.token(password=NEW_PASSWORD)
    assert emails.sent[-1].subject == "Your password was changed"
    again = api.client.post(
        "/auth/reset-password", json={"token": token, "new_password": "third passphrase here"}
    )
    assert (again.status_code, again.json()["code"]) == (400, "invalid_reset_token")


def test_reset_applies_the_policy_and_keeps_the_token(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    forgot(api.client, "alice@example.com")
    token = emails.last_token()
    weak = api.client.post(
        "/auth/reset-password", json={"token": token, "new_password": "password1"}
    )
    assert weak.status_code == 422
    assert "password1" not in weak.text
    ok = api.client.post(
        "/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 204


def test_links_use_the_configured_base_url_whatever_the_host_headers(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    forgot(
        api.client,
        "alice@example.com",
        Host="evil.example",
        **{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    body = emails.sent[-1].body
    assert "http://localhost:8000/app/reset-password?token=" in body
    assert "evil.example" not in body


def test_verify_flow(api: Api, emails: RecordingEmailSender) -> None:
    token = api.registered_token()
    link_token = emails.last_token("alice@example.com")
    assert "http://localhost:8000/app/verify-email?token=" in emails.sent[-1].body
    response = api.client.post("/auth/verify", json={"token": link_token})
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    again = api.client.post("/auth/verify", json={"token": link_token})
    assert (again.status_code, again.json()["code"]) == (400, "invalid_verify_token")
    sent = len(emails.sent)
    assert api.client.post("/auth/request-verify", headers=bearer(token)).status_code == 202
    assert len(emails.sent) == sent  # already verified: nothing to send


def test_tokens_only_in_post_bodies_and_purposes_do_not_mix(
    api: Api, emails: RecordingEmailSender
) -> None:
    api.register()
    verify_token = emails.last_token()
    assert api.client.get(f"/auth/verify?token={verify_token}").status_code == 405
    wrong_purpose = api.client.post(
        "/auth/reset-password", json={"token": verify_token, "new_password": NEW_PASSWORD}
    )
    assert (wrong_purpose.status_code, wrong_purpose.json()["code"]) == (400, "invalid_reset_token")
    assert api.client.post("/auth/verify", json={"token": verify_token}).status_code == 200


def test_an_email_change_voids_the_old_link(api: Api, emails: RecordingEmailSender) -> None:
    token = api.registered_token()
    old_link = emails.last_token()
    changed = api.client.patch(
        "/users/me", headers=bearer(token), json={"email": "new@example.com"}
    )
    assert changed.json()["email_verified"] is False
    assert api.client.post("/auth/verify", json={"token": old_link}).status_code == 400
    new_link = emails.last_token("new@example.com")
    assert (
        api.client.post("/auth/verify", json={"token": new_link}).json()["email"]
        == "new@example.com"
    )


def test_request_verify_needs_a_token(client: TestClient) -> None:
    response = client.post("/auth/request-verify")
    assert response.status_code == 401


def test_password_change_sends_a_notice(api: Api, emails: RecordingEmailSender) -> None:
    token = api.registered_token()
    api.client.patch(
        "/users/me/password",
        headers=bearer(token),
        json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert emails.sent[-1].subject == "Your password was changed"
    assert NEW_PASSWORD not in emails.sent[-1].body


WAIT_SECONDS = 5.0  # a bound on synchronisation only, reached only when the order is wrong


class CountingUnitOfWork(MemoryUnitOfWork):
    entered = 0  # by every unit of work of the test's app

    def __enter__(self) -> Self:
        CountingUnitOfWork.entered += 1
        return super().__enter__()


class AnswerWatchingSender(RecordingEmailSender):
    """Holds each message until the answer is out (or the wait runs out), noting which it was."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = threading.Event()
        self.sent_after_the_answer: list[bool] = []

    def send(self, message: Any) -> None:
        self.sent_after_the_answer.append(self.answered.wait(WAIT_SECONDS))
        super().send(message)


@pytest.mark.anyio
@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
async def test_forgot_password_answers_before_any_work_on_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, email: str
) -> None:
    container = build_container(make_settings(tmp_path, database_url="memory://"))
    sender = AnswerWatchingSender()
    sender.answered.set()
    container.email_sender.override(providers.Object(sender))
    database = MemoryDatabase()
    container.uow.override(
        providers.Factory(CountingUnitOfWork, database, after_commit=container.after_commit)
    )
    app = create_app(container)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://tessera"
    ) as client:
        body = {"username": "alice", "email": "alice@example.com", "password": STRONG_PASSWORD}
        assert (await client.post("/auth/register", json=body)).status_code == 201
    sender.answered.clear()
    sender.sent.clear()
    sender.sent_after_the_answer.clear()
    monkeypatch.setattr(CountingUnitOfWork, "entered", 0)

    # Driven by hand: an HTTP client would only return once the app has finished, work and all.
    request = json.dumps({"email": email}).encode()
    answer: list[MutableMapping[str, Any]] = []
    at_the_answer: dict[str, object] = {}
    answered = anyio.Event()

    async def receive() -> dict[str, Any]:
        if not answer:
            return {"type": "http.request", "body": request, "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        answer.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            at_the_answer.update(units_of_work=CountingUnitOfWork.entered, sent=len(sender.sent))
            sender.answered.set()
            answered.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/auth/forgot-password",
        "raw_path": b"/auth/forgot-password",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"tessera"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(request)).encode()),
        ],
        "client": ("203.0.113.5", 40000),
        "server": ("tessera", 80),
    }
    with anyio.fail_after(2 * WAIT_SECONDS):
        await app(scope, receive, send)

    assert answer[0]["status"] == 202
    # Nothing was read or written before the answer, for a registered address or not.
    assert at_the_answer == {"units_of_work": 0, "sent": 0}
    registered = email == "alice@example.com"
    assert sender.sent_after_the_answer == ([True] if registered else [])
    assert CountingUnitOfWork.entered >= 1  # the work did run, after the answer
    assert [message.to for message in sender.sent] == ([email] if registered else [])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
