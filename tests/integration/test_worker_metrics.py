"""``gridgov worker`` serves its task timings on GRIDGOV_WORKER_METRICS_PORT for Prometheus."""

from __future__ import annotations

import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.celery_app import create_celery
from backend.config import Settings
from tests.servers import free_port, gridgov_worker, serve_env
from tests.workers import eventually


async def test_worker_exposes_task_durations_on_its_metrics_port(settings, world, tmp_path):
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = serve_env(
        tmp_path,
        settings.database_url,
        GRIDGOV_BROKER_URL=broker_url,
        GRIDGOV_TASK_QUEUE=queue,
        GRIDGOV_WORKER_METRICS_PORT=str(port),
    )
    app = create_celery(
        Settings(**{**settings.__dict__, "broker_url": broker_url, "task_queue": queue})
    )
    args = ("--pool=solo", "--without-gossip", "--without-mingle")
    with gridgov_worker(env, *args, log=tmp_path / "worker.log"):
        app.send_task("gridgov.prune_auth_records")

        async def runs() -> float:
            try:
                async with httpx.AsyncClient() as client:
                    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            except httpx.HTTPError:
                return 0.0
            return sum(
                s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
                if s.name == "gridgov_task_duration_seconds_count"
                and s.labels.get("task") == "gridgov.prune_auth_records"
            )

        assert await eventually(runs, timeout=60) == 1
