"""A real Celery worker over the real Redis escalates an overdue case and delivers its
notification; the sweep never escalates a case twice, even with two sweepers at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from backend import clock
from backend.celery_app import create_celery
from backend.config import Settings
from grid.cases.services.access import load_case
from grid.cases.services.sweep import sweep_overdue
from grid.cases.tables import CaseEvent, Notification
from tests.cases_support import report
from tests.conftest import service_missing
from tests.integration.test_celery_worker import REDIS_URL
from tests.workers import celery_worker, eventually


async def test_worker_over_redis_escalates_an_overdue_case_and_delivers_its_notice(settings, world):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc)
    clock.freeze(clock.now() - timedelta(days=1))  # reported yesterday: 6 emergency hours
    case = await report(world, "grid_worker_a", code="0401")  # 井盖缺失, at the street center
    clock.reset()
    assert case["level"] == "street" and case["deadline_at"] < clock.now()

    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker_settings = Settings(
        **{**settings.__dict__, "broker_url": REDIS_URL, "task_queue": queue}
    )
    app = create_celery(worker_settings)
    with celery_worker(settings, REDIS_URL, queue):
        app.send_task("gridgov.cases.sweep")

        async def delivered() -> bool:
            return await Notification.exists().where(
                (Notification.case == case["id"])
                & (Notification.kind == "case.escalated")
                & (Notification.recipient_id == str(world.units["district"]))
            )

        await eventually(delivered, timeout=60)
    escalated = await load_case(case["id"])
    assert (escalated["level"], escalated["unit"]) == ("district", world.units["district"])


async def test_two_sweepers_at_once_escalate_each_case_once(world):
    clock.freeze(clock.now() - timedelta(days=1))
    cases = [await report(world, "grid_worker_a", code="0401") for _ in range(12)]
    clock.reset()
    results = await asyncio.gather(sweep_overdue(batch=5), sweep_overdue(batch=5))
    assert sum(r.escalated for r in results) >= len(cases)
    for case in cases:
        climbs = await CaseEvent.count().where(
            (CaseEvent.case == case["id"]) & (CaseEvent.action == "escalate")
        )
        assert climbs == 1
        assert (await load_case(case["id"]))["level"] == "district"
