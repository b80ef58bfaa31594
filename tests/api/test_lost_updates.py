"""Two requests changing different things of one row at the same moment: both changes survive.

On SQLite and (with TEST_POSTGRES_URL) PostgreSQL, where a read-modify-write without a row lock
loses one of them in most rounds. Each race runs ROUNDS times; see tests/api/test_races.py for
how a race starts its requests together.
"""

from typing import Any

import httpx

from tests.api.conftest import STRONG_PASSWORD, Api, bearer
from tests.api.test_races import make_admin, me, outcomes, race

ROUNDS = 20
PROFILE_EDITORS = 8
OTHER_PASSWORD = "purple monkey dishwasher quietly"
REFRESHERS = 2


def full_name(n: int) -> str:
    return f"Editor {n:02d}"


def edit_profile(api: Api, token: str, n: int) -> httpx.Response:
    response: httpx.Response = api.client.patch(
        "/users/me", headers=bearer(token), json={"full_name": full_name(n)}
    )
    return response


def login_status(api: Api, username: str, password: str) -> int:
    response = api.client.post("/auth/login", json={"username": username, "password": password})
    return int(response.status_code)


def test_profile_edits_never_undo_a_password_change(api: Api) -> None:
    api.register("alice")
    passwords = [STRONG_PASSWORD, OTHER_PASSWORD]
    token = api.token("alice")
    name: str | None = None
    for round_number in range(ROUNDS):
        old, new = passwords[round_number % 2], passwords[(round_number + 1) % 2]

        def act(n: int, token: str = token, old: str = old, new: str = new) -> httpx.Response:
            if n == 0:
                response: httpx.Response = api.client.patch(
                    "/users/me/password",
                    headers=bearer(token),
                    json={"current_password": old, "new_password": new},
                )
                return response
            return edit_profile(api, token, n)

        responses = race(1 + PROFILE_EDITORS, act)

        # A 200 here also proves that the previous round's change held.
        assert responses[0].status_code == 200, f"round {round_number}: {responses[0].text}"
        # An edit authenticated after the change committed meets a revoked token.
        assert {r.status_code for r in responses[1:]} <= {200, 401}, [r.text for r in responses]
        token = responses[0].json()["access_token"]
        assert login_status(api, "alice", old) == 401, f"round {round_number}: old password works"
        assert login_status(api, "alice", new) == 200  # and the failure above is cleared
        edited: set[str | None] = {
            full_name(n) for n, r in enumerate(responses) if n and r.status_code == 200
        }
        previous, name = name, me(api, token)["full_name"]
        assert name in (edited or {previous}), f"round {round_number}: an edit was lost"


def test_an_admins_demotion_and_deactivation_survive_concurrent_profile_edits(api: Api) -> None:
    make_admin(api, "root")
    make_admin(api, "ada")
    root = api.token("root")
    ada_id = me(api, api.token("ada"))["id"]
    for round_number in range(ROUNDS):
        # The user's own edits race the admin's change; then the admin undoes it for the next round.
        change: tuple[str, str | None] = ("role", "user")
        undo: tuple[str, str | None] = ("role", "admin")
        if round_number % 2:
            change, undo = ("deactivate", None), ("activate", None)
        ada = api.token("ada")

        def act(n: int, ada: str = ada, change: tuple[str, str | None] = change) -> httpx.Response:
            if n == 0:
                action, role = change
                body: Any = {"role": role} if role else None
                response: httpx.Response = api.client.patch(
                    f"/admin/users/{ada_id}/{action}", headers=bearer(root), json=body
                )
                return response
            return edit_profile(api, ada, n)

        responses = race(1 + PROFILE_EDITORS, act)

        assert responses[0].status_code == 200, responses[0].text
        assert {r.status_code for r in responses[1:]} <= {200, 401, 403}
        stored = api.client.get(f"/admin/users/{ada_id}", headers=bearer(root)).json()
        if change[0] == "role":
            assert stored["role"] == "user", f"round {round_number}: the demotion was undone"
        else:
            assert stored["is_active"] is False, f"round {round_number}: deactivation undone"
            assert login_status(api, "ada", STRONG_PASSWORD) == 403
        action, role = undo
        restored = api.client.patch(
            f"/admin/users/{ada_id}/{action}",
            headers=bearer(root),
            json={"role": role} if role else None,
        )
        assert restored.status_code == 200, restored.text


def test_two_patches_of_different_task_fields_both_survive(api: Api) -> None:
    token = api.registered_token("alice")
    changes = [{"priority": "high"}, {"completed": True}]
    for round_number in range(ROUNDS):
        created = api.client.post(
            "/tasks", headers=bearer(token), json={"title": f"Task {round_number}"}
        )
        assert created.status_code == 201, created.text
        task_id = created.json()["id"]

        def patch(n: int, task_id: str = task_id) -> httpx.Response:
            response: httpx.Response = api.client.patch(
                f"/tasks/{task_id}", headers=bearer(token), json=changes[n]
            )
            return response

        assert outcomes(race(len(changes), patch)) == {(200, None): len(changes)}
        stored = api.client.get(f"/tasks/{task_id}", headers=bearer(token)).json()
        assert (stored["priority"], stored["completed"]) == ("high", True), f"round {round_number}"


def test_three_patches_of_different_post_fields_all_survive(api: Api) -> None:
    token = api.registered_token("author")
    changes = [
        {"published": True},
        {"title": "A better title"},
        {"content": "Better content, and long enough to pass."},
    ]
    for round_number in range(ROUNDS):
        created = api.client.post(
            "/posts",
            headers=bearer(token),
            json={"title": f"Draft {round_number}", "content": "The first draft, long enough."},
        )
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]

        def patch(n: int, post_id: str = post_id) -> httpx.Response:
            response: httpx.Response = api.client.patch(
                f"/posts/{post_id}", headers=bearer(token), json=changes[n]
            )
            return response

        assert outcomes(race(len(changes), patch)) == {(200, None): len(changes)}
        stored = api.client.get(f"/posts/{post_id}", headers=bearer(token)).json()
        assert (stored["published"], stored["title"], stored["content"]) == (
            True,
            "A better title",
            "Better content, and long enough to pass.",
        ), f"round {round_number}"


def test_refreshes_racing_logout_everywhere_leave_no_working_token(api: Api) -> None:
    api.register("alice")
    for round_number in range(ROUNDS):
        # Two sessions, each refreshed while the first one's access token logs out everywhere.
        pairs = [api.login("alice") for _ in range(REFRESHERS)]

        def act(n: int, pairs: list[dict[str, Any]] = pairs) -> httpx.Response:
            response: httpx.Response
            if n < REFRESHERS:
                refresh_token = pairs[n]["refresh_token"]
                response = api.client.post("/auth/refresh", json={"refresh_token": refresh_token})
            else:
                access_token = pairs[0]["access_token"]
                response = api.client.post("/auth/logout-all", headers=bearer(access_token))
            return response

        responses = race(REFRESHERS + 1, act)

        assert responses[-1].status_code == 204, responses[-1].text
        assert {r.status_code for r in responses[:-1]} <= {200, 401}
        issued = pairs + [r.json() for r in responses[:-1] if r.status_code == 200]
        for tokens in issued:
            again = api.client.post(
                "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert again.status_code == 401, f"round {round_number}: a refresh token lives on"
            reused = api.client.get("/users/me", headers=bearer(tokens["access_token"]))
            assert reused.status_code == 401, f"round {round_number}: an access token lives on"
