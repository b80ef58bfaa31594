"""Take the README's screenshots of the pages: `.venv/bin/python docs/screenshots/take.py`.

Starts `tessera serve` on a scratch SQLite database in a temporary folder, fills it with a few
people, posts and tasks through the API and the command line, and photographs the main pages in
Debian's Chromium (/usr/bin/chromium) at a desktop and a phone size, into this folder.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.browser.server import PASSWORD, Server, serving  # noqa: E402

HERE = Path(__file__).parent
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

POSTS = [
    (
        "Moving house with a task list",
        "Boxes, keys, the meter readings. Twenty small things, none of them hard, all of them easy to forget.\n\nA list that only I can see made it a quiet week.",
    ),
    (
        "Why our team keeps a changelog",
        "Every Friday we write down what changed and why. Six months later it is the only document anyone reads.",
    ),
    (
        "Notes from the allotment",
        "The beans did well, the courgettes better. Next year: fewer courgettes.",
    ),
]
TASKS = [
    ("Renew the passport", "high", "2027-01-15"),
    ("Book the boiler service", "medium", "2026-12-20"),
    ("Return the library books", "low", None),
    ("Write the quarterly report", "high", "2026-12-10"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, serving(Path(folder)) as server:
        _create_admin(Path(folder), server)
        token = _writer(server)
        for title, content in POSTS:
            _api(
                server,
                "POST",
                "/posts",
                token,
                {"title": title, "content": content, "published": True},
            )
        for title, priority, due in TASKS:
            _api(
                server,
                "POST",
                "/tasks",
                token,
                {"title": title, "priority": priority, "due_date": due},
            )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport=DESKTOP)  # type: ignore[arg-type]
            _shoot(page, server, "/app/", "home")
            _shoot(page, server, "/app/login", "login")
            _log_in(page, server, "maria")
            _shoot(page, server, "/app/tasks", "tasks")
            _shoot(page, server, "/app/account", "account")
            _log_in(page, server, "admin")
            _shoot(page, server, "/app/admin/users", "admin")
            phone = browser.new_page(viewport=PHONE)  # type: ignore[arg-type]
            _shoot(phone, server, "/app/", "home-phone", full_page=False)
            browser.close()


def _create_admin(folder: Path, server: Server) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "interfaces.cli.main",
            "users",
            "create-admin",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            "--password-stdin",
        ],
        input=PASSWORD.encode(),
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _writer(server: Server) -> str:
    body = {
        "username": "maria",
        "email": "maria@example.com",
        "password": PASSWORD,
        "full_name": "Maria Rossi",
    }
    httpx.post(server.url + "/auth/register", json=body, timeout=10).raise_for_status()
    login = {"username": "maria", "password": PASSWORD}
    response = httpx.post(server.url + "/auth/login", json=login, timeout=10)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _api(server: Server, method: str, path: str, token: str, body: dict[str, object]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    httpx.request(
        method, server.url + path, json=body, headers=headers, timeout=10
    ).raise_for_status()


def _log_in(page: Page, server: Server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "/app/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/app/")


def _shoot(page: Page, server: Server, path: str, name: str, *, full_page: bool = True) -> None:
    page.goto(server.url + path)
    page.screenshot(path=HERE / f"{name}.png", full_page=full_page)
    print(f"{name}.png  {path}")


if __name__ == "__main__":
    main()
