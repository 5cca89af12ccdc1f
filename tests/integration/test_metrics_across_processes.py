"""``gridgov serve --workers 2``: whichever process answers the scrape counts both processes'
requests (prometheus_client's multiprocess mode), and the access log is JSON with the id."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_DB
from tests.servers import free_port, gridgov_serve, serve_env

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="several worker processes need PostgreSQL"
)

BATCH = 20
MAX_REQUESTS = 400


def _healthz_count(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "gridgov_requests_total" and s.labels.get("path") == "/healthz"
    )


def _access_records(log: Path) -> list[dict]:
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [r for r in records if r["logger"] == "uvicorn.access"]


async def test_every_process_scrape_counts_all_requests(settings, tmp_path):
    port = free_port()
    env = serve_env(tmp_path, settings.database_url, GRIDGOV_LOG_FORMAT="json")
    log = tmp_path / "serve.log"
    with gridgov_serve(env, port, "--workers", "2", "--no-migrate", log=log):
        base = f"http://127.0.0.1:{port}"
        sent = 0
        # Fresh connections until both processes have answered some (the kernel chooses).
        while len({r["pid"] for r in _access_records(log)}) < 2 and sent < MAX_REQUESTS:
            for _ in range(BATCH):
                async with httpx.AsyncClient(base_url=base) as client:
                    answer = await client.get("/healthz", headers={"X-Request-ID": f"probe-{sent}"})
                    assert answer.status_code == 200
                sent += 1
        served_by = {r["pid"] for r in _access_records(log)}
        assert len(served_by) == 2, "one process took every connection"
        # Scrapes land on either process; each must report both processes' requests.
        for _ in range(10):
            async with httpx.AsyncClient(base_url=base) as client:
                scraped = await client.get("/metrics")
            assert _healthz_count(scraped.text) == sent
    access = _access_records(log)
    assert {r["request_id"] for r in access} >= {f"probe-{i}" for i in range(sent)}
