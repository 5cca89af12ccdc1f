"""Prometheus metrics of the app and the task workers, pooled across the processes of a host.

``gridgov serve --workers N`` and a prefork Celery worker run several processes; a scrape hits
one of them. prometheus_client's multiprocess mode makes each process write its samples to
files in ``PROMETHEUS_MULTIPROC_DIR`` and any process's scrape add them all up. The mode is
chosen when prometheus_client is first imported, so :func:`prepare` sets the folder before any
metric exists and nothing imports prometheus_client at module level. The parent (``serve``,
``worker``) empties the folder when it starts: old files would count dead processes forever.

Gauges that describe the data (cases by state, undelivered notifications, tasks waiting on the
broker) are read at scrape time, not counted as things happen: they stay right across restarts,
replicas and work done by other hosts. A table another part of the code has not created yet is
skipped, not an error.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from backend.config import Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_dir(settings: Settings) -> Path:
    return Path(os.environ.get(MULTIPROC_ENV) or settings.var_dir / "prometheus")


def prepare(settings: Settings, *, fresh: bool = False) -> Path:
    """Point this process (and the processes it starts) at the shared metrics folder.

    ``fresh`` is for the process that owns the folder on this host (``serve``, ``worker``):
    it deletes what earlier runs left.
    """
    path = metrics_dir(settings)
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        for old in path.glob("*.db"):
            old.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    if "prometheus_client" in sys.modules:
        from prometheus_client import values

        if values.ValueClass is values.MutexValue:
            raise RuntimeError(
                "prometheus_client was imported before backend.metrics.prepare(); "
                "its samples would stay in one process"
            )
    return path


# --- counters other code calls -------------------------------------------------------------


@functools.cache
def _notification_failures() -> Any:
    from prometheus_client import Counter

    return Counter(
        "gridgov_notification_failures",
        "Notification deliveries that failed (each attempt), by channel",
        ["channel"],
    )


def notification_failed(channel: str = "default") -> None:
    """Count one failed delivery attempt of a notification (call it where delivery fails)."""
    _notification_failures().labels(channel).inc()


# --- Celery tasks -------------------------------------------------------------------------


@functools.cache
def _task_metrics() -> tuple[Any, Any]:
    from prometheus_client import Counter, Histogram

    duration = Histogram(
        "gridgov_task_duration_seconds",
        "Time a Celery task ran, by task and outcome",
        ["task", "outcome"],
        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    )
    failures = Counter("gridgov_task_failures", "Celery tasks that raised", ["task"])
    return duration, failures


_started: dict[str, float] = {}


def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    start = _started.pop(task_id or "", None)
    if start is None or task is None:
        return
    duration, _failures = _task_metrics()
    duration.labels(task.name, (state or "unknown").lower()).observe(time.perf_counter() - start)


def _task_failed(sender: Any = None, **_: Any) -> None:
    _duration, failures = _task_metrics()
    failures.labels(getattr(sender, "name", "unknown")).inc()


def _process_exits(**_: Any) -> None:
    mark_process_dead()


def connect_celery_signals() -> None:
    from celery.signals import task_failure, task_postrun, task_prerun, worker_process_shutdown

    task_prerun.connect(_task_started, weak=False, dispatch_uid="gridgov-metrics-prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="gridgov-metrics-postrun")
    task_failure.connect(_task_failed, weak=False, dispatch_uid="gridgov-metrics-failure")
    worker_process_shutdown.connect(_process_exits, weak=False, dispatch_uid="gridgov-metrics-exit")


def mark_process_dead() -> None:
    """Drop this process's live gauges (requests in progress) when it exits cleanly."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


# --- scraping -------------------------------------------------------------------------------


class _Snapshot:
    """A collector that yields families computed before the (synchronous) scrape."""

    def __init__(self, families: Iterable[Any]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Any]:
        return self.families


def _registry(extra: Iterable[Any] = ()) -> Any:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(_Snapshot(extra))
    return registry


async def _rows(sql: str) -> list[dict[str, Any]] | None:
    from backend.tables import LoginAttempt  # any table: the query names its own

    try:
        return list(await LoginAttempt.raw(sql))
    except Exception as exc:  # a table that is not there yet, or a database that is down
        log.debug("metrics query skipped: %s", exc)
        return None


async def database_families() -> list[Any]:
    from prometheus_client.core import GaugeMetricFamily

    families: list[Any] = []
    rows = await _rows("SELECT state, COUNT(*) AS n FROM case_record GROUP BY state")
    if rows is not None:
        try:
            from grid.cases.states import CaseState

            counts = {state.value: 0 for state in CaseState}
        except ImportError:
            counts = {}
        counts.update({str(row["state"]): int(row["n"]) for row in rows})
        cases = GaugeMetricFamily("gridgov_cases", "Cases by state", labels=["state"])
        for state, n in sorted(counts.items()):
            cases.add_metric([state], n)
        families.append(cases)
    rows = await _rows("SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL")
    if rows is not None:
        families.append(
            GaugeMetricFamily(
                "gridgov_outbox_pending",
                "Notifications written but not delivered yet",
                value=int(rows[0]["n"]),
            )
        )
    return families


def broker_families(settings: Settings) -> list[Any]:
    """Messages waiting in the task queue (blocking I/O: call it from a thread)."""
    from kombu import Connection
    from kombu.exceptions import ChannelError
    from prometheus_client.core import GaugeMetricFamily

    from backend.celery_app import broker_connection_url, broker_options

    try:
        with Connection(
            broker_connection_url(settings),
            transport_options=broker_options(settings),
            connect_timeout=2,
        ) as connection:
            channel = connection.default_channel
            try:
                waiting = channel.queue_declare(
                    queue=settings.task_queue, passive=True
                ).message_count
            except ChannelError:  # an empty Redis queue does not exist as a key
                waiting = 0
    except Exception as exc:
        log.warning("metrics: broker not reachable: %s", exc)
        return []
    family = GaugeMetricFamily(
        "gridgov_task_queue_length", "Tasks waiting on the broker", labels=["queue"]
    )
    family.add_metric([settings.task_queue], waiting)
    return [family]


async def scrape(settings: Settings) -> tuple[bytes, str]:
    """The exposition text of this host's processes plus the data gauges."""
    import anyio.to_thread
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    families = await database_families()
    families += await anyio.to_thread.run_sync(broker_families, settings)
    return generate_latest(_registry(families)), CONTENT_TYPE_LATEST


def serve_worker_metrics(settings: Settings) -> None:
    """A worker has no HTTP app: expose its pooled task metrics on their own port."""
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, registry=_registry())
        log.info("task metrics on :%d/metrics", settings.worker_metrics_port)
