"""Every list refuses a malformed cursor with 400 `invalid_cursor`, whatever is wrong with it:
not base64, not JSON, JSON of the wrong shape or types, or an instant no store can hold."""

import base64
import json
from typing import Any

import pytest

from tests.api.conftest import Api, bearer


def crafted(payload: Any) -> str:
    """A cursor that is well-formed base64 of whatever JSON an attacker chose."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


A_UUID = "4b1c3c55-2a9e-4c8e-9a55-0c7b8e5d1f00"
MALFORMED_CURSORS = {
    "not base64": "%%%",
    "not json": base64.urlsafe_b64encode(b"not json").decode(),
    "a json list": crafted(["2026-01-01T00:00:00+00:00", A_UUID]),
    "a json string": crafted("2026-01-01T00:00:00+00:00"),
    "a json number": crafted(7),
    "json null": crafted(None),
    "no id": crafted({"t": "2026-01-01T00:00:00+00:00"}),
    "id is a list": crafted({"t": "2026-01-01T00:00:00+00:00", "id": [A_UUID]}),
    "id is a number": crafted({"t": "2026-01-01T00:00:00+00:00", "id": 12}),
    "id is an object": crafted({"t": "2026-01-01T00:00:00+00:00", "id": {"a": 1}}),
    "id is not a uuid": crafted({"t": "2026-01-01T00:00:00+00:00", "id": "x"}),
    "instant is a number": crafted({"t": 1767225600, "id": A_UUID}),
    "instant is a list": crafted({"t": ["2026"], "id": A_UUID}),
    "naive instant": crafted({"t": "2026-01-01T00:00:00", "id": A_UUID}),
    "instant before year 1 in UTC": crafted({"t": "0001-01-01T00:00:00+05:00", "id": A_UUID}),
    "instant after year 9999 in UTC": crafted({"t": "9999-12-31T23:00:00-05:00", "id": A_UUID}),
}

# The six lists that take a cursor (GET /auth/sessions is a plain array).
LISTS = ["/tasks", "/posts", "/posts/my", "/users", "/admin/users", "/admin/audit-events"]


@pytest.mark.parametrize("path", LISTS)
def test_every_malformed_cursor_is_400_invalid_cursor(
    api: Api, admin_token: str, path: str
) -> None:
    for name, cursor in MALFORMED_CURSORS.items():
        response = api.client.get(path, params={"cursor": cursor}, headers=bearer(admin_token))
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "The pagination cursor is malformed.", "code": "invalid_cursor"},
        ), name


def test_anonymous_posts_refuse_a_crafted_cursor(api: Api) -> None:
    cursor = MALFORMED_CURSORS["id is a list"]
    response = api.client.get("/posts", params={"cursor": cursor})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "instant", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00"]
)
def test_a_cursor_at_the_edges_of_time_is_an_ordinary_page(
    api: Api, admin_token: str, path: str, instant: str
) -> None:
    """The earliest and latest instants a cursor can name reach the database and page normally."""
    cursor = crafted({"t": instant, "id": A_UUID})
    response = api.client.get(path, params={"cursor": cursor}, headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    if instant.startswith("0001"):
        assert response.json() == {"items": [], "next_cursor": None}
