"""A real worker process runs our tasks: over Redis (production) and over the filesystem
transport (the embedded default, no broker server)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from backend import clock
from backend.celery_app import create_celery
from backend.config import Settings
from backend.tables import AuthSession, LoginAttempt
from tests.conftest import service_missing
from tests.workers import celery_worker, eventually

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _old_auth_records(world) -> tuple[int, int]:
    long_ago = clock.now() - timedelta(days=45)
    attempt = (
        await LoginAttempt.insert(
            LoginAttempt(username="ghost", ip="10.0.0.9", success=False, at=long_ago)
        )
    )[0]
    session = (
        await AuthSession.insert(
            AuthSession(
                token_hash=uuid.uuid4().hex * 2,
                staff=world.staff["admin"],
                created_at=long_ago,
                expires_at=long_ago + timedelta(hours=12),
            )
        )
    )[0]
    return attempt["id"], session["id"]


async def _run_prune_through(settings: Settings, world, broker_url: str) -> None:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    attempt_id, session_id = await _old_auth_records(world)
    worker_settings = Settings(
        **{**settings.__dict__, "broker_url": broker_url, "task_queue": queue}
    )
    app = create_celery(worker_settings)
    with celery_worker(settings, broker_url, queue):
        app.send_task("gridgov.prune_auth_records")

        async def pruned() -> bool:
            return not await LoginAttempt.exists().where(LoginAttempt.id == attempt_id) and not (
                await AuthSession.exists().where(AuthSession.id == session_id)
            )

        await eventually(pruned, timeout=60)


async def test_worker_over_redis_prunes_old_auth_records(settings, world):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", exc)
    await _run_prune_through(settings, world, REDIS_URL)


async def test_worker_over_the_filesystem_transport_needs_no_broker_server(
    settings, world, tmp_path
):
    await _run_prune_through(settings, world, f"filesystem://{tmp_path / 'broker'}")


@pytest.mark.parametrize("days", [1, 29])
async def test_recent_auth_records_are_kept(settings, world, days):
    from backend.tasks import prune_auth_records

    recent = clock.now() - timedelta(days=days)
    row = (
        await LoginAttempt.insert(
            LoginAttempt(username="recent", ip="10.0.0.8", success=False, at=recent)
        )
    )[0]
    await prune_auth_records()
    assert await LoginAttempt.exists().where(LoginAttempt.id == row["id"])
