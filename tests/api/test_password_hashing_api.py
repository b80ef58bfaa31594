"""PASSWORDS 24-27 through the app: hashing stays off the event loop, hashes upgrade on login."""

import threading
from pathlib import Path

import anyio
import httpx
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from application.ports.unit_of_work import UnitOfWork
from infrastructure.container import build_container
from infrastructure.security.argon2_hasher import Argon2PasswordHasher
from interfaces.http.app import create_app
from interfaces.http.password_work import PasswordWork
from tests.api.conftest import STRONG_PASSWORD, make_settings

LOGINS = 20
SLOTS = 2


class GatedHasher(Argon2PasswordHasher):
    """Verifies only while the gate is open, and counts the verifies that reached it."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1, max_concurrency=LOGINS)
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = 0
        self._lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.arrived += 1
        self.gate.wait(timeout=30)
        return super().verify(password_hash, password)


@pytest.mark.anyio
async def test_a_login_storm_hashes_a_few_at_a_time_and_others_are_served(tmp_path: Path) -> None:
    hasher = GatedHasher()
    container = build_container(make_settings(tmp_path, database_url="memory://"))
    container.password_hasher.override(providers.Object(hasher))
    app = create_app(container)
    work = PasswordWork(slots=SLOTS)
    app.state.password_work = work
    queue = work._limiter  # the test reads who waits for a slot
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera") as client:
        body = {"username": "alice", "email": "alice@example.com", "password": STRONG_PASSWORD}
        assert (await client.post("/auth/register", json=body)).status_code == 201
        credentials = {"username": "alice", "password": STRONG_PASSWORD}
        token = (await client.post("/auth/login", json=credentials)).json()["access_token"]
        hasher.gate.clear()
        hasher.arrived = 0
        statuses: list[int] = []

        async def log_in() -> None:
            response = await client.post("/auth/login", json=credentials)
            statuses.append(response.status_code)

        with anyio.fail_after(20):  # a blocked event loop would hang here: fail instead
            async with anyio.create_task_group() as logins:
                for _ in range(LOGINS):
                    logins.start_soon(log_in)
                # Until every login is either at the hasher or waiting for a slot: then no
                # login can reach the hasher any more before the gate opens.
                while hasher.arrived + queue.statistics().tasks_waiting < LOGINS:
                    await anyio.sleep(0.01)
                assert hasher.arrived == SLOTS
                assert queue.statistics().tasks_waiting == LOGINS - SLOTS
                # The other logins wait without a thread; the loop serves everything else.
                assert (await client.get("/health")).status_code == 200
                me = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
                assert me.status_code == 200
                assert statuses == []
                hasher.gate.set()
        assert statuses == [200] * LOGINS
        assert hasher.arrived == LOGINS


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_stored_hashes_are_argon2id_with_the_configured_cost(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, argon2_time_cost=2, argon2_memory_cost=19456)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        client.post(
            "/auth/register",
            json={"username": "alice", "email": "a@example.com", "password": STRONG_PASSWORD},
        )
        with container.uow() as uow:
            user = uow.users.get_by_username("alice")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_old_parameters_are_upgraded_on_successful_login_only(tmp_path: Path) -> None:
    with TestClient(create_app(build_container(make_settings(tmp_path)))) as client:
        client.post(
            "/auth/register",
            json={"username": "alice", "email": "a@example.com", "password": STRONG_PASSWORD},
        )
    stronger = build_container(make_settings(tmp_path, argon2_time_cost=2))

    def stored_hash() -> str:
        unit_of_work: UnitOfWork = stronger.uow()
        with unit_of_work as uow:
            user = uow.users.get_by_username("alice")
        assert user is not None
        return user.password_hash

    old_hash = stored_hash()
    with TestClient(create_app(stronger)) as client:
        failed = client.post("/auth/login", json={"username": "alice", "password": "wrong one!"})
        assert failed.status_code == 401
        assert stored_hash() == old_hash
        ok = client.post("/auth/login", json={"username": "alice", "password": STRONG_PASSWORD})
        assert ok.status_code == 200
    assert ",t=2," in stored_hash()
    assert stored_hash() != old_hash
