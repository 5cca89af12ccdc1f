"""The one-query token check: the same refusals as before, and the same grants."""

from __future__ import annotations

from datetime import timedelta

from backend import clock
from backend.auth import actor_from_token, load_actor
from tests.personas import PASSWORD


async def test_a_token_carries_every_grant_of_its_account(world):
    for persona in ("department_handler", "street_a_staff", "admin"):
        from_token = await actor_from_token(world.tokens[persona])
        assert from_token == await load_actor(world.staff[persona])


async def _fresh_token(client, world, username: str) -> tuple[int, str]:
    created = await client.post(
        "/api/v1/staff/",
        json={
            "username": username,
            "display_name": username,
            "password": PASSWORD,
            "grants": [
                {"role": "community_staff", "unit_id": world.units["community_b1"]},
                {"role": "grid_worker", "unit_id": world.units["grid_b1_1"]},
            ],
        },
        headers=world.headers("admin"),
    )
    login = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    return created.json()["id"], login.json()["token"]


async def test_disabling_an_account_kills_its_live_token(client, world):
    staff_id, token = await _fresh_token(client, world, "token_leaver")
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and len(me.json()["roles"]) == 2
    await client.patch(
        f"/api/v1/staff/{staff_id}", json={"active": False}, headers=world.headers("admin")
    )
    again = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


async def test_an_expired_token_is_refused(client, world):
    _, token = await _fresh_token(client, world, "token_sleeper")
    clock.advance(timedelta(hours=13))  # the default lifetime is 12 hours
    late = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 401 and late.json()["code"] == "token_invalid"
