"""The pages over HTTP, without a browser: what a browser would send, spelled out, checked fast."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import STRONG_PASSWORD, make_settings

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def browser(tmp_path: Path, **settings: Any) -> TestClient:
    base_url = (
        "https://testserver"
        if settings.get("public_base_url", "").startswith("https")
        else "http://testserver"
    )
    app = create_app(build_container(make_settings(tmp_path, **settings)))
    return TestClient(app, base_url=base_url, follow_redirects=False)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with browser(tmp_path) as test_client:
        yield test_client


def form_token(client: TestClient, path: str = "/app/login") -> str:
    """Open a page as a browser would (getting its CSRF cookie) and read the form's token."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_token(response.text)


def register(client: TestClient, username: str = "alice") -> None:
    token = form_token(client, "/app/register")
    form = {
        "csrf_token": token,
        "username": username,
        "email": f"{username}@example.com",
        "password": STRONG_PASSWORD,
    }
    response = client.post("/app/register", data=form)
    assert response.status_code == 303, response.text


def log_in(client: TestClient, username: str = "alice") -> None:
    token = form_token(client)
    form = {"csrf_token": token, "login": username, "password": STRONG_PASSWORD}
    response = client.post("/app/login", data=form)
    assert response.status_code == 303, response.text
