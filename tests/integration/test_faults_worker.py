"""A worker process killed (SIGKILL) in the middle of a task: the task runs again, and what it
does is recorded once.

The task is the real notification delivery (``gridgov.cases.deliver_outbox``) in a real Celery
worker (prefork, one child) over a private Redis. The fake Telegram API holds the first
message to the worker's chat unanswered, so the child is killed at the worst moment: inside
its delivery transaction, after it wrote the notification row and while the chat message is on
the wire. Tasks are acknowledged late and rejected when their worker is lost
(``backend/celery_app.py``), so the parent puts the message back and its next child runs it;
the killed attempt's transaction died with its connection.
"""

from __future__ import annotations

import json
import os
import re
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from backend.celery_app import create_celery
from backend.config import Settings
from bots.links import issue_link_code, redeem_link_code
from bots.tables import BotChannel, ChannelDelivery, DeliveryStatus
from grid.cases.services import outbox, triage
from grid.cases.tables import AssigneeKind, Notification, Outbox
from tests.cases_support import report
from tests.fake_telegram import FakeBotApi
from tests.faults import private_redis
from tests.telegram_support import SECRET, TOKEN, next_id
from tests.workers import celery_worker, eventually

DELIVER = "gridgov.cases.deliver_outbox"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    payload = row["payload"]
    return json.loads(payload) if isinstance(payload, str) else payload


def _received(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return re.findall(rf"Task {DELIVER}\[([0-9a-f-]+)\] received", text)


async def test_worker_killed_mid_delivery_runs_the_task_again_and_records_the_notice_once(
    settings: Settings,
    world: Any,
    fake_tg: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name, value in (
        ("GRIDGOV_TELEGRAM_TOKEN", TOKEN),
        ("GRIDGOV_TELEGRAM_SECRET", SECRET),
        ("GRIDGOV_TELEGRAM_API_URL", fake_tg.url),
    ):
        monkeypatch.setenv(name, value)  # the worker process reads its settings from here
    chat = str(next_id())
    code = await issue_link_code(world.actors["grid_worker_a"])
    await redeem_link_code(BotChannel.telegram, chat, code.code)
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    await outbox.deliver_pending()  # earlier notices are not this test's
    await triage.dispatch_case(
        world.actors["grid_leader_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff["grid_worker_a"],
    )
    pending = [
        row
        for row in await Outbox.select().where(Outbox.delivered_at.is_null())
        if _payload(row).get("case_id") == case["id"]
    ]
    assert [r["kind"] for r in pending] == ["case.dispatched"]
    row_id = pending[0]["id"]
    fake_tg.hold_first_to.add(chat)

    queue = f"faults-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with (
        private_redis(tmp_path) as redis,
        celery_worker(settings, redis.url, queue, log=log, pool="prefork") as worker,
    ):
        sender = create_celery(
            Settings(**{**settings.__dict__, "broker_url": redis.url, "task_queue": queue})
        )
        sender.send_task(DELIVER)

        async def held() -> bool:
            return bool(fake_tg.sent(chat))

        await eventually(held, timeout=60, interval=0.01)
        children = _children(worker.pid)
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        fake_tg.release.set()
        assert await Notification.count().where(Notification.outbox_id == row_id) == 0

        async def delivered() -> bool:
            row = await Outbox.select().where(Outbox.id == row_id).first()
            return row is not None and row["delivered_at"] is not None

        await eventually(delivered, timeout=60, interval=0.1)
        runs = _received(log)
        lost = "WorkerLostError" in log.read_text(encoding="utf-8", errors="replace")

    assert len(runs) == 2 and len(set(runs)) == 1, runs  # one message, run again
    assert lost
    row = await Outbox.select().where(Outbox.id == row_id).first()
    assert row["attempts"] == 1  # the killed attempt left nothing behind
    assert await Notification.count().where(Notification.outbox_id == row_id) == 1
    # grid_worker_a may have chats linked by earlier tests; this test's chat is the held one
    chats = await ChannelDelivery.select().where(
        (ChannelDelivery.outbox_id == row_id) & (ChannelDelivery.external_id == chat)
    )
    assert [(c["external_id"], c["status"], c["attempts"]) for c in chats] == [
        (chat, DeliveryStatus.sent, 1)
    ]
    # The platform saw the cut-off call and the one that succeeded: a chat may get a repeat
    # when the kill lands inside the call (Telegram has no idempotency key), never a gap.
    assert len(fake_tg.sent(chat)) == 2
    print(
        f"\nworker killed mid-task: task run {len(runs)}× (redelivered after WorkerLostError); "
        "notification rows 1, chat delivery records 1 (sent), outbox attempts 1; "
        f"sendMessage calls to the chat {len(fake_tg.sent(chat))} (1 cut off by the kill)"
    )
