"""Key rotation without logout (SECURITY.md 77), through HTTP: the same database served by the app
before a rotation, during it (new key signs, old key still verifies) and after it (old key removed).
Each runs on SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from infrastructure.security.jwt_keys import key_id
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.api.conftest import Api, bearer, make_settings
from tests.api.test_asymmetric_keys_api import write_private_key

OLD = "old-rotation-key-4mQ9xT2vL7pW1rZ8bN3kC6fJ0hG5dS"
NEW = "new-rotation-key-8yB3nK6cJ1fH5dG0sZaQ7vX2mL9pR4"


@contextmanager
def serving(settings: Settings, tmp_path: Path, **values: Any) -> Iterator[Api]:
    """An app on the test's database (SQLite or PostgreSQL) with these key settings."""
    same_database = {"database_url": settings.database_url, "auto_migrate": settings.auto_migrate}
    configured = make_settings(tmp_path, **same_database, **values)
    with TestClient(create_app(build_container(configured))) as client:
        yield Api(client)


def me(api: Api, token: str) -> int:
    return int(api.client.get("/users/me", headers=bearer(token)).status_code)


def test_an_hs256_rotation_logs_nobody_out(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path, secret_key=OLD) as before:
        tokens = (before.register("alice"), before.login("alice"))[1]
        assert me(before, tokens["access_token"]) == 200
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key_id("HS256", OLD.encode())

    with serving(settings, tmp_path, secret_key=NEW, secret_key_previous=f" {OLD} ") as during:
        assert me(during, tokens["access_token"]) == 200  # signed with the old key
        fresh = during.login("alice")["access_token"]
        assert jwt.get_unverified_header(fresh)["kid"] == key_id("HS256", NEW.encode())
        assert me(during, fresh) == 200

    with serving(settings, tmp_path, secret_key=NEW) as after:
        # The old key is gone: its access tokens are refused, generically ...
        refused = after.client.get("/users/me", headers=bearer(tokens["access_token"]))
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_token")
        assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert me(after, fresh) == 200
        # ... and the session lives on: its refresh token (opaque, in the database) still works.
        renewed = after.client.post(
            "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert renewed.status_code == 200, renewed.text
        assert me(after, renewed.json()["access_token"]) == 200


def test_an_unknown_kid_is_a_generic_401(settings: Settings, tmp_path: Path) -> None:
    with serving(settings, tmp_path, secret_key=NEW, secret_key_previous=OLD) as api:
        token = api.registered_token()
        claims = jwt.decode(token, options={"verify_signature": False})
        for kid in ("0123456789abcdef", key_id("HS256", b"x" * 32), None):
            headers = {} if kid is None else {"kid": kid}
            forged = jwt.encode(claims, NEW, algorithm="HS256", headers=headers)
            response = api.client.get("/users/me", headers=bearer(forged))
            assert response.status_code == 401
            assert response.json() == {
                "detail": "Could not validate credentials.",
                "code": "invalid_token",
            }


def public_pem_file(private_file: Path, path: Path) -> str:
    private = serialization.load_pem_private_key(private_file.read_bytes(), password=None)
    path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(path)


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_an_asymmetric_rotation_publishes_both_keys_and_logs_nobody_out(
    settings: Settings, tmp_path: Path, algorithm: str
) -> None:
    old_file, new_file = tmp_path / "old.pem", tmp_path / "new.pem"
    write_private_key(old_file, algorithm)
    write_private_key(new_file, algorithm)
    old_public = public_pem_file(old_file, tmp_path / "old.pub.pem")
    keys = {"algorithm": algorithm}

    with serving(settings, tmp_path, **keys, jwt_private_key_file=str(old_file)) as before:
        old_token = before.registered_token()
        (old_jwk,) = before.client.get("/.well-known/jwks.json").json()["keys"]

    with serving(
        settings,
        tmp_path,
        **keys,
        jwt_private_key_file=str(new_file),
        jwt_previous_public_key_files=old_public,
    ) as during:
        assert me(during, old_token) == 200
        new_token = during.token()
        published = during.client.get("/.well-known/jwks.json").json()["keys"]
        assert [key["kid"] for key in published] == [
            jwt.get_unverified_header(new_token)["kid"],
            jwt.get_unverified_header(old_token)["kid"],
        ]
        assert published[1] == old_jwk
        assert all(key["alg"] == algorithm and "d" not in key for key in published)

    with serving(settings, tmp_path, **keys, jwt_private_key_file=str(new_file)) as after:
        assert me(after, old_token) == 401
        assert me(after, new_token) == 200
        assert len(after.client.get("/.well-known/jwks.json").json()["keys"]) == 1
