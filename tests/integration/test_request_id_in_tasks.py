"""The request id travels with a task into a real worker process and onto its log lines."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from backend import logs, metrics
from backend.celery_app import create_celery
from backend.config import Settings
from tests.workers import celery_worker, eventually


def _json_lines(path: Path) -> list[dict]:
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _task_runs(task: str) -> float:
    text = generate_latest(metrics._registry()).decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "gridgov_task_duration_seconds_count"
        and sample.labels == {"task": task, "outcome": "success"}
    )


async def test_request_id_reaches_the_worker_log_of_the_task_it_sent(
    settings, world, tmp_path, monkeypatch
):
    monkeypatch.setenv("GRIDGOV_LOG_FORMAT", "json")
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = create_celery(
        Settings(**{**settings.__dict__, "broker_url": broker_url, "task_queue": queue})
    )
    log = tmp_path / "worker.log"
    runs_before = _task_runs("gridgov.prune_auth_records")
    with celery_worker(settings, broker_url, queue, log=log):
        token = logs.request_id.set("trace-from-http-7")
        try:
            traced = app.send_task("gridgov.prune_auth_records").id
        finally:
            logs.request_id.reset(token)
        untraced = app.send_task("gridgov.prune_auth_records").id

        async def task_lines() -> list[dict]:
            lines = [r for r in _json_lines(log) if r.get("message") == "pruned auth records"]
            return lines if len(lines) == 2 else []

        lines = await eventually(task_lines, timeout=60)

    assert {line["request_id"] for line in lines} == {"trace-from-http-7", untraced}
    assert traced != "trace-from-http-7"
    assert all(line["level"] == "INFO" and line["logger"] == "backend.tasks" for line in lines)
    # The worker's task timings land in the host's metrics folder, which /metrics reads.
    assert _task_runs("gridgov.prune_auth_records") - runs_before == 2
