from pathlib import Path

from fastapi.testclient import TestClient

from application.ports.repositories import UserFilter
from infrastructure.container import build_container
from infrastructure.persistence.migrator import AlembicMigrator
from interfaces.http.app import create_app
from tests.api.conftest import make_settings


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200


def test_ready_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    settings = make_settings(tmp_path, database_url=unreachable, auto_migrate=False)
    with TestClient(create_app(build_container(settings))) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json() == {
            "detail": "The database is not reachable.",
            "code": "database_unavailable",
        }
        assert client.get("/health").status_code == 200


def test_ready_is_503_until_the_schema_is_at_the_latest_migration(tmp_path: Path) -> None:
    # Before, a production start on an empty database said ready, then answered 500 (no table).
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = make_settings(tmp_path, database_url=url, auto_migrate=False)
    migrator = AlembicMigrator(url)
    with TestClient(create_app(build_container(settings))) as client:
        empty = client.get("/ready")
        migrator.upgrade("0878ec7edb1c")  # the first migration only
        behind = client.get("/ready")
        migrator.upgrade()
        current = client.get("/ready")
    for response in (empty, behind):
        assert (response.status_code, response.json()["code"]) == (503, "database_not_migrated")
        assert response.headers["Retry-After"]
    assert (current.status_code, current.json()) == (200, {"status": "ready"})


def test_unknown_routes_and_methods_use_the_error_body(client: TestClient) -> None:
    missing = client.get("/no/such/route")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "Not Found", "code": "not_found"},
    )
    wrong_method = client.delete("/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert "allow" in wrong_method.headers


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/health"), client.get("/nowhere")):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_openapi_offers_the_password_flow_for_the_authorize_button(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/auth/token"
    assert client.get("/docs").status_code == 200


def test_jwks_is_empty_for_hs256(client: TestClient) -> None:
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}


def test_a_new_installation_has_no_accounts(client: TestClient) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.uow() as uow:
        assert uow.users.list(UserFilter(), limit=1, after=None) == []
    response = client.post("/auth/login", json={"username": "admin", "password": "admin"})
    assert response.status_code == 401


def test_cors_answers_only_listed_origins(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, cors_origins="https://app.example")
    with TestClient(create_app(build_container(settings))) as client:
        preflight = {"Access-Control-Request-Method": "GET"}
        allowed = client.options("/health", headers={"Origin": "https://app.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        for origin in ("https://evil.example", "null"):
            refused = client.get("/health", headers={"Origin": origin})
            assert "access-control-allow-origin" not in refused.headers
        simple = client.get("/health", headers={"Origin": "https://app.example"})
        assert simple.headers["access-control-allow-origin"] != "*"
        assert "access-control-allow-credentials" not in simple.headers
