"""The mini-program over HTTP, against a fake WeChat server on 127.0.0.1 (real HTTP).

A resident signs in, binds with a community code, reports with a photo, follows the case as
staff act, objects, confirms and rates; sign-in errors map to 401/502 in Chinese.
"""

from __future__ import annotations

from backend import pii
from grid.cases.services import outbox
from media.tables import Photo
from miniprogram_api.tables import WxIdentity
from tests.estate import build_estate
from tests.media_samples import phone_jpeg
from tests.mp_support import LOGIN, bind_resident, household_of, report_body, sign_in


async def test_sign_in_gives_an_app_token_and_keeps_the_session_key_on_the_server(
    mp_client, fake_wechat
):
    openid = "o_keeps_key_" + fake_wechat.code_for("x")[:6]
    answer = await mp_client.post(LOGIN, json={"code": fake_wechat.code_for(openid)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["new_user"] is True and body["bound"] == {"resident": False, "staff": False}
    key = fake_wechat.session_keys[openid]
    assert key not in answer.text
    # wechatpy's hard-coded token URL was redirected to the fake host too
    assert "/cgi-bin/token" in fake_wechat.paths and "/sns/jscode2session" in fake_wechat.paths
    row = await WxIdentity.select().where(WxIdentity.openid == openid).first()
    assert row["session_key_sealed"] != key
    assert pii.cipher().decrypt(row["session_key_sealed"]) == key

    again = await mp_client.post(LOGIN, json={"code": fake_wechat.code_for(openid)})
    assert again.json()["new_user"] is False
    me = await mp_client.get("/mp/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json() == {"resident": None, "staff": None}


async def test_bad_codes_answer_401_and_wechat_failures_502_in_chinese(mp_client, fake_wechat):
    unknown = await mp_client.post(LOGIN, json={"code": "never-issued"})
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "mp_wx_code_invalid"
    assert "微信登录凭证无效" in unknown.json()["message"]

    code = fake_wechat.code_for("o_used_twice")
    assert (await mp_client.post(LOGIN, json={"code": code})).status_code == 200
    used = await mp_client.post(LOGIN, json={"code": code})
    assert used.status_code == 401 and used.json()["code"] == "mp_wx_code_invalid"

    fake_wechat.failing = True
    try:
        down = await mp_client.post(LOGIN, json={"code": fake_wechat.code_for("o_down")})
    finally:
        fake_wechat.failing = False
    assert down.status_code == 502
    assert down.json()["code"] == "mp_wechat_unavailable"
    english = await mp_client.post(
        LOGIN, json={"code": "never-issued"}, headers={"Accept-Language": "en"}
    )
    assert "WeChat login code" in english.json()["message"]

    no_token = await mp_client.get("/mp/v1/me")
    assert no_token.status_code == 401
    logged_out = await sign_in(mp_client, fake_wechat)
    assert (await mp_client.post("/mp/v1/auth/logout", headers=logged_out)).status_code == 204
    assert (await mp_client.get("/mp/v1/me", headers=logged_out)).status_code == 401


async def test_a_new_resident_binds_reports_with_a_photo_follows_the_case_and_rates_it(
    mp_client, fake_wechat, world
):
    estate = await build_estate(world, 2, tenants=1)
    me = await sign_in(mp_client, fake_wechat)
    unbound = await mp_client.get("/mp/v1/reports", headers=me)
    assert unbound.status_code == 403 and unbound.json()["code"] == "mp_not_bound"

    # community staff issue a household code; the resident binds with it and their name
    issued = await mp_client.post(
        "/api/v1/mp/binding-codes",
        json={"household_id": await household_of(estate.resident_ids[0])},
        headers=world.headers("community_staff_a"),
    )
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    wrong = await mp_client.post(
        "/mp/v1/bind/resident", json={"code": code, "name": "王五"}, headers=me
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "mp_binding_name_mismatch"
    bound = await mp_client.post(
        "/mp/v1/bind/resident", json={"code": code, "name": "业主0"}, headers=me
    )
    assert bound.status_code == 200, bound.text
    profile = bound.json()["resident"]
    assert profile["resident_id"] == estate.resident_ids[0]
    assert profile["is_owner"] is True and profile["owned_units"] == 1
    other = await sign_in(mp_client, fake_wechat)
    reused = await mp_client.post(
        "/mp/v1/bind/resident", json={"code": code, "name": "业主0"}, headers=other
    )
    assert reused.status_code == 400 and reused.json()["code"] == "mp_binding_code_invalid"

    # a tenant bound the same way is not an owner: owner status comes from owner records
    tenant = await sign_in(mp_client, fake_wechat)
    await bind_resident(mp_client, world, tenant, estate.tenant_ids[0])
    tenant_me = (await mp_client.get("/mp/v1/me", headers=tenant)).json()["resident"]
    assert tenant_me["is_owner"] is False

    # a photo, then the report (GCJ-02 from wx.getLocation); a retry returns the same case
    upload = await mp_client.post(
        "/mp/v1/photos",
        files={"file": ("p.jpg", phone_jpeg(800, 600), "image/jpeg")},
        headers=me,
    )
    assert upload.status_code == 201, upload.text
    photo_id = upload.json()["id"]
    groups = (await mp_client.get("/mp/v1/categories", headers=me)).json()
    assert any(leaf["code"] == "0101" for g in groups for leaf in g["children"])
    body = await report_body(photo_ids=[photo_id], address="3栋旁")
    created = await mp_client.post("/mp/v1/reports", json=body, headers=me)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json()["state"] == "reported" and created.json()["state_zh"]
    retry = await mp_client.post("/mp/v1/reports", json=body, headers=me)
    assert retry.status_code == 200 and retry.json()["id"] == case_id
    photo = await Photo.select(Photo.uploader_kind).where(Photo.id == photo_id).first()
    assert photo["uploader_kind"] == "resident"

    listed = (await mp_client.get("/mp/v1/reports?limit=1", headers=me)).json()
    assert [c["id"] for c in listed["items"]] == [case_id]
    detail = (await mp_client.get(f"/mp/v1/reports/{case_id}", headers=me)).json()
    assert [p["id"] for p in detail["photos"]] == [photo_id]
    assert [s["action"] for s in detail["timeline"]] == ["report"]
    assert detail["timeline"][0]["by"] == "我"

    # staff act through the staff API; the resident sees every step
    leader = world.headers("grid_leader_a")
    grid = world.units["grid_a1_1"]
    for path, payload, persona in (
        ("file", {}, "grid_leader_a"),
        ("dispatch", {"kind": "unit", "target_id": grid}, "grid_leader_a"),
        ("start", {}, "grid_worker_a"),
        ("handle", {"note": "已清运"}, "grid_worker_a"),
    ):
        moved = await mp_client.post(
            f"/api/v1/cases/{case_id}/{path}", json=payload, headers=world.headers(persona)
        )
        assert moved.status_code == 200, (path, moved.text)
    detail = (await mp_client.get(f"/mp/v1/reports/{case_id}", headers=me)).json()
    assert detail["case"]["state"] == "handled" and detail["result_note"] == "已清运"
    assert [s["action"] for s in detail["timeline"]] == [
        "report",
        "file",
        "dispatch",
        "start",
        "handle",
    ]
    assert "confirm" in detail["can"]

    # not satisfied first: an objection is recorded and reaches the unit, the state stays
    objected = await mp_client.post(
        f"/mp/v1/reports/{case_id}/reject", json={"reason": "垃圾还有一半"}, headers=me
    )
    assert objected.status_code == 200, objected.text
    assert objected.json()["case"]["state"] == "handled"
    assert objected.json()["timeline"][-1]["action_zh"] == "提出异议"
    # rating before the case is closed is refused by the state machine
    early = await mp_client.post(f"/mp/v1/reports/{case_id}/rate", json={"rating": 5}, headers=me)
    assert early.status_code == 409 and early.json()["code"] == "case_action_invalid"

    confirmed = await mp_client.post(f"/mp/v1/reports/{case_id}/confirm", json={}, headers=me)
    assert confirmed.status_code == 200 and confirmed.json()["case"]["state"] == "verified"
    closed = await mp_client.post(f"/api/v1/cases/{case_id}/close", json={}, headers=leader)
    assert closed.status_code == 200, closed.text
    rated = await mp_client.post(
        f"/mp/v1/reports/{case_id}/rate", json={"rating": 5, "comment": "及时"}, headers=me
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["case"]["state"] == "evaluated" and rated.json()["case"]["rating"] == 5

    await outbox.deliver_pending()
    notices = (await mp_client.get("/mp/v1/notifications", headers=me)).json()["items"]
    kinds = {n["kind"] for n in notices if n["case_id"] == case_id}
    assert {"case.handled", "case.closed"} <= kinds
    first = notices[0]
    read = await mp_client.post(f"/mp/v1/notifications/{first['id']}/read", headers=me)
    assert read.status_code == 204
    unread = (await mp_client.get("/mp/v1/notifications?unread=true", headers=me)).json()
    assert first["id"] not in [n["id"] for n in unread["items"]]


async def test_a_resident_without_a_code_asks_and_staff_in_scope_decide(
    mp_client, fake_wechat, world
):
    estate = await build_estate(world, 1)
    me = await sign_in(mp_client, fake_wechat)
    asked = await mp_client.post(
        "/mp/v1/bind/requests",
        json={"name": "业主0", "house_unit_id": estate.unit_ids[0]},
        headers=me,
    )
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    request_id = asked.json()["id"]
    twice = await mp_client.post(
        "/mp/v1/bind/requests",
        json={"name": "业主0", "house_unit_id": estate.unit_ids[0]},
        headers=me,
    )
    assert twice.status_code == 409 and "待审核" in twice.json()["message"]

    pending = await mp_client.get(
        "/api/v1/mp/binding-requests", headers=world.headers("community_staff_a")
    )
    assert request_id in [r["id"] for r in pending.json()["items"]]
    elsewhere = await mp_client.get(
        "/api/v1/mp/binding-requests", headers=world.headers("grid_worker_b")
    )
    assert request_id not in [r["id"] for r in elsewhere.json()["items"]]
    outside = await mp_client.post(
        f"/api/v1/mp/binding-requests/{request_id}/approve",
        json={"resident_id": estate.resident_ids[0]},
        headers=world.headers("grid_worker_b"),
    )
    assert outside.status_code == 404
    overseer = await mp_client.post(
        f"/api/v1/mp/binding-requests/{request_id}/approve",
        json={"resident_id": estate.resident_ids[0]},
        headers=world.headers("street_a_staff"),
    )
    assert overseer.status_code == 403
    approved = await mp_client.post(
        f"/api/v1/mp/binding-requests/{request_id}/approve",
        json={"resident_id": estate.resident_ids[0]},
        headers=world.headers("community_staff_a"),
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = await mp_client.post(
        f"/api/v1/mp/binding-requests/{request_id}/deny",
        json={"reason": "重复"},
        headers=world.headers("community_staff_a"),
    )
    assert again.status_code == 409 and again.json()["code"] == "mp_request_decided"
    me_now = (await mp_client.get("/mp/v1/me", headers=me)).json()
    assert me_now["resident"]["resident_id"] == estate.resident_ids[0]

    someone = await sign_in(mp_client, fake_wechat)
    asked = await mp_client.post(
        "/mp/v1/bind/requests",
        json={"name": "路人", "house_unit_id": estate.unit_ids[0]},
        headers=someone,
    )
    denied = await mp_client.post(
        f"/api/v1/mp/binding-requests/{asked.json()['id']}/deny",
        json={"reason": "该户无此居民，请到社区登记"},
        headers=world.headers("community_staff_a"),
    )
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    mine = (await mp_client.get("/mp/v1/bind/requests", headers=someone)).json()
    assert mine[0]["status"] == "denied" and mine[0]["reason"].startswith("该户无此居民")
    assert (await mp_client.get("/mp/v1/me", headers=someone)).json()["resident"] is None
