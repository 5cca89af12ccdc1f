"""A consultation from draft to published result, through the staff HTTP API."""

from __future__ import annotations

from datetime import timedelta

from backend import clock
from community.services import ballots, discussion
from tests.estate import START, build_estate
from tests.media_samples import phone_jpeg


async def test_staff_run_an_owners_decision_from_draft_to_a_checkable_result(client, world):
    estate = await build_estate(world, 6)
    staff = world.headers("community_staff_a")
    clock.freeze(START)
    created = await client.post(
        "/api/v1/matters/",
        json={
            "title": "关于筹集专项维修资金的表决",
            "body": "拟按每平方米 20 元筹集维修资金。",
            "kind": "owners_decision",
            "art278_item": 6,
            "scope_kind": "building",
            "unit_id": estate.micro_grid_id,
            "building": estate.building,
            "notice_days": 7,
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    matter_id = created.json()["id"]
    assert created.json()["phase"] == "draft"

    refused = await client.post(
        f"/api/v1/matters/{matter_id}/publish", json={}, headers=world.headers("grid_worker_a")
    )
    assert refused.status_code == 403
    hidden = await client.get(
        f"/api/v1/matters/{matter_id}", headers=world.headers("street_b_staff")
    )
    assert hidden.status_code == 404

    for step in ("publish", "open-discussion"):
        moved = await client.post(f"/api/v1/matters/{matter_id}/{step}", json={}, headers=staff)
        assert moved.status_code == 201, moved.text

    # discussion: a resident suggests, staff answer officially, a moderator hides abuse
    suggestion = await discussion.post_comment(
        estate.voter(0), matter_id, "建议分两期筹集", kind="suggestion"
    )
    reply = await client.post(
        f"/api/v1/matters/{matter_id}/comments",
        json={"body": "已收到，将在修订稿中说明", "parent_id": suggestion["id"]},
        headers=staff,
    )
    assert reply.status_code == 201 and reply.json()["official"] is True
    abuse = await discussion.post_comment(estate.voter(1), matter_id, "广告内容")
    for _ in range(2):
        liked = await client.post(f"/api/v1/comments/{suggestion['id']}/like", headers=staff)
    assert liked.json()["likes"] == 1
    hide = await client.post(
        f"/api/v1/comments/{abuse['id']}/hide", json={"reason": "广告"}, headers=staff
    )
    assert hide.status_code == 201 and hide.json()["hidden"] is True
    seen_by_worker = await client.get(
        f"/api/v1/matters/{matter_id}/comments", headers=world.headers("grid_worker_a")
    )
    assert abuse["id"] not in {c["id"] for c in seen_by_worker.json()}
    seen_by_moderator = await client.get(f"/api/v1/matters/{matter_id}/comments", headers=staff)
    assert {"id": abuse["id"], "reason": "广告"} in [
        {"id": c["id"], "reason": c["hidden_reason"]} for c in seen_by_moderator.json()
    ]
    summary = await client.get(f"/api/v1/matters/{matter_id}/suggestions", headers=staff)
    assert summary.json()["suggestions"][0]["replies"] == 1

    revised = await client.post(
        f"/api/v1/matters/{matter_id}/revise",
        json={
            "title": "关于分两期筹集专项维修资金的表决",
            "body": "分两期筹集。",
            "change_note": "采纳建议",
        },
        headers=staff,
    )
    assert revised.json()["version"] == 2
    versions = await client.get(f"/api/v1/matters/{matter_id}/versions", headers=staff)
    assert [v["number"] for v in versions.json()] == [1, 2]

    early = await client.post(
        f"/api/v1/matters/{matter_id}/open-voting",
        json={"closes_at": (START + timedelta(days=9)).isoformat()},
        headers=staff,
    )
    assert early.status_code == 409 and early.json()["code"] == "matter_window_invalid"
    clock.advance(timedelta(days=7))
    opened = await client.post(
        f"/api/v1/matters/{matter_id}/open-voting",
        json={"closes_at": (START + timedelta(days=9)).isoformat()},
        headers=staff,
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["roll_count"] == 6 and opened.json()["roll_area"] == "600.00"
    published_roll = await client.get(f"/api/v1/matters/{matter_id}/roll", headers=staff)
    entries = published_roll.json()["entries"]
    assert len(entries) == 6 and all("*" in e["label"] for e in entries)

    receipts = [await ballots.cast_ballot(estate.voter(i), matter_id, "agree") for i in range(4)]
    scan = await client.post(
        "/api/v1/media/photos/",
        files={"file": ("scan.jpg", phone_jpeg(320, 240, seed=6201), "image/jpeg")},
        headers=world.headers("grid_worker_a"),
    )
    assert scan.status_code == 201, scan.text
    scan_id = scan.json()["id"]
    paper = await client.post(
        f"/api/v1/matters/{matter_id}/paper-ballots",
        json={"roll_entry_id": entries[5]["id"], "choice": "disagree", "scan_photo_id": scan_id},
        headers=world.headers("grid_worker_a"),
    )
    assert paper.status_code == 201 and paper.json()["channel"] == "paper"
    for persona, status in (("community_staff_a", 200), ("street_b_staff", 404)):
        seen = await client.get(f"/api/v1/media/photos/{scan_id}", headers=world.headers(persona))
        assert seen.status_code == status, persona
    too_early = await client.post(
        f"/api/v1/matters/{matter_id}/close-voting", json={}, headers=staff
    )
    assert too_early.status_code == 409

    clock.advance(timedelta(days=2))
    closed = await client.post(f"/api/v1/matters/{matter_id}/close-voting", json={}, headers=staff)
    assert closed.status_code == 201, closed.text
    result = closed.json()["result"]
    # 5 of 6 take part (≥ 2/3); 4 agree of 5 = 80 % ≥ 3/4 of count and area → passes
    assert result["quorum_met"] and result["passed"]
    assert {c["name"]: c["margin"] for c in result["checks"]} == {
        "quorum_area": "100.00",
        "quorum_count": "1",
        "agree_area": "25.00",
        "agree_count": "0",
    }
    again = await client.post(f"/api/v1/matters/{matter_id}/close-voting", json={}, headers=staff)
    assert again.status_code == 409 and again.json()["code"] == "matter_phase_invalid"
    done = await client.post(f"/api/v1/matters/{matter_id}/publish-result", json={}, headers=staff)
    assert done.json()["phase"] == "result_published"

    listing = await client.get(f"/api/v1/matters/{matter_id}/ballot-list", headers=staff)
    body = listing.json()
    assert body["chain_head"] == done.json()["chain_head"] and body["chain_length"] == 5
    assert [e["choice"] for e in body["entries"]].count("agree") == 4
    check = await client.get(f"/api/v1/matters/{matter_id}/chain", headers=staff)
    assert check.json()["ok"] is True and check.json()["length"] == 5
    receipt = await client.get(
        f"/api/v1/matters/{matter_id}/receipts/{receipts[0].shown}", headers=staff
    )
    assert receipt.json()["counted"] is True and receipt.json()["choice"] == "agree"
    unknown = await client.get(
        f"/api/v1/matters/{matter_id}/receipts/AAAA-AAAA",
        headers={**staff, "Accept-Language": "en"},
    )
    assert unknown.status_code == 404 and "AAAA-AAAA" in unknown.json()["message"]
    listed = await client.get("/api/v1/matters/?phase=result_published", headers=staff)
    assert matter_id in {m["id"] for m in listed.json()["items"]}
