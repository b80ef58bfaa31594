"""Argon2PasswordHasher: format and cost, no truncation, foreign hashes, rehash, dummy hash, concurrency."""

import os
import re
import threading
from collections.abc import Callable
from typing import Literal

import argon2
import pytest

from infrastructure.security.argon2_hasher import (
    DEFAULT_MEMORY_COST,
    DEFAULT_PARALLELISM,
    DEFAULT_TIME_COST,
    Argon2PasswordHasher,
)

# Cheap parameters keep the suite fast; only test_defaults_* pays for the real ones.
CHEAP = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(**CHEAP)


def test_defaults_are_rfc_9106_low_memory_and_meet_owasp_minimums() -> None:
    assert (DEFAULT_TIME_COST, DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM) == (3, 65536, 4)
    password_hash = Argon2PasswordHasher.with_defaults().hash("correct horse battery staple")
    match = PHC.match(password_hash)
    assert match, password_hash
    memory, time, lanes = (int(group) for group in match.groups())
    assert (memory, time, lanes) == (65536, 3, 4)
    assert memory >= 19456
    assert time >= 2
    assert lanes >= 1


def test_hash_is_argon2id_with_the_configured_parameters(hasher: Argon2PasswordHasher) -> None:
    match = PHC.match(hasher.hash("pw"))
    assert match
    assert match.groups() == ("1024", "1", "1")


def test_equal_passwords_get_different_salted_hashes(hasher: Argon2PasswordHasher) -> None:
    first, second = hasher.hash("same password"), hasher.hash("same password")
    assert first != second
    assert hasher.verify(first, "same password")
    assert hasher.verify(second, "same password")


def test_verify_accepts_the_right_password_only(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("Tr0ub4dor&3")
    assert hasher.verify(password_hash, "Tr0ub4dor&3") is True
    assert hasher.verify(password_hash, "tr0ub4dor&3") is False
    assert hasher.verify(password_hash, "Tr0ub4dor&3 ") is False
    assert hasher.verify(password_hash, "") is False


@pytest.mark.parametrize("prefix_length", [64, 72, 99])
def test_a_long_password_is_not_truncated(hasher: Argon2PasswordHasher, prefix_length: int) -> None:
    password = "".join(chr(ord("a") + i % 26) for i in range(100))
    password_hash = hasher.hash(password)
    assert hasher.verify(password_hash, password)
    assert not hasher.verify(password_hash, password[:prefix_length])


def test_any_str_hashes_even_a_lone_surrogate(hasher: Argon2PasswordHasher) -> None:
    # A JSON "\ud800" escape decodes to a lone surrogate, which plain UTF-8 cannot encode.
    password_hash = hasher.hash("pass\ud800word")
    assert hasher.verify(password_hash, "pass\ud800word")
    assert not hasher.verify(password_hash, "password")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "hunter2",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt
        "pbkdf2_sha256$600000$salt$hash",
        "$argon2id$",
        "$argon2id$v=19$m=1024,t=1,p=1$!!!!$!!!!",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$é",
        "é" * 20,
        "\x00",
    ],
)
def test_a_foreign_or_malformed_stored_hash_is_false_not_an_error(
    hasher: Argon2PasswordHasher, stored: str
) -> None:
    assert hasher.verify(stored, "hunter2") is False
    # Whatever it answers for an argon2-looking but broken hash, it answers; such a hash never
    # verifies, so login never gets to rehash it.
    assert isinstance(hasher.needs_rehash(stored), bool)


@pytest.mark.parametrize(
    "stored", ["", "garbage", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"]
)
def test_needs_rehash_of_a_non_argon2_hash_is_false(
    hasher: Argon2PasswordHasher, stored: str
) -> None:
    assert hasher.needs_rehash(stored) is False


def test_a_truncated_argon2_hash_does_not_verify(hasher: Argon2PasswordHasher) -> None:
    password_hash = hasher.hash("pw")
    assert hasher.verify(password_hash[:-5], "pw") is False


def test_needs_rehash_only_for_other_parameters(hasher: Argon2PasswordHasher) -> None:
    assert hasher.needs_rehash(hasher.hash("pw")) is False
    for other in (
        Argon2PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1),
        Argon2PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1),
        Argon2PasswordHasher(time_cost=1, memory_cost=1024, parallelism=2),
    ):
        old_hash = other.hash("pw")
        assert hasher.needs_rehash(old_hash) is True
        assert hasher.verify(old_hash, "pw")  # still verifies, so login can upgrade it


def test_an_argon2i_hash_with_the_same_costs_needs_rehash(hasher: Argon2PasswordHasher) -> None:
    legacy = argon2.PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.I
    ).hash("pw")
    assert hasher.verify(legacy, "pw")
    assert hasher.needs_rehash(legacy) is True


@pytest.mark.parametrize("password", ["", "pw", "hunter2", "a" * 128])
def test_dummy_hash_verifies_nothing(hasher: Argon2PasswordHasher, password: str) -> None:
    assert hasher.verify(hasher.dummy_hash, password) is False


def test_dummy_hash_uses_the_current_parameters(hasher: Argon2PasswordHasher) -> None:
    assert PHC.match(hasher.dummy_hash)
    assert hasher.needs_rehash(hasher.dummy_hash) is False


class _CountingHasher(argon2.PasswordHasher):
    """The real argon2 hasher, counting how many hashes it computes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.hash_calls = 0
        self._count_lock = threading.Lock()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._count_lock:
            self.hash_calls += 1
        return super().hash(password, salt=salt)


def test_dummy_hash_is_computed_once_even_when_raced() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, max_concurrency=8)
    spy = _CountingHasher()
    hasher._hasher = spy
    start = threading.Barrier(8)
    seen: list[str] = []

    def read() -> None:
        start.wait()
        seen.append(hasher.dummy_hash)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert len(set(seen)) == 1
    assert hasher.dummy_hash == seen[0]
    assert spy.hash_calls == 1


WAIT_SECONDS = 10.0
"""A bound on each wait below, only reached when a test is failing."""


class _GatedProbe(argon2.PasswordHasher):
    """Holds every hash/verify call inside argon2 until released, counting the calls inside and
    those that found every slot of the hasher taken (see `_CountingSlots`)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.changed = threading.Condition()
        self.inside = 0
        self.queued = 0
        self.release = threading.Event()

    def wait_until(self, condition: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, WAIT_SECONDS), (self.inside, self.queued)

    def note(self, *, inside: int = 0, queued: int = 0) -> None:
        with self.changed:
            self.inside += inside
            self.queued += queued
            self.changed.notify_all()

    def _hold(self) -> None:
        self.note(inside=1)
        self.release.wait(WAIT_SECONDS)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._hold()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self._hold()
        return super().verify(hash, password)


class _CountingSlots:
    """The hasher's semaphore, telling the probe when a call finds no free slot and must wait."""

    def __init__(self, slots: threading.BoundedSemaphore, probe: _GatedProbe) -> None:
        self._slots = slots
        self._probe = probe

    def __enter__(self) -> None:
        if not self._slots.acquire(blocking=False):
            self._probe.note(queued=1)
            self._slots.acquire()

    def __exit__(self, *_: object) -> None:
        self._slots.release()


def _overlap(hasher: Argon2PasswordHasher, operation: Literal["hash", "verify"]) -> int:
    """How many of two calls are inside argon2 at once: the first is held inside, the second
    started, and the count read once the second is either inside too or waiting for a slot."""
    stored = hasher.hash("pw")  # before the probe goes in
    probe = _GatedProbe()
    hasher._hasher = probe
    hasher._slots = _CountingSlots(hasher._slots, probe)  # type: ignore[assignment]

    def run() -> None:
        if operation == "hash":
            hasher.hash("pw")
        else:
            hasher.verify(stored, "pw")

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        threads[0].start()
        probe.wait_until(lambda: probe.inside == 1)
        threads[1].start()
        probe.wait_until(lambda: probe.inside == 2 or probe.queued == 1)
        return probe.inside
    finally:
        probe.release.set()
        for thread in threads:
            thread.join(WAIT_SECONDS)


@pytest.mark.parametrize("operation", ["hash", "verify"])
def test_max_concurrency_one_never_runs_two_computations_at_once(
    operation: Literal["hash", "verify"],
) -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, max_concurrency=1)
    assert _overlap(hasher, operation) == 1


@pytest.mark.parametrize("operation", ["hash", "verify"])
def test_the_overlap_probe_does_see_parallel_computations(
    operation: Literal["hash", "verify"],
) -> None:
    # The control for the test above: with two slots the two calls do run together.
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, max_concurrency=2)
    assert _overlap(hasher, operation) == 2


def test_default_concurrency_is_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    assert _overlap(hasher, "hash") == 1


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        Argon2PasswordHasher(**CHEAP, max_concurrency=0)
