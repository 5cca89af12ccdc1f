"""A real Celery worker over Redis delivers a dispatch to the worker's Telegram chat: the
worker process installs the bots' hook and its own Telegram client (``bots.tasks``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from backend.celery_app import create_celery
from backend.config import Settings
from bots.links import issue_link_code, redeem_link_code
from bots.tables import BotChannel
from grid.cases.services import outbox, triage
from grid.cases.tables import AssigneeKind
from tests.cases_support import report
from tests.conftest import service_missing
from tests.fake_telegram import FakeBotApi
from tests.integration.test_celery_worker import REDIS_URL
from tests.telegram_support import SECRET, TOKEN, next_id
from tests.workers import celery_worker, eventually


async def test_celery_worker_sends_the_dispatch_to_the_linked_chat(
    settings: Settings, world: Any, fake_tg: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc)
    for name, value in (
        ("GRIDGOV_TELEGRAM_TOKEN", TOKEN),
        ("GRIDGOV_TELEGRAM_SECRET", SECRET),
        ("GRIDGOV_TELEGRAM_API_URL", fake_tg.url),
    ):
        monkeypatch.setenv(name, value)  # the worker process reads its settings from here
    await outbox.deliver_pending()  # earlier tests' notices are not this chat's
    chat = str(next_id())
    code = await issue_link_code(world.actors["grid_worker_a"])
    await redeem_link_code(BotChannel.telegram, chat, code.code)
    case = await report(world, "grid_worker_a")
    await triage.file_case(world.actors["grid_leader_a"], case["id"])
    await triage.dispatch_case(
        world.actors["grid_leader_a"],
        case["id"],
        kind=AssigneeKind.staff,
        target_id=world.staff["grid_worker_a"],
    )

    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = create_celery(
        Settings(**{**settings.__dict__, "broker_url": REDIS_URL, "task_queue": queue})
    )
    with celery_worker(settings, REDIS_URL, queue):
        app.send_task("gridgov.cases.deliver_outbox")

        async def arrived() -> list[dict[str, Any]]:
            return [m for m in fake_tg.sent(chat) if f"start:{case['id']}" in json.dumps(m)]

        sent = await eventually(arrived, timeout=60)
    assert "新派遣案件" in sent[0]["text"]
