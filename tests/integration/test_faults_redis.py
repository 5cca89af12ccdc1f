"""Redis (the task broker) dies while people report: reports are still accepted, and every
notice they wrote reaches its recipients once Redis is back — none lost, none twice.

Real processes on both sides: ``gridgov serve`` takes the reports over HTTP, a Celery worker
with its embedded beat delivers, and a private ``redis-server`` between them is killed
(SIGKILL, no persistence: whatever it held is gone) and started again on the same port.
Nothing depends on the broker keeping a message: the outbox rows are written in the report's
own transaction, and beat's periodic delivery run picks up what the lost kicks would have.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx

from backend.config import Settings
from grid.cases.services import outbox
from grid.cases.tables import Notification, Outbox
from tests.cases_support import POINTS, category_id
from tests.faults import private_redis
from tests.servers import free_port, gridgov_serve, serve_env
from tests.workers import celery_worker, eventually

REPORTS = 12
KICKS_GIVE_UP_S = 3.0


def _case_id(row: dict[str, Any]) -> int | None:
    payload = row["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    return payload.get("case_id")


async def _notices_of(case_ids: set[int]) -> list[dict[str, Any]]:
    rows = await Outbox.select().where(Outbox.kind == "case.new").order_by(Outbox.id)
    return [row for row in rows if _case_id(row) in case_ids]


async def test_reports_made_while_redis_is_down_are_accepted_and_their_notices_delivered_once(
    settings: Settings, world: Any, tmp_path: Any
) -> None:
    await outbox.deliver_pending()  # earlier tests' notices are not this test's
    lon, lat = POINTS["grid_a1_1"]
    category = await category_id("0101")
    headers = world.headers("grid_worker_a")
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    with private_redis(tmp_path) as redis:
        env = serve_env(
            tmp_path / "app",
            settings.database_url,
            GRIDGOV_BROKER_URL=redis.url,
            GRIDGOV_TASK_QUEUE=queue,
            GRIDGOV_PII_KEY=settings.pii_key,
            GRIDGOV_SECRET_KEY=settings.secret_key,
        )
        port = free_port()
        worker_log = tmp_path / "worker.log"
        with (
            gridgov_serve(env, port, "--no-migrate", log=tmp_path / "app.log"),
            celery_worker(settings, redis.url, queue, beat=True, log=worker_log),
        ):

            async def ready() -> bool:
                return b"ready." in worker_log.read_bytes()

            await eventually(ready, timeout=60)
            redis.kill()

            started = time.monotonic()
            async with httpx.AsyncClient(timeout=30) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(
                            f"http://127.0.0.1:{port}/api/v1/cases/",
                            json={
                                "category_id": category,
                                "description": f"Redis 停机期间的上报 {n}",
                                "client_id": f"redis-down-{uuid.uuid4().hex}",
                                "lon": lon,
                                "lat": lat,
                            },
                            headers=headers,
                        )
                        for n in range(REPORTS)
                    )
                )
            accept_seconds = time.monotonic() - started
            assert [a.status_code for a in answers] == [201] * REPORTS, [a.text for a in answers]
            case_ids = {a.json()["id"] for a in answers}
            assert len(case_ids) == REPORTS
            notices = await _notices_of(case_ids)
            assert len(notices) == REPORTS
            # No broker, so nothing delivered them yet: they wait in the outbox. Long enough
            # that the app's own delivery kicks have failed and stopped: what brings them out
            # is beat's periodic delivery run, the fallback for kicks lost with the broker.
            await asyncio.sleep(KICKS_GIVE_UP_S)
            assert all(r["delivered_at"] is None for r in await _notices_of(case_ids))

            redis.start()
            restarted = time.monotonic()

            async def all_delivered() -> bool:
                rows = await _notices_of(case_ids)
                return all(r["delivered_at"] is not None for r in rows)

            await eventually(all_delivered, timeout=60, interval=0.2)
            catch_up_seconds = time.monotonic() - restarted
        app_log = (tmp_path / "app.log").read_text(encoding="utf-8", errors="replace")
        assert "could not queue outbox delivery" in app_log  # the kicks were lost with Redis

    ids = [r["id"] for r in await _notices_of(case_ids)]
    stored = await Notification.select(Notification.outbox_id).where(
        Notification.outbox_id.is_in(ids)
    )
    assert sorted(r["outbox_id"] for r in stored) == sorted(ids)  # each once, none lost
    print(
        f"\nredis down: {REPORTS} reports accepted (201) in {accept_seconds:.1f}s; "
        f"{len(ids)} notices delivered by beat's periodic run {catch_up_seconds:.1f}s after "
        "Redis returned (the app's kicks were lost); "
        f"lost 0, duplicated 0"
    )
