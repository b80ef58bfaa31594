"""Concurrent requests against one app, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.

Each race starts its threads together behind a barrier and joins them with a bound. The app's
TestClient re-raises server exceptions, so a 500 fails the race as an error in its thread.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from tests.api.conftest import STRONG_PASSWORD, Api, bearer

JOIN_SECONDS = 60.0
ROUNDS = 3
DEMOTIONS = [("ada", "bea"), ("bea", "ada")]
"""(actor, target) of the two racing demotions."""


def race(count: int, action: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Run `action(0..count-1)` in `count` threads released at once; every one must answer."""
    barrier = threading.Barrier(count, timeout=JOIN_SECONDS)
    responses: list[httpx.Response | None] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = action(index)
        except BaseException as error:  # a 500 arrives here: TestClient re-raises it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a racer did not finish in time"
    assert not errors, errors
    answered = [response for response in responses if response is not None]
    assert len(answered) == count
    assert all(response.status_code < 500 for response in answered), [r.text for r in answered]
    return answered


def outcomes(responses: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    """(status, code) of every response; code is None for bodies without one."""
    counted: Counter[tuple[int, str | None]] = Counter()
    for response in responses:
        body: Any = response.json() if response.content else None
        code = body.get("code") if isinstance(body, dict) else None
        counted[(response.status_code, code)] += 1
    return counted


def make_admin(api: Api, username: str) -> None:
    container = api.client.app.state.container  # type: ignore[attr-defined]
    container.create_admin().execute(
        CreateAdminCommand(
            actor=OPERATOR,
            username=username,
            email=f"{username}@example.com",
            password=STRONG_PASSWORD,
        )
    )


def me(api: Api, token: str) -> dict[str, Any]:
    response = api.client.get("/users/me", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def active_admins(api: Api, token: str) -> list[dict[str, Any]]:
    response = api.client.get(
        "/admin/users", params={"role": "admin", "limit": 100}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return [user for user in response.json()["items"] if user["is_active"]]


# --- registration ----------------------------------------------------------------------------

REGISTRANTS = 50


def test_concurrent_registrations_of_one_email_admit_exactly_one(
    api: Api, admin_token: str
) -> None:
    def register(n: int) -> httpx.Response:
        body = {
            "username": f"racer{n:02d}",
            "email": "Same@Example.com",
            "password": STRONG_PASSWORD,
        }
        response: httpx.Response = api.client.post("/auth/register", json=body)
        return response

    responses = race(REGISTRANTS, register)

    assert outcomes(responses) == {(201, None): 1, (409, "email_taken"): REGISTRANTS - 1}
    winner = next(response.json() for response in responses if response.status_code == 201)
    assert winner["email"] == "same@example.com"
    listed = api.client.get(
        "/admin/users", params={"search": "racer", "limit": 100}, headers=bearer(admin_token)
    ).json()["items"]
    assert [user["id"] for user in listed] == [winner["id"]]
    assert api.login(winner["username"])["user"]["id"] == winner["id"]


def test_concurrent_registrations_of_one_username_admit_exactly_one(
    api: Api, admin_token: str
) -> None:
    def register(n: int) -> httpx.Response:
        # Usernames are unique case-insensitively: the racers differ only in case.
        username = "Racer" if n % 2 else "racer"
        body = {
            "username": username,
            "email": f"racer{n:02d}@example.com",
            "password": STRONG_PASSWORD,
        }
        response: httpx.Response = api.client.post("/auth/register", json=body)
        return response

    responses = race(REGISTRANTS, register)

    assert outcomes(responses) == {(201, None): 1, (409, "username_taken"): REGISTRANTS - 1}
    winner = next(response.json() for response in responses if response.status_code == 201)
    listed = api.client.get(
        "/admin/users", params={"search": "racer", "limit": 100}, headers=bearer(admin_token)
    ).json()["items"]
    assert [user["id"] for user in listed] == [winner["id"]]


# --- posts -----------------------------------------------------------------------------------

EDITORS = 20


def pair(n: int) -> tuple[str, str]:
    return f"title v{n:02d}", f"content v{n:02d} " + f"written by editor {n:02d}. " * 3


def test_concurrent_edits_of_one_post_leave_one_writers_pair(api: Api) -> None:
    token = api.registered_token("author")
    created = api.client.post(
        "/posts",
        headers=bearer(token),
        json={"title": "the original", "content": "the original content, long enough"},
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    def edit(n: int) -> httpx.Response:
        title, content = pair(n)
        response: httpx.Response = api.client.patch(
            f"/posts/{post_id}", headers=bearer(token), json={"title": title, "content": content}
        )
        return response

    responses = race(EDITORS, edit)

    assert outcomes(responses) == {(200, None): EDITORS}
    written = {pair(n) for n in range(EDITORS)}
    for response in responses:  # every writer saw its own write whole
        assert (response.json()["title"], response.json()["content"]) in written
    stored = api.client.get(f"/posts/{post_id}", headers=bearer(token)).json()
    assert (stored["title"], stored["content"]) in written
    assert stored["author_id"] == me(api, token)["id"]


# --- the last admin --------------------------------------------------------------------------


def test_two_admins_demoting_each_other_leave_one_admin(api: Api) -> None:
    """A demotion bumps the demoted admin's token version, so the loser of a round gets 409
    `last_admin` when its request reached the use case, or 401 when it was authenticated after
    the winner's demotion committed. Never both demoted, never a 500."""
    make_admin(api, "ada")
    make_admin(api, "bea")
    seen: Counter[tuple[int, str | None]] = Counter()
    for _ in range(ROUNDS):
        tokens = {name: api.token(name) for name in ("ada", "bea")}
        ids = {name: me(api, token)["id"] for name, token in tokens.items()}

        def demote(
            n: int, tokens: dict[str, str] = tokens, ids: dict[str, str] = ids
        ) -> httpx.Response:
            actor, target = DEMOTIONS[n]
            response: httpx.Response = api.client.patch(
                f"/admin/users/{ids[target]}/role",
                headers=bearer(tokens[actor]),
                json={"role": "user"},
            )
            return response

        responses = race(2, demote)

        counted = outcomes(responses)
        seen.update(counted)
        assert counted[(200, None)] == 1, counted
        loser = next(response for response in responses if response.status_code != 200)
        assert (loser.status_code, loser.json()["code"]) in {
            (409, "last_admin"),
            (401, "invalid_token"),
        }, loser.text
        survivor = DEMOTIONS[responses.index(loser)][1]  # the loser tried to demote the survivor
        winner_token = api.token(survivor)
        assert [user["username"] for user in active_admins(api, winner_token)] == [survivor]
        demoted = "bea" if survivor == "ada" else "ada"
        promoted = api.client.patch(
            f"/admin/users/{ids[demoted]}/role",
            headers=bearer(winner_token),
            json={"role": "admin"},
        )
        assert promoted.status_code == 200, promoted.text
    assert sum(seen.values()) == 2 * ROUNDS


def test_the_last_two_admins_deactivating_themselves_leave_one(api: Api) -> None:
    make_admin(api, "ada")
    make_admin(api, "bea")
    for _ in range(ROUNDS):
        names = ("ada", "bea")
        tokens = [api.token(name) for name in names]

        def deactivate(n: int, tokens: list[str] = tokens) -> httpx.Response:
            response: httpx.Response = api.client.patch(
                "/users/me/deactivate",
                headers=bearer(tokens[n]),
                json={"password": STRONG_PASSWORD},
            )
            return response

        responses = race(2, deactivate)

        # The loser's token is untouched by the winner's deactivation, so it always reaches
        # the use case and is refused there.
        assert outcomes(responses) == {(204, None): 1, (409, "last_admin"): 1}
        survivor = names[next(i for i, r in enumerate(responses) if r.status_code == 409)]
        gone = names[next(i for i, r in enumerate(responses) if r.status_code == 204)]
        survivor_token = api.token(survivor)
        admins = active_admins(api, survivor_token)
        assert [user["username"] for user in admins] == [survivor]
        refused = api.client.post(
            "/auth/login", json={"username": gone, "password": STRONG_PASSWORD}
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "account_inactive")
        gone_id = next(
            user["id"]
            for user in api.client.get(
                "/admin/users", params={"search": gone}, headers=bearer(survivor_token)
            ).json()["items"]
        )
        reopened = api.client.patch(
            f"/admin/users/{gone_id}/activate", headers=bearer(survivor_token)
        )
        assert reopened.status_code == 200, reopened.text
