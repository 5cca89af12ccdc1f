"""Replayed tokens: a bearer token captured before a logout or a password change must be
worthless after it, on the staff API and in the mini-program, for reads and for writes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from grid.cases.tables import Case
from tests.hostile_support import assert_envelope
from tests.mp_support import report_body, sign_in
from tests.personas import PASSWORD

NEW_PASSWORD = "Changed-Passw0rd-9"


async def fresh_worker(client: httpx.AsyncClient, world: Any) -> tuple[int, str]:
    """A grid worker of grid A1-1 of the test's own, so ending its sessions ends nobody else's."""
    username = f"replay_{uuid.uuid4().hex[:8]}"
    created = await client.post(
        "/api/v1/staff",
        json={
            "username": username,
            "display_name": "重放测试",
            "password": PASSWORD,
            "phone": "13800138001",
            "grants": [{"role": "grid_worker", "unit_id": world.units["grid_a1_1"]}],
        },
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], username


async def staff_login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict:
    answer = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def assert_dead(client: httpx.AsyncClient, headers: dict[str, str], world: Any) -> None:
    """The token reads nothing and writes nothing."""
    cases = await Case.count()
    assert_envelope(await client.get("/api/v1/auth/me", headers=headers), 401, "token_invalid")
    assert_envelope(await client.get("/api/v1/triage/queues/open", headers=headers), 401)
    report = await client.post("/api/v1/cases", json=await report_body(), headers=headers)
    assert_envelope(report, 401)
    assert_envelope(await client.post("/api/v1/auth/logout", headers=headers), 401)
    assert await Case.count() == cases


async def test_staff_token_replayed_after_logout_is_refused(client, world):
    _, username = await fresh_worker(client, world)
    kept = await staff_login(client, username)
    stolen = await staff_login(client, username)
    assert (await client.post("/api/v1/auth/logout", headers=stolen)).status_code == 204
    await assert_dead(client, stolen, world)
    # logging out ends that one session only
    assert (await client.get("/api/v1/auth/me", headers=kept)).status_code == 200


async def test_every_staff_token_replayed_after_a_password_change_is_refused(client, world):
    _, username = await fresh_worker(client, world)
    current, other_device = await staff_login(client, username), await staff_login(client, username)
    changed = await client.post(
        "/api/v1/auth/password",
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=current,
    )
    assert changed.status_code == 204, changed.text
    for headers in (current, other_device):
        await assert_dead(client, headers, world)
    fresh = await staff_login(client, username, NEW_PASSWORD)
    assert (await client.get("/api/v1/auth/me", headers=fresh)).status_code == 200


async def test_staff_token_replayed_after_an_admin_reset_is_refused(client, world):
    staff_id, username = await fresh_worker(client, world)
    stolen = await staff_login(client, username)
    reset = await client.post(
        f"/api/v1/staff/{staff_id}/password",
        json={"new_password": NEW_PASSWORD},
        headers=world.headers("admin"),
    )
    assert reset.status_code == 204, reset.text
    await assert_dead(client, stolen, world)


async def test_mini_program_token_replayed_after_logout_is_refused(mp_client, fake_wechat):
    stolen = await sign_in(mp_client, fake_wechat)
    assert (await mp_client.get("/mp/v1/me", headers=stolen)).status_code == 200
    assert (await mp_client.post("/mp/v1/auth/logout", headers=stolen)).status_code == 204
    cases = await Case.count()
    assert_envelope(await mp_client.get("/mp/v1/me", headers=stolen), 401, "token_invalid")
    report = await mp_client.post("/mp/v1/reports", json=await report_body(), headers=stolen)
    assert_envelope(report, 401)
    assert await Case.count() == cases


async def bound_worker_session(
    client: httpx.AsyncClient, fake: Any, world: Any
) -> tuple[int, str, dict[str, str], str]:
    """A fresh worker whose WeChat is bound to the account: (staff id, username, the
    mini-program headers, the WeChat openid)."""
    staff_id, username = await fresh_worker(client, world)
    staff = await staff_login(client, username)
    code = await client.post("/api/v1/mp/staff-codes", headers=staff)
    assert code.status_code == 201, code.text
    openid = f"o_{uuid.uuid4().hex[:20]}"
    mp = await sign_in(client, fake, openid)
    bound = await client.post("/mp/v1/bind/staff", json={"code": code.json()["code"]}, headers=mp)
    assert bound.status_code == 200, bound.text
    assert (await client.get("/mp/v1/worker/queue", headers=mp)).status_code == 200
    return staff_id, username, mp, openid


async def test_mini_program_staff_session_replayed_after_a_password_change_is_refused(
    mp_client, fake_wechat, world
):
    """Whoever bound a WeChat to the account with a stolen password loses it with the
    password: the old mini-program session is dead, and signing in again gives a session
    without the staff account until the owner issues a new binding code."""
    _, username, mp, openid = await bound_worker_session(mp_client, fake_wechat, world)
    owner = await staff_login(mp_client, username)
    changed = await mp_client.post(
        "/api/v1/auth/password",
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=owner,
    )
    assert changed.status_code == 204, changed.text
    assert_envelope(await mp_client.get("/mp/v1/worker/queue", headers=mp), 401, "token_invalid")
    assert_envelope(await mp_client.get("/mp/v1/me", headers=mp), 401, "token_invalid")
    again = await sign_in(mp_client, fake_wechat, openid)
    refused = await mp_client.get("/mp/v1/worker/queue", headers=again)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "mp_not_bound"


async def test_mini_program_staff_session_replayed_after_an_admin_reset_is_refused(
    mp_client, fake_wechat, world
):
    staff_id, _, mp, _ = await bound_worker_session(mp_client, fake_wechat, world)
    reset = await mp_client.post(
        f"/api/v1/staff/{staff_id}/password",
        json={"new_password": NEW_PASSWORD},
        headers=world.headers("admin"),
    )
    assert reset.status_code == 204, reset.text
    assert_envelope(await mp_client.get("/mp/v1/worker/queue", headers=mp), 401, "token_invalid")
