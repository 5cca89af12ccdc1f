"""The Celery application and the one event loop each worker process runs its tasks on.

Production uses Redis as the broker (``GRIDGOV_BROKER_URL=redis://…``). The embedded default is
kombu's filesystem transport under ``var/broker``: no broker server, yet the same tasks, worker
and beat as production; ``gridgov serve`` starts and stops a worker with an embedded beat itself.

Tasks are thin synchronous Celery wrappers that submit a coroutine to the process's loop (see
:func:`run_async`): one loop and one database pool per worker process, never ``asyncio.run``
per task against a pooled engine (which would leave the pool bound to a dead loop).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from celery import Celery
from celery.signals import setup_logging, worker_process_shutdown

from backend.config import Settings, load_settings

T = TypeVar("T")

#: Modules holding task wrappers; each domain adds its ``tasks`` module here.
TASK_MODULES: list[str] = ["backend.tasks", "grid.cases.tasks", "community.tasks", "bots.tasks"]

#: Periodic work (Celery beat entries).
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "prune-auth-records": {"task": "gridgov.prune_auth_records", "schedule": 3600.0},
    "community-closing-reminders": {
        "task": "gridgov.community.closing_reminders",
        "schedule": 600.0,
    },
    "community-seal-chains": {"task": "gridgov.community.seal_chains", "schedule": 60.0},
    "cases-sweep": {"task": "gridgov.cases.sweep", "schedule": 60.0},
    "cases-deliver-outbox": {"task": "gridgov.cases.deliver_outbox", "schedule": 10.0},
    "bots-prune-seen": {"task": "gridgov.bots.prune_seen", "schedule": 300.0},
}


def broker_options(settings: Settings) -> dict[str, Any]:
    if not settings.broker_url.startswith("filesystem://"):
        return {"visibility_timeout": 3600}
    folder = Path(settings.broker_url.removeprefix("filesystem://") or settings.var_dir / "broker")
    queue = folder / "queue"
    processed = folder / "processed"
    for path in (queue, processed):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "store_processed": False,
        "control_folder": str(folder / "control"),
        "polling_interval": 0.1,
    }


def broker_connection_url(settings: Settings) -> str:
    """The filesystem transport takes its folders from the options, not from the URL."""
    if settings.broker_url.startswith("filesystem://"):
        return "filesystem://"
    return settings.broker_url


def create_celery(settings: Settings | None = None) -> Celery:
    from backend import logs, metrics

    settings = settings or load_settings()
    metrics.prepare(settings)
    metrics.connect_celery_signals()
    logs.connect_celery_signals()
    app = Celery("gridgov", broker=broker_connection_url(settings), include=TASK_MODULES)
    app.conf.update(
        broker_transport_options=broker_options(settings),
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_default_queue=settings.task_queue,
        # A task is acknowledged after it ran, so a worker killed mid-task hands it to another;
        # every task must therefore be idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="Asia/Shanghai",
        enable_utc=True,
        beat_schedule=dict(BEAT_SCHEDULE),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
    )
    app.conf.gridgov_settings = settings
    return app


class _ProcessLoop:
    """An event loop on a daemon thread, owned by one process (re-created after fork)."""

    def __init__(self) -> None:
        self.pid = -1
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()

    def get(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            if self.loop is None or self.pid != os.getpid():
                self.pid = os.getpid()
                self.loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self.loop.run_forever, name="gridgov-task-loop", daemon=True
                ).start()
                asyncio.run_coroutine_threadsafe(_open_database(), self.loop).result()
            return self.loop

    def stop(self) -> None:
        with self.lock:
            if self.loop is not None and self.pid == os.getpid():
                asyncio.run_coroutine_threadsafe(_close_database(), self.loop).result(timeout=10)
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.loop = None


_process_loop = _ProcessLoop()


async def _open_database() -> None:
    from backend import db, pii

    settings = load_settings()
    pii.configure(settings.pii_key)
    await db.open_pool(db.ensure_engine(settings), max_size=5)


async def _close_database() -> None:
    from backend import db

    await db.close_pool(db.get_engine())


def run_async(coroutine: Coroutine[Any, Any, T], timeout: float | None = 300) -> T:
    """Run ``coroutine`` on this process's task loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coroutine, _process_loop.get()).result(timeout)


@worker_process_shutdown.connect
def _shutdown_loop(**_: Any) -> None:
    _process_loop.stop()


@setup_logging.connect
def _worker_logging(loglevel: Any = None, **_: Any) -> None:
    """Workers log like the app: JSON lines (in prod) with the request id of the task."""
    from backend.logs import configure_logging

    level = loglevel if isinstance(loglevel, str) else logging.getLevelName(loglevel or 20)
    configure_logging(load_settings(), level=level)


_app: Celery | None = None


def __getattr__(name: str) -> Any:
    """``celery -A backend.celery_app`` asks for ``app``; it is built then, not at import."""
    global _app
    if name == "app":
        if _app is None:
            _app = create_celery()
        return _app
    raise AttributeError(name)
