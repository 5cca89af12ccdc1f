"""Several hosts, simulated on one: two app processes and two task workers share one
PostgreSQL and one Redis. Background work still happens once per case, and a client that
retries a report across both app processes still makes one case.

Correctness rests on the database (row locks with SKIP LOCKED, unique keys), not on anything
one process remembers. The race is made real, not left to timing: the test holds table locks
that stop the first sweeper after it has taken the overdue cases (before it can write their
history) and stop its delivery before it can store the notices, then runs a second sweep and
a delivery on the other worker while the first is stuck mid-flight.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from backend import clock
from backend.celery_app import create_celery
from backend.config import Settings
from grid.cases.tables import Case, CaseEvent, Notification, Outbox
from tests.cases_support import POINTS, category_id, report
from tests.conftest import TEST_DB, service_missing
from tests.integration.test_celery_worker import REDIS_URL
from tests.servers import free_port, gridgov_serve, serve_env
from tests.workers import celery_worker, eventually

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="several app processes share a database only on PostgreSQL"
)

OVERDUE_CASES = 6
SWEEP = "gridgov.cases.sweep"
DELIVER = "gridgov.cases.deliver_outbox"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc)


def _results(log: Path, task: str) -> list[str]:
    """What each finished run of ``task`` in this worker returned, in order."""
    text = log.read_text(encoding="utf-8", errors="replace")
    return re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (.*)", text)


def _received(log: Path, task: str) -> int:
    text = log.read_text(encoding="utf-8", errors="replace")
    return len(re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] received", text))


def _payload(row: dict) -> dict:
    payload = row["payload"]
    return json.loads(payload) if isinstance(payload, str) else payload


async def _undelivered() -> int:
    return await Outbox.count().where(Outbox.delivered_at.is_null())


async def _retry_one_report_across_both_apps(world, ports: list[int]) -> None:
    """A phone on a flaky network sends the same report to whichever app it reaches."""
    lon, lat = POINTS["grid_a1_1"]
    body = {
        "category_id": await category_id("0101"),
        "description": "楼道堆物，重试多次",
        "client_id": f"phone-{uuid.uuid4().hex}",
        "lon": lon,
        "lat": lat,
    }
    headers = world.headers("grid_worker_a")
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(
            *(
                client.post(f"http://127.0.0.1:{port}/api/v1/cases/", json=body, headers=headers)
                for port in ports * 3
            )
        )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await Case.count().where(Case.client_id == body["client_id"]) == 1


async def test_two_apps_and_two_workers_do_each_case_once(settings, world, tmp_path):
    _redis_or_skip()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        "GRIDGOV_BROKER_URL": REDIS_URL,
        "GRIDGOV_TASK_QUEUE": queue,
        "GRIDGOV_PII_KEY": settings.pii_key,
        "GRIDGOV_SECRET_KEY": settings.secret_key,
    }
    # Overdue cases: reported a day ago at the street center, so the sweep sends them up.
    clock.freeze(clock.now() - timedelta(days=1))
    overdue = [
        (await report(world, "grid_worker_a", code="0401"))["id"] for _ in range(OVERDUE_CASES)
    ]
    clock.reset()
    sender = create_celery(
        Settings(**{**settings.__dict__, "broker_url": REDIS_URL, "task_queue": queue})
    )

    ports = [free_port(), free_port()]
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with (
        gridgov_serve(
            serve_env(tmp_path / "app1", settings.database_url, **env),
            ports[0],
            "--no-migrate",
            log=tmp_path / "app1.log",
        ),
        gridgov_serve(
            serve_env(tmp_path / "app2", settings.database_url, **env),
            ports[1],
            "--no-migrate",
            log=tmp_path / "app2.log",
        ),
        celery_worker(settings, REDIS_URL, queue, log=logs[0], name="w1"),
        celery_worker(settings, REDIS_URL, queue, log=logs[1], name="w2"),
    ):

        async def both_ready() -> bool:
            return all(b"ready." in log.read_bytes() for log in logs)

        await eventually(both_ready, timeout=60)
        await _retry_one_report_across_both_apps(world, ports)
        # The apps queued delivery of the report's notices; let the workers finish that.
        sender.send_task(DELIVER)
        await eventually(lambda: _zero(_undelivered), timeout=60)

        events_lock = await asyncpg.connect(settings.database_url)
        notices_lock = await asyncpg.connect(settings.database_url)
        try:
            await notices_lock.execute("BEGIN; LOCK TABLE notification IN EXCLUSIVE MODE")
            await events_lock.execute("BEGIN; LOCK TABLE case_event IN EXCLUSIVE MODE")
            sender.send_task(SWEEP)

            async def first_taken() -> Path | None:
                return next((log for log in logs if _received(log, SWEEP)), None)

            first = await eventually(first_taken, timeout=30)
            second = logs[1 - logs.index(first)]
            await asyncio.sleep(1)  # the first sweeper holds the cases, stuck on their history
            sender.send_task(SWEEP)

            async def second_swept() -> bool:
                return bool(_results(second, SWEEP))

            # Done while the first is still stuck: the second skipped the cases it held.
            await eventually(second_swept, timeout=60)
            assert not _results(first, SWEEP)
            assert "'escalated': 0" in _results(second, SWEEP)[0]

            # The first commits its escalations and starts delivering their notices, then
            # sticks again (notification table locked) holding those outbox rows.
            await events_lock.execute("ROLLBACK")
            await eventually(_pending, timeout=30)
            await asyncio.sleep(1)
            delivered_before = len(_results(second, DELIVER))
            sender.send_task(DELIVER)

            async def second_delivered() -> bool:
                return len(_results(second, DELIVER)) > delivered_before

            await eventually(second_delivered, timeout=60)
            assert _results(second, DELIVER)[-1] == "0"  # it skipped the rows the first held
            assert await _undelivered() > 0 and not _results(first, SWEEP)
        finally:
            for connection in (events_lock, notices_lock):
                if not connection.is_closed():
                    if connection.is_in_transaction():
                        await connection.execute("ROLLBACK")
                    await connection.close()

        async def first_done() -> bool:
            return bool(_results(first, SWEEP))

        await eventually(first_done, timeout=60)
        assert f"'escalated': {OVERDUE_CASES}" in _results(first, SWEEP)[0]
        await eventually(lambda: _zero(_undelivered), timeout=60)

    for case_id in overdue:
        climbs = await CaseEvent.count().where(
            (CaseEvent.case == case_id) & (CaseEvent.action == "escalate")
        )
        assert climbs == 1, case_id
        rows = [
            row
            for row in await Outbox.select().where(Outbox.kind == "case.escalated")
            if _payload(row).get("case_id") == case_id
        ]
        # One escalation wrote these notices; each was delivered once, by one deliverer.
        assert rows, case_id
        assert all(r["delivered_at"] is not None and r["attempts"] == 1 for r in rows), rows
        notices = await Notification.select(Notification.outbox_id).where(
            (Notification.case == case_id) & (Notification.kind == "case.escalated")
        )
        assert sorted(n["outbox_id"] for n in notices) == sorted(r["id"] for r in rows)


async def _pending() -> bool:
    return await _undelivered() > 0


async def _zero(count) -> bool:  # type: ignore[no-untyped-def]
    return await count() == 0
