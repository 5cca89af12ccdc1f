"""Health, readiness, OpenAPI and the error envelope every answer shares."""

from __future__ import annotations

from backend import db
from backend.config import load_settings


async def test_healthz_answers(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_once_migrations_are_applied(client, settings):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "pending_migrations": []}


async def test_pending_migrations_are_listed_for_a_fresh_database(tmp_path):
    fresh = db.build_engine(
        load_settings({"GRIDGOV_DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3"})
    )
    current = db.get_engine()
    db.use_engine(fresh)
    try:
        assert await db.pending_migrations() == ["(no migrations table)"]
    finally:
        db.use_engine(current)


async def test_openapi_schema_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/login" in paths


async def test_unknown_route_gets_the_error_envelope(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "data"}


async def test_malformed_json_is_a_400_with_a_reason(client):
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"].startswith("输入有误")


async def test_missing_field_names_the_field(client):
    response = await client.post(
        "/api/v1/auth/login", json={"username": "x"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "password" in response.json()["message"]


async def test_oversized_body_is_refused_with_413(client):
    response = await client.post(
        "/api/v1/auth/login",
        content=b"x" * (3 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_wrong_method_is_405_in_the_envelope(client):
    response = await client.delete("/api/v1/auth/login")
    assert response.status_code == 405
    assert response.json()["code"] == "validation_error"
