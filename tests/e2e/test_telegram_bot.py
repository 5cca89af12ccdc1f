"""The Telegram bot end to end: webhook → PTB → services, against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

from bots.tables import ChannelDelivery, ChannelLink, Conversation, DeliveryStatus
from grid.cases.services import outbox, triage
from grid.cases.tables import AssigneeKind, Case, Category, Outbox, Severity
from tests.cases_support import POINTS, category_id, report
from tests.fake_telegram import FakeBotApi
from tests.media_samples import phone_jpeg
from tests.telegram_support import BotHarness, button, location, next_id, photo, text
from tests.workers import eventually


async def link(tg: BotHarness, world: Any, persona: str) -> int:
    """A new chat linked to the persona, after delivering what earlier tests left pending
    (the outbox is shared by the session), so only what happens next reaches the chat."""
    await outbox.deliver_pending()
    chat = next_id()
    issued = await tg.http.post("/api/v1/bots/link-codes", headers=world.headers(persona))
    assert issued.status_code == 201, issued.text
    await tg.send(text(chat, f"/link {issued.json()['code']}"))
    return chat


def ids(value: Any) -> list[int]:
    return json.loads(value) if isinstance(value, str) else list(value)


async def major_of(code: str) -> int:
    row = await Category.select(Category.parent).where(Category.code == code).first()
    assert row is not None
    return row["parent"]


async def test_report_conversation_with_two_photos_creates_a_case_with_both(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a")
    fake_tg.files["p1"] = phone_jpeg(640, 480, seed=11)
    fake_tg.files["p2"] = phone_jpeg(640, 480, seed=12)
    await tg.send(text(chat, "/report"))
    await tg.send(photo(chat, "p1"))
    await tg.send(photo(chat, "p2"))
    await tg.send(location(chat, *POINTS["grid_a1_1"]))
    await tg.send(button(chat, f"major:{await major_of('0101')}"))
    await tg.send(button(chat, f"category:{await category_id('0101')}"))
    await tg.send(text(chat, "小区门口垃圾堆积"))
    await tg.send(button(chat, "submit"))

    case = await Case.select().where(Case.description == "小区门口垃圾堆积").first()
    assert case is not None
    assert case["channel"] == "telegram"
    assert case["reporter_id"] == str(world.staff["grid_worker_a"])
    photos = ids(case["photo_ids"])
    assert len(photos) == 2 and len(set(photos)) == 2
    downloads = [c.params["file_id"] for c in fake_tg.calls if c.method == "getFile"]
    assert downloads == ["p1", "p2"]  # the biggest size of each photo
    assert "上报成功" in fake_tg.sent(chat)[-1]["text"]
    assert not await Conversation.exists().where(Conversation.external_id == str(chat))


async def test_cancel_at_any_step_makes_no_case(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a")
    before = await Case.count()
    await tg.send(text(chat, "/report"))
    await tg.send(location(chat, *POINTS["grid_a1_1"]))
    await tg.send(button(chat, "cancel"))
    await tg.send(text(chat, "这句话不再是描述"))
    assert await Case.count() == before
    assert fake_tg.sent(chat)[-2]["text"] == "已取消。"


async def test_forged_webhook_is_refused_and_changes_nothing(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = next_id()
    for secret in ("wrong-secret", ""):
        response = await tg.post(text(chat, "/report"), secret=secret)
        assert response.status_code == 403
    assert not await Conversation.exists().where(Conversation.external_id == str(chat))
    assert fake_tg.sent(chat) == []


async def test_webhook_body_that_is_not_json_is_refused(tg: BotHarness) -> None:
    response = await tg.http.post(
        "/api/v1/bots/telegram/webhook",
        content=b"<xml/>",
        headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests"},
    )
    assert response.status_code == 400


async def test_unlinked_chat_is_told_to_link(tg: BotHarness, fake_tg: FakeBotApi) -> None:
    chat = next_id()
    await tg.send(text(chat, "/report"))
    assert "尚未绑定账号" in fake_tg.sent(chat)[-1]["text"]
    await tg.send(text(chat, "/link NOTACODE"))
    assert "绑定码无效" in fake_tg.sent(chat)[-1]["text"]
    assert not await ChannelLink.exists().where(ChannelLink.external_id == str(chat))


async def test_dispatch_reaches_the_workers_chat_and_accept_starts_the_case(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a")
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    await triage.dispatch_case(
        world.actors["grid_leader_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff["grid_worker_a"],
    )
    await outbox.deliver_pending()

    def notices() -> list[dict[str, Any]]:
        return [m for m in fake_tg.sent(chat) if f"start:{case['id']}" in json.dumps(m)]

    assert len(notices()) == 1
    buttons = [
        b["callback_data"] for row in notices()[0]["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert f"start:{case['id']}" in buttons

    await tg.send(button(chat, f"start:{case['id']}"))
    moved = await Case.select(Case.state).where(Case.id == case["id"]).first()
    assert moved is not None and moved["state"] == "in_progress"
    await outbox.deliver_pending()  # offered again: never sent twice
    assert len(notices()) == 1


async def test_blocked_chat_is_recorded_as_failed_and_not_retried(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a2")
    fake_tg.fail_chats[str(chat)] = 403
    fake_tg.calls.clear()
    case = await report(world, "grid_worker_a2", grid="grid_a1_2")
    await triage.file_case(world.actors["community_staff_a"], case["id"])
    await triage.dispatch_case(
        world.actors["community_staff_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff["grid_worker_a2"],
    )
    await outbox.deliver_pending()
    await outbox.deliver_pending()
    failed = await ChannelDelivery.select().where(ChannelDelivery.external_id == str(chat))
    assert len(failed) == 2  # the unit's case.new (a2 works in that grid) and the dispatch
    assert {(d["status"], d["attempts"]) for d in failed} == {(DeliveryStatus.failed, 1)}
    rows = await Outbox.select().where(Outbox.id.is_in([d["outbox_id"] for d in failed]))
    assert all(r["delivered_at"] is not None for r in rows)  # not offered again
    tried = [c for c in fake_tg.calls if c.method == "sendMessage"]
    assert len([c for c in tried if str(c.params["chat_id"]) == str(chat)]) == 2


async def test_restart_mid_conversation_loses_nothing(
    tg_settings: Any, fake_tg: FakeBotApi, world: Any
) -> None:
    first = await BotHarness(tg_settings).start()
    chat = await link(first, world, "grid_worker_a")
    fake_tg.files["r1"] = phone_jpeg(640, 480, seed=21)
    await first.send(text(chat, "/report"))
    await first.send(photo(chat, "r1"))
    await first.send(location(chat, *POINTS["grid_a1_1"]))
    await first.stop()

    second = await BotHarness(tg_settings).start()  # a new app and Application, same database
    try:
        await second.send(button(chat, f"major:{await major_of('0101')}"))
        await second.send(button(chat, f"category:{await category_id('0101')}"))
        await second.send(text(chat, "重启之后继续上报"))
        await second.send(button(chat, "submit"))
    finally:
        await second.stop()
    case = await Case.select().where(Case.description == "重启之后继续上报").first()
    assert case is not None
    assert len(ids(case["photo_ids"])) == 1
    assert case["lon"] == POINTS["grid_a1_1"][0]


async def test_transient_failure_is_retried_then_given_up(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    from bots.delivery import MAX_CHAT_ATTEMPTS

    chat = await link(tg, world, "street_b_staff")
    fake_tg.fail_chats[str(chat)] = 429
    fake_tg.calls.clear()
    await report(world, "grid_worker_b", code="0101", grid="grid_b1_1", severity=Severity.major)
    for _ in range(MAX_CHAT_ATTEMPTS + 2):
        await outbox.deliver_pending()
    records = await ChannelDelivery.select().where(ChannelDelivery.external_id == str(chat))
    assert [(d["status"], d["attempts"]) for d in records] == [
        (DeliveryStatus.failed, MAX_CHAT_ATTEMPTS)
    ]
    tried = [c for c in fake_tg.calls if c.method == "sendMessage"]
    assert len([c for c in tried if str(c.params["chat_id"]) == str(chat)]) == MAX_CHAT_ATTEMPTS


def test_set_webhook_command_registers_url_and_secret(fake_tg: FakeBotApi) -> None:
    from click.testing import CliRunner

    from backend.cli import main
    from tests.telegram_support import SECRET, TOKEN

    env = {
        "GRIDGOV_TELEGRAM_TOKEN": TOKEN,
        "GRIDGOV_TELEGRAM_SECRET": SECRET,
        "GRIDGOV_TELEGRAM_API_URL": fake_tg.url,
    }
    url = "https://gov.example.cn/api/v1/bots/telegram/webhook"
    result = CliRunner().invoke(main, ["bots", "set-webhook", url], env=env)
    assert result.exit_code == 0, result.output
    calls = [c.params for c in fake_tg.calls if c.method == "setWebhook"]
    assert len(calls) == 1
    assert calls[0]["url"] == url and calls[0]["secret_token"] == SECRET


async def dispatched_to(world: Any, persona: str) -> int:
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    await triage.dispatch_case(
        world.actors["grid_leader_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff[persona],
    )
    return int(case["id"])


async def test_worker_marks_handled_with_a_photo_from_the_chat(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a")
    case_id = await dispatched_to(world, "grid_worker_a")
    fake_tg.files["done1"] = phone_jpeg(640, 480, seed=31)
    await tg.send(button(chat, f"start:{case_id}"))
    await tg.send(button(chat, f"handle:{case_id}"))
    await tg.send(photo(chat, "done1"))
    await tg.send(text(chat, "已清运完毕"))
    case = await Case.select().where(Case.id == case_id).first()
    assert case is not None and case["state"] == "handled"
    assert case["result_note"] == "已清运完毕"
    assert len(ids(case["result_photo_ids"])) == 1


async def test_worker_asks_to_escalate_with_a_reason(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_a")
    case_id = await dispatched_to(world, "grid_worker_a")
    await tg.send(button(chat, f"escalate:{case_id}"))
    await tg.send(text(chat, "需要城管执法配合"))
    case = await Case.select().where(Case.id == case_id).first()
    assert case is not None and case["level"] == "community" and case["state"] == "filed"


async def test_someone_elses_case_is_refused_in_chinese(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    chat = await link(tg, world, "grid_worker_b")
    case_id = await dispatched_to(world, "grid_worker_a")
    await tg.send(button(chat, f"start:{case_id}"))
    assert fake_tg.sent(chat)[-1]["text"].startswith("⚠️ 未找到该")
    case = await Case.select(Case.state).where(Case.id == case_id).first()
    assert case is not None and case["state"] == "dispatched"


async def test_leader_dispatches_a_new_case_from_the_chat_and_the_worker_hears_within_a_second(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    import time

    from bots.runtime import InProcessDelivery

    leader = await link(tg, world, "grid_leader_a")
    worker = await link(tg, world, "grid_worker_a")
    case = await report(world, "grid_worker_a")
    await outbox.deliver_pending()
    new = [m for m in fake_tg.sent(leader) if "新上报" in m["text"]]
    assert [b["callback_data"] for b in new[-1]["reply_markup"]["inline_keyboard"][0]] == [
        f"dispatch:{case['id']}"
    ]

    async def arrived() -> list[Any]:
        return [
            c
            for c in list(fake_tg.calls)
            if c.method == "sendMessage"
            and str(c.params["chat_id"]) == str(worker)
            and "新派遣案件" in c.params["text"]
            and f"start:{case['id']}" in json.dumps(c.params.get("reply_markup"))
        ]

    outbox.set_kicker(InProcessDelivery())  # deliver on this loop right after the commit
    try:
        pressed = time.monotonic()
        await tg.send(button(leader, f"dispatch:{case['id']}"))
        sent = await eventually(arrived, timeout=5, interval=0.01)
    finally:
        outbox.set_kicker(None)
    assert sent[0].at - pressed < 1.0
    moved = await Case.select(Case.state, Case.assigned_unit).where(Case.id == case["id"]).first()
    assert moved == {"state": "dispatched", "assigned_unit": world.units["grid_a1_1"]}


async def test_resident_rates_a_closed_case_with_one_tap(
    tg: BotHarness, fake_tg: FakeBotApi, world: Any
) -> None:
    from bots.links import issue_link_code
    from grid.actors import Actor
    from grid.cases.services import work

    resident = Actor(kind="resident", id=next_id(), name="王居民")
    chat = next_id()
    await tg.send(text(chat, f"/link {(await issue_link_code(resident)).code}"))
    case = await report(world, who=resident)
    leader, worker = world.actors["grid_leader_a"], world.actors["grid_worker_a"]
    await triage.file_case(leader, case["id"])
    await triage.dispatch_case(
        leader, case["id"], kind=AssigneeKind.staff, target_id=world.staff["grid_worker_a"]
    )
    await work.start_case(worker, case["id"])
    await work.handle_case(worker, case["id"], "已清理")
    await work.verify_case(leader, case["id"])
    await triage.close_case(leader, case["id"])
    await outbox.deliver_pending()
    closed = [m for m in fake_tg.sent(chat) if "已结案" in m["text"]]
    assert len(closed) == 1
    stars = [b["callback_data"] for b in closed[0]["reply_markup"]["inline_keyboard"][0]]
    assert stars == [f"rate:{case['id']}:{n}" for n in range(1, 6)]
    await tg.send(button(chat, stars[4]))
    rated = await Case.select(Case.state, Case.rating).where(Case.id == case["id"]).first()
    assert rated == {"state": "evaluated", "rating": 5}
    assert fake_tg.sent(chat)[-1]["text"] == "感谢评价！"


async def test_app_lifespan_starts_and_stops_the_bot(tg_settings: Any, fake_tg: FakeBotApi) -> None:
    from types import SimpleNamespace

    from bots import delivery
    from bots.runtime import start_bots, stop_bots

    app = SimpleNamespace(state=SimpleNamespace())
    await start_bots(app, tg_settings)
    bot = app.state.telegram
    try:
        assert bot.application.running
        assert [c.method for c in fake_tg.calls] == ["getMe"]
        assert "telegram" in delivery._senders
    finally:
        await stop_bots(app)
    assert not bot.application.running and app.state.telegram is None
    assert "telegram" not in delivery._senders


async def test_unreachable_telegram_does_not_stop_the_app(settings: Any) -> None:
    import dataclasses
    from types import SimpleNamespace

    from bots.runtime import start_bots, stop_bots

    down = dataclasses.replace(
        settings, telegram_token="1:x", telegram_secret="s", telegram_api_url="http://127.0.0.1:9"
    )
    app = SimpleNamespace(state=SimpleNamespace())
    await start_bots(app, down)
    assert app.state.telegram is None
    await stop_bots(app)
