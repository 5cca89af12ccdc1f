"""Cases over HTTP: report, detail with history, moves, triage queues, bulk, duplicates."""

from __future__ import annotations

import uuid
from datetime import timedelta

from backend import clock
from grid.cases.services.outbox import deliver_pending
from grid.cases.services.sweep import sweep_overdue
from tests.cases_support import POINTS, category_id


async def _report(
    client, world, persona="grid_worker_a", code="0101", grid="grid_a1_1", client_id=None
):
    lon, lat = POINTS[grid]
    body = {
        "category_id": await category_id(code),
        "description": "小区门口暴露垃圾",
        "client_id": client_id or uuid.uuid4().hex,
        "lon": lon,
        "lat": lat,
    }
    return await client.post("/api/v1/cases", json=body, headers=world.headers(persona))


async def test_report_over_http_is_idempotent_per_client_id(client, world):
    client_id = uuid.uuid4().hex
    first = await _report(client, world, client_id=client_id)
    again = await _report(client, world, client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    body = first.json()
    assert body["state"] == "reported" and body["light"] == "green"
    assert body["number"].endswith(f"-{body['id']:06d}")


async def test_detail_shows_history_and_what_i_may_do(client, world):
    case = (await _report(client, world)).json()
    url = f"/api/v1/cases/{case['id']}"
    leader = world.headers("grid_leader_a")
    assert (await client.post(url + "/file", json={}, headers=leader)).status_code == 200
    detail = (await client.get(url, headers=leader)).json()
    assert [e["action"] for e in detail["history"]] == ["report", "file"]
    assert detail["history"][1]["action_zh"] == "立案"
    assert set(detail["my_actions"]) >= {"dispatch", "claim", "merge"}
    worker_view = (await client.get(url, headers=world.headers("grid_worker_a"))).json()
    assert "dispatch" not in worker_view["my_actions"]


async def test_a_refused_move_answers_403_with_a_chinese_reason(client, world):
    case = (await _report(client, world)).json()
    response = await client.post(
        f"/api/v1/cases/{case['id']}/file", json={}, headers=world.headers("grid_worker_a")
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "case_action_forbidden" and "网格长" in body["message"]
    hidden = await client.get(
        f"/api/v1/cases/{case['id']}", headers=world.headers("street_b_staff")
    )
    assert hidden.status_code == 404


async def test_a_stale_version_answers_409_case_changed(client, world):
    case = (await _report(client, world)).json()
    url = f"/api/v1/cases/{case['id']}"
    street = world.headers("street_a_staff")
    assert (
        await client.post(url + "/claim", json={"version": 0}, headers=street)
    ).status_code == 200
    stale = await client.post(url + "/file", json={"version": 0}, headers=street)
    assert stale.status_code == 409 and stale.json()["code"] == "case_changed"


async def test_the_street_center_sees_escalated_and_overdue_cases_in_its_queues(client, world):
    clock.freeze(clock.now() - timedelta(days=2))
    case = (await _report(client, world, code="0201")).json()  # 2 working hours at the grid
    clock.reset()
    street = world.headers("street_a_staff")
    overdue = (await client.get("/api/v1/triage/queues/overdue", headers=street)).json()
    assert case["id"] in [c["id"] for c in overdue["items"]]
    red = (await client.get("/api/v1/triage/queues/open?light=red", headers=street)).json()
    assert all(c["light"] == "red" for c in red["items"]) and red["total"] >= 1
    assert (await sweep_overdue()).escalated >= 1  # to the community, 2 working hours
    later = clock.now() + timedelta(days=3)  # not clock.advance: the tokens would expire
    assert (await sweep_overdue(now=later)).escalated >= 1  # to the street center
    escalated = (await client.get("/api/v1/triage/queues/escalated", headers=street)).json()
    ids = [c["id"] for c in escalated["items"]]
    assert case["id"] in ids
    assert all(c["unit_id"] == world.units["street_a"] for c in escalated["items"])
    other = (
        await client.get("/api/v1/triage/queues/escalated", headers=world.headers("street_b_staff"))
    ).json()
    assert case["id"] not in [c["id"] for c in other["items"]]
    await deliver_pending()
    notes = (await client.get("/api/v1/notifications", headers=street)).json()
    assert any(n["case_id"] == case["id"] and n["kind"] == "case.escalated" for n in notes["items"])


async def test_bulk_actions_report_a_result_per_case(client, world):
    mine = [(await _report(client, world)).json()["id"] for _ in range(2)]
    elsewhere = (await _report(client, world, persona="grid_worker_b", grid="grid_b1_1")).json()[
        "id"
    ]
    response = await client.post(
        "/api/v1/triage/bulk",
        json={"action": "file", "case_ids": [*mine, elsewhere]},
        headers=world.headers("community_staff_a"),
    )
    items = {i["case_id"]: i for i in response.json()}
    assert all(items[i]["ok"] and items[i]["state"] == "filed" for i in mine)
    assert items[elsewhere]["ok"] is False and items[elsewhere]["code"] == "not_found"
    assert items[elsewhere]["message"]


async def test_duplicates_are_suggested_within_the_radius_and_window(client, world):
    first = (await _report(client, world, code="0105")).json()
    near = (await _report(client, world, persona="grid_leader_a", code="0105")).json()
    far = (await _report(client, world, code="0105", grid="grid_a1_2")).json()
    response = await client.get(
        f"/api/v1/cases/{first['id']}/duplicates", headers=world.headers("grid_leader_a")
    )
    ids = [d["case"]["id"] for d in response.json()]
    assert near["id"] in ids and far["id"] not in ids
    merged = await client.post(
        f"/api/v1/cases/{near['id']}/merge",
        json={"into_case_id": first["id"]},
        headers=world.headers("grid_leader_a"),
    )
    assert merged.json()["state"] == "merged"


async def test_at_one_spot_the_report_closest_in_time_is_suggested_first(client, world):
    """Twelve reports from the same point: the suggestions (ten) start with the report just
    before this one, not with the oldest, which would push the likely twin off the list."""
    reports = [(await _report(client, world, code="0106")).json() for _ in range(12)]
    response = await client.get(
        f"/api/v1/cases/{reports[-1]['id']}/duplicates", headers=world.headers("grid_leader_a")
    )
    ids = [d["case"]["id"] for d in response.json()]
    assert len(ids) == 10
    assert ids[0] == reports[-2]["id"]
    assert reports[0]["id"] not in ids


async def test_a_worker_lists_the_cases_dispatched_to_them(client, world):
    case = (await _report(client, world)).json()
    url = f"/api/v1/cases/{case['id']}"
    leader = world.headers("grid_leader_a")
    await client.post(url + "/file", json={}, headers=leader)
    dispatch = {"kind": "staff", "target_id": world.staff["grid_worker_a"]}
    assert (await client.post(url + "/dispatch", json=dispatch, headers=leader)).status_code == 200
    mine = (await client.get("/api/v1/cases/mine", headers=world.headers("grid_worker_a"))).json()
    assert case["id"] in [c["id"] for c in mine["items"]]
    reported = (
        await client.get("/api/v1/cases/mine?reported=true", headers=world.headers("grid_worker_a"))
    ).json()
    assert case["id"] in [c["id"] for c in reported["items"]]


async def _upload(client, world, persona: str, seed: int) -> int:
    from tests.media_samples import phone_jpeg

    data = phone_jpeg(320, 240, seed=seed, quality=70)
    response = await client.post(
        "/api/v1/media/photos/",
        files={"file": ("p.jpg", data, "image/jpeg")},
        headers=world.headers(persona),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_the_whole_loop_over_http(client, world):
    case = (await _report(client, world)).json()
    url = f"/api/v1/cases/{case['id']}"
    h = world.headers
    result_photos = [await _upload(client, world, "grid_worker_a", 8100 + i) for i in range(2)]
    steps = [
        ("grid_leader_a", "/file", {}),
        ("grid_leader_a", "/escalate", {"reason": "需社区协调"}),
        (
            "community_staff_a",
            "/send-down",
            {"unit_id": world.units["grid_a1_1"], "reason": "属地"},
        ),
        (
            "grid_leader_a",
            "/dispatch",
            {"kind": "staff", "target_id": world.staff["grid_worker_a"]},
        ),
        ("grid_worker_a", "/start", {}),
        ("grid_worker_a", "/handle", {"note": "已清运", "photo_ids": result_photos}),
        ("grid_leader_a", "/verify", {"note": "现场核实"}),
        ("grid_leader_a", "/rework", {"reason": "仍有残留"}),
        ("grid_worker_a", "/start", {}),
        ("grid_worker_a", "/handle", {"note": "已彻底清理"}),
        ("grid_leader_a", "/verify", {}),
        ("grid_leader_a", "/close", {}),
        ("grid_worker_a", "/evaluate", {"rating": 5, "comment": "满意"}),
    ]
    for persona, action, body in steps:
        response = await client.post(url + action, json=body, headers=h(persona))
        assert response.status_code == 200, (action, response.text)
    final = response.json()
    assert (final["state"], final["rating"], final["rework_count"]) == ("evaluated", 5, 1)
    assert final["result_note"] == "已彻底清理" and final["light"] is None
    detail = (await client.get(url, headers=h("grid_leader_a"))).json()
    assert [e["action"] for e in detail["history"]] == [
        "report",
        *(a.strip("/").replace("-", "_") for _, a, _ in steps),
    ]
    assert detail["history"][2]["to_level"] == "community"
    assert [p["id"] for p in detail["photos"]["result"]] == result_photos
    assert all(p["thumb_url"] and p["display_url"] for p in detail["photos"]["result"])


async def test_triage_queues_filter_by_responsible_level_and_source_channel(client, world):
    case = (await _report(client, world, code="0401")).json()  # starts at the street center
    street = world.headers("street_a_staff")
    url = "/api/v1/triage/queues/new"

    async def ids(query: str) -> list[int]:
        answer = await client.get(f"{url}?{query}", headers=street)
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()["items"]]

    assert case["id"] in await ids(f"level=street&channel={case['channel']}")
    assert case["id"] not in await ids("level=grid")
    assert case["id"] not in await ids("channel=open311")
    bad = await client.get(f"{url}?channel=carrier-pigeon", headers=street)
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"


async def test_a_page_far_past_the_end_is_refused_not_a_crash(client, world):
    """Found by schema fuzzing: the offset of such a page overflowed SQLite and answered 500."""
    for url in ("/api/v1/cases/mine", "/api/v1/notifications"):
        response = await client.get(
            url, params={"page": 960049248319291520}, headers=world.headers("admin")
        )
        assert response.status_code == 400, response.text
        assert response.json()["data"]["field"] == "page"
