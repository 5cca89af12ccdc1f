"""The WeChat Official Account end to end: signed (and encrypted) messages in, passive
replies out, template notifications through a fake WeChat API on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from backend.config import Settings
from bots import delivery
from bots.state import load_state
from bots.tables import BotChannel, ChannelLink, Conversation
from grid.cases.services import outbox, triage
from grid.cases.services.categories import list_categories
from grid.cases.tables import AssigneeKind, Case, Category
from grid.geo.coords import wgs84_to_gcj02
from tests.cases_support import POINTS, report
from tests.fake_wechat import OA_APPID, OA_SECRET, FakeWeChat
from tests.media_samples import phone_jpeg
from tests.telegram_support import next_id
from tests.workers import eventually

APP_ID, TOKEN = OA_APPID, "wechat-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DOOR = "/api/v1/bots/wechat"


@pytest.fixture
def fake_wx() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


def wx_settings(settings: Settings, fake: FakeWeChat, *, safe: bool) -> Settings:
    return dataclasses.replace(
        settings,
        wechat_app_id=APP_ID,
        wechat_app_secret=OA_SECRET,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY if safe else "",
        wechat_template_id="case-template",
        wechat_api_url=fake.url,
    )


async def door(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from backend.app import create_app
    from bots.wechat.transport import WeChatAccount

    account = WeChatAccount(settings)
    await account.start()
    delivery.install()
    app = create_app(settings)
    app.state.wechat = account
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await account.stop()


@pytest.fixture
async def wx(settings: Settings, fake_wx: FakeWeChat) -> AsyncIterator[httpx.AsyncClient]:
    async for client in door(wx_settings(settings, fake_wx, safe=False)):
        yield client


def signed(token: str = TOKEN) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), str(next_id())
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 — WeChat signs with SHA-1
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def xml(openid: str, kind: str, **fields: Any) -> str:
    body = {
        "ToUserName": "gh_account",
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": kind,
        "MsgId": next_id(),
        **fields,
    }
    return xmltodict.unparse({"xml": body})


async def say(client: httpx.AsyncClient, openid: str, kind: str = "text", **fields: Any) -> str:
    response = await client.post(DOOR, params=signed(), content=xml(openid, kind, **fields))
    assert response.status_code == 200, response.text
    return str(xmltodict.parse(response.text)["xml"]["Content"])


async def link(client: httpx.AsyncClient, world: Any, persona: str) -> str:
    await outbox.deliver_pending()  # what earlier tests left pending goes to earlier chats
    openid = f"o-{next_id()}"
    issued = await client.post("/api/v1/bots/link-codes", headers=world.headers(persona))
    assert "绑定成功" in await say(client, openid, Content=f"绑定 {issued.json()['code']}")
    return openid


async def test_forged_signature_is_refused(wx: httpx.AsyncClient) -> None:
    openid = f"o-{next_id()}"
    forged = signed(token="not-our-token")
    response = await wx.post(DOOR, params=forged, content=xml(openid, "text", Content="上报"))
    assert response.status_code == 403
    assert not await Conversation.exists().where(Conversation.external_id == openid)
    check = await wx.get(DOOR, params={**signed(), "echostr": "e42"})
    assert check.status_code == 200 and check.text == "e42"
    assert (await wx.get(DOOR, params={**forged, "echostr": "e42"})).status_code == 403


async def test_xml_with_entities_is_refused(wx: httpx.AsyncClient) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content></xml>"
    )
    response = await wx.post(DOOR, params=signed(), content=bomb)
    assert response.status_code == 400


async def test_encrypted_message_round_trip(
    settings: Settings, fake_wx: FakeWeChat, world: Any
) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    async for client in door(wx_settings(settings, fake_wx, safe=True)):
        issued = await client.post(
            "/api/v1/bots/link-codes", headers=world.headers("grid_worker_a")
        )
        openid = f"o-{next_id()}"
        query = signed()
        sealed = crypto.encrypt_message(
            xml(openid, "text", Content=f"绑定 {issued.json()['code']}"),
            query["nonce"],
            query["timestamp"],
        )
        envelope = xmltodict.parse(sealed)["xml"]
        params = {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        response = await client.post(DOOR, params=params, content=sealed)
        assert response.status_code == 200, response.text
        reply = xmltodict.parse(response.text)["xml"]
        assert "Content" not in reply  # the answer is sealed too
        opened = crypto.decrypt_message(
            response.text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
        )
        message = xmltodict.parse(opened)["xml"]
        assert message["ToUserName"] == openid and "绑定成功" in message["Content"]
        assert await ChannelLink.exists().where(ChannelLink.external_id == openid)
        tampered = {**params, "msg_signature": "0" * 40}
        assert (await client.post(DOOR, params=tampered, content=sealed)).status_code == 403
        plain = await client.post(DOOR, params=query, content=xml(openid, "text", Content="上报"))
        assert plain.status_code == 403  # safe mode takes no plain messages


async def report_until_confirm(
    wx: httpx.AsyncClient, fake_wx: FakeWeChat, world: Any, openid: str, description: str
) -> None:
    """A linked grid worker's report up to the question 回复「确认」."""
    fake_wx.media["m1"] = phone_jpeg(640, 480, seed=41)
    assert "照片" in await say(wx, openid, Content="上报")
    assert "照片已收到" in await say(wx, openid, "image", MediaId="m1", PicUrl="http://x/1.jpg")

    async def photo_stored() -> bool:  # stored after the reply, as a person waits a moment
        return bool((await load_state(BotChannel.wechat, openid)).data.get("photos"))

    await eventually(photo_stored, timeout=20)
    lon, lat = wgs84_to_gcj02(*POINTS["grid_a1_1"])
    majors_text = await say(
        wx, openid, "location", Location_X=lat, Location_Y=lon, Scale=15, Label=""
    )
    category = await Category.select().where(Category.code == "0101").first()
    assert category is not None
    views = await list_categories(world.actors["grid_worker_a"])
    majors = [v.id for v in views if v.parent_id is None]
    minors = [v.id for v in views if v.parent_id == category["parent"]]
    assert f"{majors.index(category['parent']) + 1}. " in majors_text
    await say(wx, openid, Content=str(majors.index(category["parent"]) + 1))
    assert "描述" in await say(wx, openid, Content=str(minors.index(category["id"]) + 1))
    assert "回复「确认」" in await say(wx, openid, Content=description)


async def test_report_assembled_from_image_location_and_text(
    wx: httpx.AsyncClient, fake_wx: FakeWeChat, world: Any
) -> None:
    openid = await link(wx, world, "grid_worker_a")
    await report_until_confirm(wx, fake_wx, world, openid, "路灯下垃圾成堆")
    assert "上报成功" in await say(wx, openid, Content="确认")
    case = await Case.select().where(Case.description == "路灯下垃圾成堆").first()
    assert case is not None and case["channel"] == "wechat" and case["coord_system"] == "gcj02"
    photos = case["photo_ids"]
    assert len(json.loads(photos) if isinstance(photos, str) else photos) == 1
    assert case["home_unit"] == world.units["grid_a1_1"]


async def test_a_retried_message_gets_the_same_reply_and_makes_no_second_case(
    wx: httpx.AsyncClient, fake_wx: FakeWeChat, world: Any
) -> None:
    """WeChat posts a message again (same MsgId, a fresh signature) when our reply was slow:
    the retry is answered with the first reply and the report is submitted once."""
    openid = await link(wx, world, "grid_worker_a")
    description = f"重试的确认 {next_id()}"
    await report_until_confirm(wx, fake_wx, world, openid, description)
    confirm = xml(openid, "text", Content="确认")
    first = await wx.post(DOOR, params=signed(), content=confirm)
    assert first.status_code == 200, first.text
    reply = xmltodict.parse(first.text)["xml"]["Content"]
    assert "上报成功" in reply
    retries = [await wx.post(DOOR, params=signed(), content=confirm) for _ in range(3)]
    assert [r.status_code for r in retries] == [200, 200, 200]
    assert [xmltodict.parse(r.text)["xml"]["Content"] for r in retries] == [reply] * 3
    assert await Case.count().where(Case.description == description) == 1


async def test_dispatch_sends_template_message_with_cached_then_refreshed_token(
    wx: httpx.AsyncClient, fake_wx: FakeWeChat, world: Any
) -> None:
    openid = await link(wx, world, "grid_worker_a")

    async def dispatch() -> None:
        case = await report(world, "grid_worker_a")
        await triage.file_case(world.actors["grid_leader_a"], case["id"])
        await triage.dispatch_case(
            world.actors["grid_leader_a"],
            case["id"],
            kind=AssigneeKind.staff,
            target_id=world.staff["grid_worker_a"],
        )
        await outbox.deliver_pending()

    await dispatch()
    await dispatch()
    mine = [
        t
        for t in fake_wx.templates
        if t["touser"] == openid and "新派遣" in t["data"]["keyword2"]["value"]
    ]
    assert len(mine) == 2
    assert len(fake_wx.tokens_issued) == 1  # cached between sends
    fake_wx.revoked.add(fake_wx.tokens_issued[0])
    await dispatch()
    mine = [
        t
        for t in fake_wx.templates
        if t["touser"] == openid and "新派遣" in t["data"]["keyword2"]["value"]
    ]
    assert len(mine) == 3
    assert len(fake_wx.tokens_issued) == 2 and mine[-1]["access_token"] == fake_wx.tokens_issued[1]


async def test_status_commands_show_my_cases_and_one_case(
    wx: httpx.AsyncClient, world: Any
) -> None:
    openid = await link(wx, world, "grid_worker_a")
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    await triage.dispatch_case(
        world.actors["grid_leader_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff["grid_worker_a"],
    )
    assert f"#{case['id']} " in await say(wx, openid, Content="我的案件")
    shown = await say(wx, openid, Content=f"查询 {case['id']}")
    assert "「已派遣」" in shown
    other = await link(wx, world, "grid_worker_b")
    assert (await say(wx, other, Content=f"查询 {case['id']}")).startswith("⚠️ 未找到该")
