"""Grid workers in the mini-program: bind the staff account, accept, work, handle with a photo;
a second worker verifies; the patrol log and my figures."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from backend import clock
from backend.auth import load_actor, login
from grid.cases.services import outbox, triage
from grid.cases.tables import AssigneeKind
from grid.services.staff import GrantSpec, create_staff
from grid.tables import Role
from tests.cases_support import report
from tests.estate import build_estate
from tests.media_samples import phone_jpeg
from tests.mp_support import household_of, sign_in
from tests.personas import PASSWORD


async def _worker_in_mp(client, fake, world, persona_headers):
    """A WeChat session bound to the staff account behind ``persona_headers``."""
    issued = await client.post("/api/v1/mp/staff-codes", headers=persona_headers)
    assert issued.status_code == 201, issued.text
    headers = await sign_in(client, fake)
    bound = await client.post(
        "/mp/v1/bind/staff", json={"code": issued.json()["code"]}, headers=headers
    )
    assert bound.status_code == 200, bound.text
    return headers, bound.json()["staff"]


async def _second_worker(world, settings):
    admin = await load_actor(world.staff["admin"])
    name = f"w2_{uuid.uuid4().hex[:8]}"
    await create_staff(
        admin,
        username=name,
        display_name="第二网格员",
        password=PASSWORD,
        phone="13800138001",
        grants=[GrantSpec(Role.grid_worker, world.units["grid_a1_1"], None)],
    )
    issued = await login(name, PASSWORD, "127.0.0.1", settings)
    return {"Authorization": f"Bearer {issued.token}"}


async def test_a_worker_accepts_handles_with_a_photo_and_a_second_worker_verifies(
    mp_client, fake_wechat, world, settings
):
    worker, staff = await _worker_in_mp(
        mp_client, fake_wechat, world, world.headers("grid_worker_a")
    )
    assert staff["staff_id"] == world.staff["grid_worker_a"]
    assert [g["role"] for g in staff["grants"]] == ["grid_worker"]
    case = await report(world, "grid_leader_a")
    leader = world.actors["grid_leader_a"]
    await triage.file_case(leader, case["id"])
    await triage.dispatch_case(
        leader, case["id"], kind=AssigneeKind.unit, target_id=world.units["grid_a1_1"]
    )

    queue = (await mp_client.get("/mp/v1/worker/queue?limit=50", headers=worker)).json()
    assert case["id"] in [c["id"] for c in queue["items"]]
    await outbox.deliver_pending()
    notices = (await mp_client.get("/mp/v1/worker/notifications", headers=worker)).json()
    assert case["id"] in [n["case_id"] for n in notices["items"] if n["kind"] == "case.dispatched"]
    tampered = await mp_client.get("/mp/v1/worker/queue?cursor=not-a-cursor", headers=worker)
    assert tampered.status_code == 400 and tampered.json()["data"]["field"] == "cursor"
    base = f"/mp/v1/worker/cases/{case['id']}"
    started = await mp_client.post(base + "/start", json={}, headers=worker)
    assert started.status_code == 200, started.text
    assert started.json()["case"]["state"] == "in_progress"

    upload = await mp_client.post(
        "/mp/v1/worker/photos",
        files={"file": ("r.jpg", phone_jpeg(640, 480, seed=3), "image/jpeg")},
        headers=worker,
    )
    assert upload.status_code == 201, upload.text
    photo_id = upload.json()["id"]
    noted = await mp_client.post(
        base + "/notes", json={"note": "已联系环卫", "photo_ids": [photo_id]}, headers=worker
    )
    assert noted.status_code == 200 and noted.json()["timeline"][-1]["action"] == "progress"
    handled = await mp_client.post(
        base + "/handle", json={"note": "已清运", "photo_ids": [photo_id]}, headers=worker
    )
    assert handled.status_code == 200, handled.text
    assert handled.json()["case"]["state"] == "handled"
    assert [p["id"] for p in handled.json()["result_photos"]] == [photo_id]
    own = await mp_client.post(base + "/verify", json={}, headers=worker)
    assert own.status_code == 403 and own.json()["code"] == "case_verifier_is_handler"
    mine = (await mp_client.get("/mp/v1/worker/to-verify?limit=50", headers=worker)).json()
    assert case["id"] not in [c["id"] for c in mine["items"]]

    second, _ = await _worker_in_mp(
        mp_client, fake_wechat, world, await _second_worker(world, settings)
    )
    waiting = (await mp_client.get("/mp/v1/worker/to-verify?limit=50", headers=second)).json()
    assert case["id"] in [c["id"] for c in waiting["items"]]
    verified = await mp_client.post(base + "/verify", json={"note": "现场已清理"}, headers=second)
    assert verified.status_code == 200, verified.text
    assert verified.json()["case"]["state"] == "verified"

    figures = (await mp_client.get("/mp/v1/worker/kpis", headers=worker)).json()
    assert figures["kpis"]["handled"] >= 1
    assert (await mp_client.get("/mp/v1/worker/kpis", headers=second)).json()["kpis"][
        "verified"
    ] == 1


async def test_a_worker_escalates_with_a_reason_and_only_the_assignee_works(
    mp_client, fake_wechat, world
):
    worker, _ = await _worker_in_mp(mp_client, fake_wechat, world, world.headers("grid_worker_a"))
    other, _ = await _worker_in_mp(mp_client, fake_wechat, world, world.headers("grid_worker_a2"))
    case = await report(world, "grid_leader_a")
    leader = world.actors["grid_leader_a"]
    await triage.file_case(leader, case["id"])
    await triage.dispatch_case(
        leader, case["id"], kind=AssigneeKind.unit, target_id=world.units["grid_a1_1"]
    )
    base = f"/mp/v1/worker/cases/{case['id']}"
    not_mine = await mp_client.post(base + "/start", json={}, headers=other)
    assert not_mine.status_code == 404
    no_reason = await mp_client.post(base + "/escalate", json={"reason": " "}, headers=worker)
    assert no_reason.status_code == 400
    escalated = await mp_client.post(
        base + "/escalate", json={"reason": "涉及违建，网格无法处置"}, headers=worker
    )
    assert escalated.status_code == 200, escalated.text
    step = escalated.json()["timeline"][-1]
    assert step["action"] == "escalate" and step["note"] == "涉及违建，网格无法处置"
    assert escalated.json()["case"]["level"] == "community"


async def test_the_patrol_log_records_visits_in_my_scope_once_per_client_id(
    mp_client, fake_wechat, world
):
    worker, _ = await _worker_in_mp(mp_client, fake_wechat, world, world.headers("grid_worker_a"))
    estate = await build_estate(world, 1)
    household = await household_of(estate.resident_ids[0])
    visit = {
        "household_id": household,
        "note": "走访独居老人，身体良好",
        "client_id": f"v1-{uuid.uuid4().hex[:6]}",
    }
    logged = await mp_client.post("/mp/v1/worker/patrols", json=visit, headers=worker)
    assert logged.status_code == 201, logged.text
    again = await mp_client.post("/mp/v1/worker/patrols", json=visit, headers=worker)
    assert again.status_code == 200 and again.json()["id"] == logged.json()["id"]
    photo = await mp_client.post(
        "/mp/v1/worker/photos",
        files={"file": ("v.jpg", phone_jpeg(320, 240, seed=9), "image/jpeg")},
        headers=worker,
    )
    spot = {
        "unit_id": world.units["grid_a1_1"],
        "place": "3栋后面的消防通道",
        "note": "通道被杂物堵塞",
        "client_id": f"v2-{uuid.uuid4().hex[:6]}",
        "found_problem": True,
        "photo_ids": [photo.json()["id"]],
    }
    racing = await asyncio.gather(
        *(mp_client.post("/mp/v1/worker/patrols", json=spot, headers=worker) for _ in range(3))
    )
    assert sorted(r.status_code for r in racing) == [200, 200, 201]
    assert len({r.json()["id"] for r in racing}) == 1
    place = next(r for r in racing if r.status_code == 201)
    assert place.json()["photo_ids"] == [photo.json()["id"]]
    page = (await mp_client.get("/mp/v1/worker/patrols?limit=1", headers=worker)).json()
    assert [v["id"] for v in page["items"]] == [place.json()["id"]]
    rest = (
        await mp_client.get(f"/mp/v1/worker/patrols?cursor={page['next_cursor']}", headers=worker)
    ).json()
    assert logged.json()["id"] in [v["id"] for v in rest["items"]]
    figures = (await mp_client.get("/mp/v1/worker/kpis", headers=worker)).json()
    assert figures["patrols"] >= 2

    elsewhere, _ = await _worker_in_mp(
        mp_client, fake_wechat, world, world.headers("grid_worker_b")
    )
    outside = await mp_client.post(
        "/mp/v1/worker/patrols", json={**visit, "client_id": "b1"}, headers=elsewhere
    )
    assert outside.status_code == 404


async def test_a_staff_code_expires_after_15_minutes_and_sessions_after_their_lifetime(
    mp_client, fake_wechat, world
):
    issued = await mp_client.post("/api/v1/mp/staff-codes", headers=world.headers("grid_worker_a"))
    headers = await sign_in(mp_client, fake_wechat)
    clock.freeze(clock.now() + timedelta(minutes=16))
    late = await mp_client.post(
        "/mp/v1/bind/staff", json={"code": issued.json()["code"]}, headers=headers
    )
    assert late.status_code == 400 and late.json()["code"] == "mp_binding_code_invalid"
    clock.advance(timedelta(days=8))
    expired = await mp_client.get("/mp/v1/me", headers=headers)
    assert expired.status_code == 401 and expired.json()["code"] == "token_invalid"
