"""Persona matrix of the mini-program: a resident sees their own reports only and the matters
of their own house unit's scope; elsewhere everything answers 404, as in the staff API.
Residents discuss, vote, check their receipt and read the published result."""

from __future__ import annotations

from datetime import timedelta

from backend import clock
from community.services import matters, tally
from community.tables import MatterKind, PollUnit, ScopeKind
from tests.cases_support import report
from tests.estate import build_estate, open_matter
from tests.mp_support import bind_resident, report_body, sign_in


async def test_a_resident_reads_only_their_own_reports(mp_client, fake_wechat, world):
    estate_a = await build_estate(world, 2)
    estate_b = await build_estate(world, 1, micro="grid_b1_1_m1")
    a = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, a, estate_a.resident_ids[0])
    neighbour = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, neighbour, estate_a.resident_ids[1])
    b = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, b, estate_b.resident_ids[0], staff="grid_worker_b")

    mine = await mp_client.post("/mp/v1/reports", json=await report_body(), headers=a)
    theirs = await mp_client.post("/mp/v1/reports", json=await report_body(), headers=neighbour)
    in_b = await mp_client.post("/mp/v1/reports", json=await report_body("grid_b1_1"), headers=b)
    staff_case = await report(world, "grid_worker_b", grid="grid_b1_1")
    assert {mine.status_code, theirs.status_code, in_b.status_code} == {201}

    assert (
        await mp_client.get(f"/mp/v1/reports/{mine.json()['id']}", headers=a)
    ).status_code == 200
    for case_id in (theirs.json()["id"], in_b.json()["id"], staff_case["id"]):
        hidden = await mp_client.get(f"/mp/v1/reports/{case_id}", headers=a)
        assert hidden.status_code == 404, case_id
        assert hidden.json()["code"] == "not_found"
        touched = await mp_client.post(f"/mp/v1/reports/{case_id}/confirm", json={}, headers=a)
        assert touched.status_code == 404
    listed = (await mp_client.get("/mp/v1/reports?limit=50", headers=a)).json()["items"]
    assert [c["id"] for c in listed] == [mine.json()["id"]]

    # a resident is no grid worker: the work endpoints need a bound staff account
    refused = await mp_client.get("/mp/v1/worker/queue", headers=a)
    assert refused.status_code == 403 and refused.json()["code"] == "mp_not_bound"
    assert (
        await mp_client.get(f"/mp/v1/worker/cases/{mine.json()['id']}", headers=a)
    ).status_code == 403


async def test_residents_vote_only_in_their_scope_and_check_their_receipt(
    mp_client, fake_wechat, world
):
    estate_a = await build_estate(world, 1)
    estate_b = await build_estate(world, 2, micro="grid_b1_1_m1")
    a = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, a, estate_a.resident_ids[0])
    b = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, b, estate_b.resident_ids[0], staff="grid_worker_b")
    b2 = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, b2, estate_b.resident_ids[1], staff="grid_worker_b")

    matter = await open_matter(world, estate_b, staff="street_b_staff")
    path = f"/mp/v1/matters/{matter['id']}"

    # outside the scope: the matter does not exist for resident A
    assert (await mp_client.get(path, headers=a)).status_code == 404
    outside = await mp_client.post(path + "/ballot", json={"choice": "agree"}, headers=a)
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    listed_a = (await mp_client.get("/mp/v1/matters", headers=a)).json()["items"]
    assert matter["id"] not in [m["id"] for m in listed_a]

    listed_b = (await mp_client.get("/mp/v1/matters", headers=b)).json()["items"]
    assert matter["id"] in [m["id"] for m in listed_b]
    detail = (await mp_client.get(path, headers=b)).json()
    assert detail["matter"]["phase"] == "voting" and detail["result"] is None
    versions = (await mp_client.get(path + "/versions", headers=b)).json()
    assert [v["number"] for v in versions] == [1]
    closed = await mp_client.post(path + "/comments", json={"body": "我同意"}, headers=b)
    assert closed.status_code == 409 and closed.json()["code"] == "discussion_closed"

    voted = await mp_client.post(path + "/ballot", json={"choice": "agree"}, headers=b)
    assert voted.status_code == 201, voted.text
    receipt = voted.json()["receipt"]
    twice = await mp_client.post(path + "/ballot", json={"choice": "disagree"}, headers=b)
    assert twice.status_code == 409 and twice.json()["code"] == "ballot_already_cast"
    mine = (await mp_client.get(path + "/my-ballot", headers=b)).json()
    assert [m["receipt"] for m in mine] == [receipt] and mine[0]["choice"] == "agree"
    assert (
        await mp_client.post(path + "/ballot", json={"choice": "agree"}, headers=b2)
    ).status_code == 201
    checked = (await mp_client.get(f"{path}/receipts/{receipt}", headers=b)).json()
    assert checked["recorded"] is True
    assert (await mp_client.get(f"{path}/receipts/{receipt}", headers=a)).status_code == 404
    early = await mp_client.get(path + "/result", headers=b)
    assert early.status_code == 409

    staff = world.actors["street_b_staff"]
    clock.advance(timedelta(hours=49))
    await tally.close_voting(staff, matter["id"])
    await tally.publish_result(staff, matter["id"])
    result = await mp_client.get(path + "/result", headers=b)
    assert result.status_code == 200, result.text
    assert result.json()["passed"] is True and result.json()["chain_length"] == 2
    counted = (await mp_client.get(f"{path}/receipts/{receipt}", headers=b)).json()
    assert counted["in_chain"] is True and counted["counted"] is True
    assert (await mp_client.get(path, headers=b)).json()["passed"] is True


async def test_residents_comment_and_suggest_while_a_matter_is_discussed(
    mp_client, fake_wechat, world
):
    estate = await build_estate(world, 1)
    me = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, me, estate.resident_ids[0])
    staff = world.actors["community_staff_a"]
    matter = await matters.create_matter(
        staff,
        matters.MatterDraft(
            title="关于增设电动车充电桩的意见征集",
            body="拟在 3 栋旁增设充电桩。",
            kind=MatterKind.opinion_poll,
            poll_unit=PollUnit.resident,
            scope_kind=ScopeKind.building,
            unit_id=estate.micro_grid_id,
            building=estate.building,
            notice_days=0,
        ),
    )
    path = f"/mp/v1/matters/{matter['id']}"
    assert (await mp_client.get(path, headers=me)).status_code == 404  # a draft is not shown
    await matters.publish_matter(staff, matter["id"])
    await matters.open_discussion(staff, matter["id"])
    posted = await mp_client.post(
        path + "/comments",
        json={"body": "建议加装雨棚", "kind": "suggestion"},
        headers=me,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"] == "业主0" and posted.json()["kind"] == "suggestion"
    comments = (await mp_client.get(path + "/comments", headers=me)).json()
    assert [c["body"] for c in comments] == ["建议加装雨棚"]
