"""Staff accounts: admins grant roles at the right level; scope hides other streets' staff."""

from __future__ import annotations

from tests.personas import PASSWORD


async def test_admin_creates_a_grid_worker_who_can_sign_in(client, world):
    created = await client.post(
        "/api/v1/staff/",
        json={
            "username": "new_worker",
            "display_name": "新网格员",
            "password": "Grid-worker-1",
            "phone": "139 1234 5678",
            "grants": [{"role": "grid_worker", "unit_id": world.units["grid_a1_2"]}],
        },
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "139****5678"
    login = await client.post(
        "/api/v1/auth/login", json={"username": "new_worker", "password": "Grid-worker-1"}
    )
    assert login.status_code == 200


async def test_role_granted_at_the_wrong_level_is_refused(client, world):
    response = await client.post(
        "/api/v1/staff/",
        json={
            "username": "misplaced",
            "display_name": "x",
            "password": PASSWORD,
            "grants": [{"role": "grid_worker", "unit_id": world.units["street_a"]}],
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "role_scope_invalid"


async def test_street_staff_may_not_create_accounts(client, world):
    response = await client.post(
        "/api/v1/staff/",
        json={
            "username": "sneaky",
            "display_name": "x",
            "password": PASSWORD,
            "grants": [{"role": "admin", "unit_id": world.units["street_a"]}],
        },
        headers=world.headers("street_a_staff"),
    )
    assert response.status_code == 403


async def test_street_b_staff_do_not_see_street_a_workers(client, world):
    worker = world.staff["grid_worker_a"]
    assert (
        await client.get(f"/api/v1/staff/{worker}", headers=world.headers("street_b_staff"))
    ).status_code == 404
    visible = await client.get(f"/api/v1/staff/{worker}", headers=world.headers("street_a_staff"))
    assert visible.status_code == 200
    assert visible.json()["phone"] == "138****8000"
    listed = await client.get("/api/v1/staff/", headers=world.headers("street_b_staff"))
    assert worker not in [s["id"] for s in listed.json()["items"]]


async def test_revealing_a_staff_phone_is_for_admins_and_is_logged(client, world):
    from grid.tables import PiiAccessLog

    worker = world.staff["grid_worker_a"]
    denied = await client.get(
        f"/api/v1/staff/{worker}?reveal=true", headers=world.headers("street_a_staff")
    )
    assert denied.status_code == 403
    before = await PiiAccessLog.count().where(PiiAccessLog.subject_id == worker)
    shown = await client.get(f"/api/v1/staff/{worker}?reveal=true", headers=world.headers("admin"))
    assert shown.json()["phone"] == "13800138000"
    assert await PiiAccessLog.count().where(PiiAccessLog.subject_id == worker) == before + 1


async def test_password_reset_by_admin_ends_the_old_sessions(client, world):
    created = await client.post(
        "/api/v1/staff/",
        json={
            "username": "resettable",
            "display_name": "x",
            "password": PASSWORD,
            "grants": [{"role": "community_staff", "unit_id": world.units["community_b1"]}],
        },
        headers=world.headers("admin"),
    )
    staff_id = created.json()["id"]
    token = (
        await client.post(
            "/api/v1/auth/login", json={"username": "resettable", "password": PASSWORD}
        )
    ).json()["token"]
    reset = await client.post(
        f"/api/v1/staff/{staff_id}/password",
        json={"new_password": "Another-pass-9"},
        headers=world.headers("admin"),
    )
    assert reset.status_code == 204
    replay = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert replay.status_code == 401


async def test_disabled_account_cannot_sign_in(client, world):
    created = await client.post(
        "/api/v1/staff/",
        json={
            "username": "leaver",
            "display_name": "x",
            "password": PASSWORD,
            "grants": [{"role": "community_staff", "unit_id": world.units["community_b1"]}],
        },
        headers=world.headers("admin"),
    )
    await client.patch(
        f"/api/v1/staff/{created.json()['id']}",
        json={"active": False},
        headers=world.headers("admin"),
    )
    login = await client.post(
        "/api/v1/auth/login", json={"username": "leaver", "password": PASSWORD}
    )
    assert login.status_code == 403
    assert login.json()["code"] == "account_disabled"
