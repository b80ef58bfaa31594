"""Scale-out, shown: three `tessera serve` instances behind nginx, one PostgreSQL, one Redis.

The instances are separate process groups on their own ports (the first with `--workers 2`), in
production mode, on one PostgreSQL schema migrated once by `tessera db upgrade` and one Redis;
nginx balances them round-robin with DEPLOYING.md's config (`tests/scale/cluster.py`). The cluster
is started once for the module. Every scenario goes through nginx, and asks each instance
directly where "every instance" is the point; `X-Upstream` (added for the tests only) names the
instance nginx passed a request to, so a scenario can check that its requests were spread.

Needs TEST_POSTGRES_URL, TEST_REDIS_URL and nginx: skipped locally without them, failed in CI.
"""

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from tests.scale.cluster import (
    LOGIN_MAX_ATTEMPTS_PER_IP,
    LOGIN_MAX_FAILURES,
    PASSWORD,
    Cluster,
    Instance,
    client_address,
    cluster_running,
    new_secret_key,
    nginx_binary,
)
from tests.services import require_postgres, require_redis
from tests.support.postgres_schema import scratch_schema

RACERS = 20
LOAD_CLIENTS = 4


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    nginx_binary()
    postgres, redis = require_postgres(), require_redis()
    workdir = tmp_path_factory.mktemp("cluster")
    with (
        scratch_schema(postgres, prefix="tessera_nginx") as database_url,
        cluster_running(workdir, database_url, redis) as running,
    ):
        yield running


@pytest.fixture
def address() -> str:
    """This scenario's client address: per-IP counters in the shared Redis are its own."""
    return client_address()


@pytest.fixture
def proxy(cluster: Cluster, address: str) -> Iterator[httpx.Client]:
    """A client of nginx, once every instance runs and is in nginx's rotation."""
    cluster.heal()
    with cluster.client(address) as client:
        yield client


def register(client: httpx.Client) -> str:
    username = f"n{uuid.uuid4().hex[:12]}"
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = client.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    return username


def login(
    client: httpx.Client, username: str, password: str = PASSWORD, **options: Any
) -> httpx.Response:
    return client.post("/auth/login", json={"username": username, "password": password}, **options)


def tokens_of(client: httpx.Client) -> dict[str, Any]:
    """A new account's tokens, logged in through `client`."""
    response = login(client, register(client))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def on_each(cluster: Cluster, address: str, method: str, path: str, **kwargs: Any) -> list[Any]:
    """One request to each instance directly, from `address`: (instance name, status, code)."""
    answers = []
    for instance in cluster.instances:
        with instance.client(address) as direct:
            response = direct.request(method, path, **kwargs)
        code = response.json().get("code") if response.content else None
        answers.append((instance.name, response.status_code, code))
    return answers


def names(instances: list[Instance]) -> set[str]:
    return {instance.name for instance in instances}


def test_a_session_made_through_nginx_works_on_every_instance(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    username = register(proxy)
    # The client claims another address; nginx appends the one it sees, which the instances use.
    logged_in = login(proxy, username, headers={"X-Forwarded-For": "203.0.113.7"})
    assert logged_in.status_code == 200, logged_in.text
    refreshed = proxy.post(
        "/auth/refresh", json={"refresh_token": logged_in.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    # Refreshed again on each instance directly: the token another instance issued is good.
    for instance in cluster.instances:
        with instance.client(address) as direct:
            again = direct.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert again.status_code == 200, (instance.name, again.text)
        tokens = again.json()

    through_proxy = [
        proxy.get("/users/me", headers=bearer(tokens["access_token"]))
        for _ in range(2 * len(cluster.instances))
    ]
    assert [(r.status_code, r.json()["username"]) for r in through_proxy] == [
        (200, username)
    ] * len(through_proxy)
    assert names([cluster.answered(r) for r in through_proxy]) == names(cluster.instances)
    assert on_each(
        cluster, address, "GET", "/users/me", headers=bearer(tokens["access_token"])
    ) == [(instance.name, 200, None) for instance in cluster.instances]

    sessions = proxy.get("/auth/sessions", headers=bearer(tokens["access_token"]))
    assert [session["ip"] for session in sessions.json()] == [address]


def test_a_logout_through_one_instance_is_a_401_on_every_instance(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    tokens = tokens_of(proxy)
    me = bearer(tokens["access_token"])
    assert {
        status for _, status, _ in on_each(cluster, address, "GET", "/users/me", headers=me)
    } == {200}

    logout = proxy.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert logout.status_code == 204
    cluster.answered(logout)  # one of them

    # The next request each instance gets, directly:
    assert on_each(cluster, address, "GET", "/users/me", headers=me) == [
        (instance.name, 401, "invalid_token") for instance in cluster.instances
    ]
    assert on_each(
        cluster, address, "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ) == [(instance.name, 401, "invalid_refresh_token") for instance in cluster.instances]


def test_failed_logins_spread_over_the_instances_lock_the_account_on_all(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    username = register(proxy)
    failures = [
        login(proxy, username, "not the password at all") for _ in range(LOGIN_MAX_FAILURES)
    ]
    assert [(f.status_code, f.json()["code"]) for f in failures] == [
        (401, "invalid_credentials")
    ] * LOGIN_MAX_FAILURES
    assert names([cluster.answered(f) for f in failures]) == names(cluster.instances)

    # The right password now: refused by every instance, and through the proxy.
    body = {"username": username, "password": PASSWORD}
    assert on_each(cluster, address, "POST", "/auth/login", json=body) == [
        (instance.name, 429, "too_many_attempts") for instance in cluster.instances
    ]
    locked = login(proxy, username)
    assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0


def test_the_per_ip_limit_counts_a_client_on_every_instance_by_the_address_nginx_saw(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    attempts = [
        login(proxy, f"nobody-{uuid.uuid4().hex[:8]}", "not the password at all")
        for _ in range(LOGIN_MAX_ATTEMPTS_PER_IP)
    ]
    assert {a.status_code for a in attempts} == {401}
    assert names([cluster.answered(a) for a in attempts]) == names(cluster.instances)

    body = {"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": PASSWORD}
    assert on_each(cluster, address, "POST", "/auth/login", json=body) == [
        (instance.name, 429, "too_many_attempts") for instance in cluster.instances
    ]
    # Whatever the client claims: nginx appends the address it sees, and that one counts.
    # A fresh name: the account limit counts in the shared Redis across runs too.
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    spoofed = login(proxy, nobody, headers={"X-Forwarded-For": client_address()})
    assert spoofed.status_code == 429
    # Another client is not throttled: the limit is per client, not for everyone behind nginx.
    with cluster.client(client_address()) as other:
        assert login(other, nobody, "not the password at all").status_code == 401


def test_concurrent_refreshes_of_one_token_across_instances_let_exactly_one_through(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    tokens = tokens_of(proxy)
    start = threading.Barrier(RACERS)

    def refresh(_: int) -> httpx.Response:
        with cluster.client(address) as client:  # a connection of its own
            client.get("/health")  # connected before the start
            start.wait()
            return client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    with ThreadPoolExecutor(RACERS) as racers:
        answers = list(racers.map(refresh, range(RACERS)))

    assert Counter(a.status_code for a in answers) == {200: 1, 401: RACERS - 1}
    assert {a.json()["code"] for a in answers if a.status_code == 401} == {"invalid_refresh_token"}
    assert names([cluster.answered(a) for a in answers]) == names(cluster.instances)
    # The losers presented a spent token: reuse detection revoked the session, so the winner's
    # new pair is refused too, on every instance.
    (winner,) = [a.json() for a in answers if a.status_code == 200]
    me = bearer(winner["access_token"])
    assert on_each(cluster, address, "GET", "/users/me", headers=me) == [
        (instance.name, 401, "invalid_token") for instance in cluster.instances
    ]
    again = proxy.post("/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    assert again.status_code == 401


def key_id(token: str) -> str | None:
    """The `kid` of an access token's header."""
    kid: str | None = jwt.get_unverified_header(token).get("kid")
    return kid


def test_rotating_the_key_instance_by_instance_logs_nobody_out(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    """Each instance in turn is stopped and started again with a new SECRET_KEY, the old one in
    SECRET_KEY_PREVIOUS. Meanwhile nginx sends the reads to the others; a token issued before
    works on every instance at every step; the refresh token too, and its new access token,
    signed with the new key, works everywhere once the roll is done.

    Until then, an instance not yet restarted refuses the tokens a restarted one signs (it does
    not know the new key yet): the client refreshes, and carries on. As DEPLOYING.md says, the
    next instance is stopped only once nginx sends requests to the restarted one again (it leaves
    out an instance it failed to reach for fail_timeout): else it may have none left.
    """
    issued_before = tokens_of(proxy)
    before = bearer(issued_before["access_token"])
    old_key, new_key = cluster.secret_key, new_secret_key()
    order = sorted(cluster.instances, key=lambda instance: instance.workers)
    # The cluster's key from now on: should this scenario fail half-way, the next one's `proxy`
    # fixture restarts the instances left with the old key.
    cluster.secret_key = new_key

    for step, instance in enumerate(order, start=1):
        instance.stop()
        assert [proxy.get("/users/me", headers=before).status_code for _ in order] == [200] * 3
        instance.start(SECRET_KEY=new_key, SECRET_KEY_PREVIOUS=old_key)
        instance.wait_ready()
        cluster.wait_in_rotation(instance)
        assert on_each(cluster, address, "GET", "/users/me", headers=before) == [
            (each.name, 200, None) for each in cluster.instances
        ], f"after restarting {step} of {len(order)}"
        if step == 1:
            with instance.client(address) as restarted:
                signed_new = tokens_of(restarted)
            assert on_each(
                cluster, address, "GET", "/users/me", headers=bearer(signed_new["access_token"])
            ) == [
                (each.name, 200, None) if each is instance else (each.name, 401, "invalid_token")
                for each in cluster.instances
            ]

    refreshed = proxy.post("/auth/refresh", json={"refresh_token": issued_before["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    after = refreshed.json()["access_token"]
    assert key_id(after) != key_id(issued_before["access_token"])
    for token in (after, signed_new["access_token"], issued_before["access_token"]):
        assert on_each(cluster, address, "GET", "/users/me", headers=bearer(token)) == [
            (each.name, 200, None) for each in cluster.instances
        ]


@dataclass(frozen=True)
class Outcome:
    method: str
    status: int  # 0: no HTTP answer at all
    upstream: str  # X-Upstream: the instance(s) nginx tried
    started: float
    task_id: str | None = None


class Load:
    """Clients sending POST /tasks and GET /tasks through nginx in turn, without pause, from
    the moment the block is entered until it is left."""

    def __init__(self, cluster: Cluster, address: str, headers: dict[str, str]) -> None:
        self.cluster, self.address, self.headers = cluster, address, headers
        self.stop = threading.Event()
        self.results: list[list[Outcome]] = [[] for _ in range(LOAD_CLIENTS)]
        self.threads = [
            threading.Thread(target=self.run, args=(number,)) for number in range(LOAD_CLIENTS)
        ]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    @property
    def outcomes(self) -> list[Outcome]:
        return [outcome for outcomes in self.results for outcome in outcomes]

    def run(self, number: int) -> None:
        with self.cluster.client(self.address) as client:
            sent = 0
            while not self.stop.is_set():
                sent += 1
                self.results[number].append(self.send(client, f"load {number}.{sent}", sent % 2))

    def send(self, client: httpx.Client, title: str, write: int) -> Outcome:
        started = time.monotonic()
        method = "POST" if write else "GET"
        try:
            if write:
                response = client.post("/tasks", json={"title": title}, headers=self.headers)
            else:
                response = client.get("/tasks", params={"limit": "5"}, headers=self.headers)
        except httpx.TransportError:
            return Outcome(method, 0, "", started)
        task_id = response.json()["id"] if response.status_code == 201 else None
        upstream = response.headers.get("x-upstream", "")
        return Outcome(method, response.status_code, upstream, started, task_id)


def test_an_instance_killed_mid_load_costs_only_its_requests_in_flight(
    cluster: Cluster, proxy: httpx.Client, address: str
) -> None:
    """The victim stays down afterwards: the next scenario's `proxy` fixture restarts it."""
    victim = cluster.instances[-1]
    survivors = [instance for instance in cluster.instances if instance is not victim]
    me = bearer(tokens_of(proxy)["access_token"])

    with Load(cluster, address, me) as load:
        time.sleep(1.0)
        killing = time.monotonic()
        victim.kill()
        killed = time.monotonic()  # and reaped: from here on it answers nothing
        time.sleep(1.5)
    outcomes = load.outcomes

    def answered_by(outcomes: list[Outcome]) -> set[str]:
        return names([cluster.by_address(o.upstream)[-1] for o in outcomes if o.status])

    failed = [o for o in outcomes if o.status not in (200, 201)]
    acknowledged = {o.task_id for o in outcomes if o.status == 201}
    print(
        f"{len(outcomes)} requests, {len(acknowledged)} tasks acknowledged, "
        f"{len([o for o in outcomes if ',' in o.upstream])} retried by nginx, failed: {failed[:5]}"
    )
    # The victim was in the rotation until it died.
    assert victim.name in answered_by([o for o in outcomes if o.started < killing])
    # Reads are never lost: nginx retried those in flight on the victim elsewhere.
    assert {o.status for o in outcomes if o.method == "GET"} == {200}
    # Only POSTs in flight on the victim failed: at most one per client, each nginx's 502 from
    # the victim alone (a POST that reached an instance is not sent to another).
    assert len(failed) <= LOAD_CLIENTS, failed[:5]
    assert {(o.method, o.status, o.upstream) for o in failed} <= {("POST", 502, victim.address)}
    # The others kept answering; the victim answered nothing more.
    after = [o for o in outcomes if o.started >= killed]
    assert answered_by(after) == names(survivors)
    assert len([o for o in after if o.status in (200, 201)]) > 2 * LOAD_CLIENTS
    for instance in survivors:
        with instance.client(address) as direct:
            assert direct.get("/health").status_code == 200
    with victim.client(address) as direct, pytest.raises(httpx.ConnectError):
        direct.get("/health")

    # Every acknowledged write is there.
    assert acknowledged
    assert acknowledged <= listed_task_ids(proxy, me)


def listed_task_ids(client: httpx.Client, headers: dict[str, str]) -> set[str]:
    """Every task of the caller, page after page."""
    found: set[str] = set()
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = client.get("/tasks", params=params, headers=headers)
        assert page.status_code == 200, page.text
        found |= {task["id"] for task in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found
