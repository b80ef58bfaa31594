"""Errors are pages with the matching status, never JSON and never a 500."""

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import STRONG_PASSWORD
from tests.web.conftest import browser, form_token, register


def test_an_unknown_page_is_the_404_page(client: TestClient) -> None:
    response = client.get("/app/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "<h1>Page not found</h1>" in response.text


def test_a_malformed_query_is_the_400_page_not_json(client: TestClient) -> None:
    response = client.get("/app/?q=" + "x" * 201)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "<h1>That request could not be understood</h1>" in response.text


def test_a_throttled_login_is_a_429_page_that_says_how_long_to_wait(tmp_path: Path) -> None:
    with browser(tmp_path, login_max_failures=2) as client:
        register(client)
        answers = []
        for password in ["wrong one", "wrong two", STRONG_PASSWORD]:
            form = {"csrf_token": form_token(client), "login": "alice", "password": password}
            answers.append(client.post("/app/login", data=form))
        assert [answer.status_code for answer in answers] == [401, 401, 429]
        throttled = answers[-1]
        wait = int(throttled.headers["retry-after"])
        assert 0 < wait <= 900
        assert "Too many attempts. Wait " in throttled.text
        assert "tessera_session" not in client.cookies


def test_an_unreachable_database_is_a_503_page_and_the_pages_recover(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with browser(tmp_path, database_url=f"sqlite:///{folder / 'tessera.db'}") as client:
        assert client.get("/app/").status_code == 200
        moved = shutil.move(folder, tmp_path / "elsewhere")
        client.app.state.container.engine().dispose()  # type: ignore[attr-defined]
        response = client.get("/app/")
        assert response.status_code == 503
        assert "text/html" in response.headers["content-type"]
        assert response.headers["retry-after"] == "5"
        assert "unavailable" in response.text

        shutil.move(moved, folder)
        assert client.get("/app/").status_code == 200
