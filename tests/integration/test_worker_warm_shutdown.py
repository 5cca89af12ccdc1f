"""SIGTERM to ``gridgov worker`` while a task runs: the task finishes, then the worker exits.

The task is held in flight honestly: the test takes a lock the task's first query needs
(PostgreSQL: an exclusive table lock; SQLite: the write lock) and lets go only after the
worker got SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import uuid
from datetime import timedelta

import asyncpg

from backend import clock
from backend.celery_app import create_celery
from backend.config import Settings
from backend.tables import LoginAttempt
from tests.servers import gridgov_worker, serve_env
from tests.workers import eventually


class _Lock:
    """Blocks the prune task's first statement until released."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pg: asyncpg.Connection | None = None
        self.sqlite: sqlite3.Connection | None = None

    async def take(self) -> None:
        if self.settings.is_sqlite:
            self.sqlite = sqlite3.connect(self.settings.sqlite_path, isolation_level=None)
            self.sqlite.execute("BEGIN IMMEDIATE")  # the task's write transaction waits
        else:
            self.pg = await asyncpg.connect(self.settings.database_url)
            await self.pg.execute("BEGIN; LOCK TABLE login_attempt IN ACCESS EXCLUSIVE MODE")

    async def release(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("COMMIT")
            self.sqlite.close()
        if self.pg is not None:
            await self.pg.execute("COMMIT")
            await self.pg.close()


async def test_sigterm_lets_the_running_task_finish(settings, world, tmp_path):
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = serve_env(
        tmp_path,
        settings.database_url,
        GRIDGOV_BROKER_URL=broker_url,
        GRIDGOV_TASK_QUEUE=queue,
        GRIDGOV_PII_KEY=settings.pii_key,
    )
    old = (
        await LoginAttempt.insert(
            LoginAttempt(
                username="ghost", ip="10.0.0.7", success=False, at=clock.now() - timedelta(days=60)
            )
        )
    )[0]["id"]
    app = create_celery(
        Settings(**{**settings.__dict__, "broker_url": broker_url, "task_queue": queue})
    )
    log = tmp_path / "worker.log"
    lock = _Lock(settings)
    args = ("--concurrency", "1", "--without-gossip", "--without-mingle")
    with gridgov_worker(env, *args, log=log) as worker:

        async def ready() -> bool:
            return b"ready." in log.read_bytes()

        await eventually(ready, timeout=60)
        await lock.take()
        try:
            app.send_task("gridgov.prune_auth_records")

            async def started() -> bool:
                return b"Task gridgov.prune_auth_records" in log.read_bytes()

            await eventually(started, timeout=30)
            await asyncio.sleep(0.5)
            worker.send_signal(signal.SIGTERM)
            await asyncio.sleep(2)
            assert worker.poll() is None, "the worker quit with a task in flight"
        finally:
            await lock.release()

        async def exited() -> bool:
            return worker.poll() is not None

        await eventually(exited, timeout=60)
        assert worker.returncode == 0
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Warm shutdown" in text and "succeeded" in text, text[-2000:]
    assert text.index("Warm shutdown") < text.index("succeeded")
    assert not await LoginAttempt.exists().where(LoginAttempt.id == old)
