"""Data for a benchmark run: accounts through the API (as users make them), task rows in bulk by SQL.

A million tasks through the API would take longer than the whole run, so rows are generated inside
the database: SQLite with a recursive CTE, PostgreSQL with generate_series. They are the rows the
application would write (same columns and formats), a second apart, so every cursor is distinct.
"""

import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

PASSWORD = "correct horse battery staple"
"""Every benchmark account's password: long enough for the password policy."""


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    username: str
    access_token: str


def call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def register(base_url: str, username: str) -> Account:
    user = call(
        base_url,
        "POST",
        "/auth/register",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    login = call(base_url, "POST", "/auth/login", {"username": username, "password": PASSWORD})
    return Account(uuid.UUID(user["id"]), username, login["access_token"])


_SQLITE_TASKS = """
WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n WHERE i < :last)
INSERT INTO tasks (id, owner_id, title, description, completed, priority, due_date,
                   created_at, updated_at)
SELECT lower(hex(randomblob(16))), :owner, 'Task ' || i, NULL, i % 3 = 0, 'medium', NULL,
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') || '.000000',
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') || '.000000'
FROM n
"""

_POSTGRESQL_TASKS = """
INSERT INTO tasks (id, owner_id, title, description, completed, priority, due_date,
                   created_at, updated_at)
SELECT gen_random_uuid(), :owner, 'Task ' || i, NULL, i % 3 = 0, 'medium', NULL,
       to_timestamp(1600000000 + i), to_timestamp(1600000000 + i)
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
"""


def add_tasks(engine: sa.Engine, owner: uuid.UUID, first: int, count: int) -> None:
    """Tasks numbered first .. first + count - 1 for `owner`, one second apart."""
    sqlite = engine.dialect.name == "sqlite"
    statement = sa.text(_SQLITE_TASKS if sqlite else _POSTGRESQL_TASKS)
    with engine.begin() as connection:
        connection.execute(
            statement,
            {"owner": owner.hex if sqlite else owner, "first": first, "last": first + count - 1},
        )


def analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics, as a database that has grown over time would have; on SQLite
    also a checkpointed write-ahead log (a bulk insert leaves it hundreds of MB long, and every
    read searches it until SQLite checkpoints it at some later commit)."""
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def cursor_of_page(base_url: str, token: str, page: int) -> str:
    """The cursor that leads to page `page` of the caller's tasks, walked as a client would."""
    cursor = ""
    for _ in range(page - 1):
        path = "/tasks?limit=20" + (f"&cursor={quote(cursor)}" if cursor else "")
        cursor = call(base_url, "GET", path, token=token)["next_cursor"]
    return cursor


_SQLITE_POSTS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO posts (id, author_id, title, content, published, created_at, updated_at, published_at)
SELECT lower(hex(randomblob(16))), :author, 'Post ' || i, 'Words of post ' || i, 1,
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') || '.000000',
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') || '.000000',
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i, 'unixepoch') || '.000000'
FROM n
"""

_POSTGRESQL_POSTS = """
INSERT INTO posts (id, author_id, title, content, published, created_at, updated_at, published_at)
SELECT gen_random_uuid(), :author, 'Post ' || i, 'Words of post ' || i, true,
       to_timestamp(1600000000 + i), to_timestamp(1600000000 + i), to_timestamp(1600000000 + i)
FROM generate_series(1, CAST(:count AS integer)) AS i
"""


def add_posts(engine: sa.Engine, author: uuid.UUID, count: int) -> None:
    """`count` published posts by `author`, one second apart."""
    sqlite = engine.dialect.name == "sqlite"
    statement = sa.text(_SQLITE_POSTS if sqlite else _POSTGRESQL_POSTS)
    with engine.begin() as connection:
        connection.execute(statement, {"author": author.hex if sqlite else author, "count": count})
