"""PostgreSQL restarted under load: requests fail cleanly while it is away and succeed again as
soon as it is back, without restarting the app; no case is left half-written.

A private cluster (``initdb`` in a temporary folder, free port) serves a real ``gridgov serve``
process. Clients keep reporting cases and listing them; the cluster is stopped (``pg_ctl -m
fast``: every session is terminated, as in an operator's restart or a failover), kept down a
moment, and started again. The shared server on 5432 is never touched.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from backend.config import Settings
from tests.conftest import TEST_DB
from tests.faults import private_postgres
from tests.servers import free_port, gridgov_serve, serve_env

ROOT = str(Path(__file__).resolve().parents[2])

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(TEST_DB != "postgres", reason="restarts a PostgreSQL server"),
]

CLIENTS = 4
DOWN_SECONDS = 2.0
CALM_SECONDS = 2.0


@dataclass
class Answer:
    at: float
    status: int  # 0: no HTTP answer at all
    body: Any


def _seed(env: dict[str, str]) -> dict[str, Any]:
    """The persona world in the private database, built by a child process."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.seed_world"],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


async def _client_loop(
    base: str, seed: dict[str, Any], stop: asyncio.Event, answers: list[Answer]
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=seed["headers"]) as client:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                if n % 2:
                    response = await client.post(
                        "/api/v1/cases/",
                        json={
                            "category_id": seed["category_id"],
                            "description": f"数据库重启期间的上报 {n}",
                            "client_id": uuid.uuid4().hex,
                            "lon": seed["lon"],
                            "lat": seed["lat"],
                        },
                    )
                else:
                    response = await client.get("/api/v1/cases/mine", params={"limit": 5})
                try:
                    body = response.json()
                except ValueError:
                    body = response.text
                answers.append(Answer(time.monotonic(), response.status_code, body))
            except httpx.HTTPError as exc:
                answers.append(Answer(time.monotonic(), 0, repr(exc)))
            await asyncio.sleep(0.02)


async def _half_written(url: str) -> tuple[int, int]:
    """(cases, cases without a history row)."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        cases = await connection.fetchval("SELECT count(*) FROM case_record")
        bare = await connection.fetchval(
            "SELECT count(*) FROM case_record c "
            "WHERE NOT EXISTS (SELECT 1 FROM case_event e WHERE e.case = c.id)"
        )
    finally:
        await connection.close()
    return cases, bare


async def test_postgres_restart_under_load_answers_503_then_recovers_without_an_app_restart(
    settings: Settings, tmp_path: Path
) -> None:
    with private_postgres() as cluster:
        url = await cluster.create_database("gridgov")
        env = serve_env(
            tmp_path / "app",
            url,
            GRIDGOV_PII_KEY=settings.pii_key,
            GRIDGOV_SECRET_KEY=settings.secret_key,
            PYTHONPATH=ROOT,
        )
        seed = await asyncio.to_thread(_seed, env)
        port = free_port()
        log = tmp_path / "app.log"
        with gridgov_serve(env, port, "--no-migrate", "--no-tasks", log=log) as app:
            answers: list[Answer] = []
            stop = asyncio.Event()
            clients = [
                asyncio.create_task(_client_loop(f"http://127.0.0.1:{port}", seed, stop, answers))
                for _ in range(CLIENTS)
            ]
            try:
                await asyncio.sleep(CALM_SECONDS)
                down_at = time.monotonic()
                await asyncio.to_thread(cluster.stop, "fast")
                await asyncio.sleep(DOWN_SECONDS)
                await asyncio.to_thread(cluster.start)
                up_at = time.monotonic()
                await asyncio.sleep(CALM_SECONDS * 2)
            finally:
                stop.set()
                await asyncio.gather(*clients)
            assert app.poll() is None, "the app exited"  # one process throughout
            app_log = log.read_text(encoding="utf-8", errors="replace")
        cases, bare = await _half_written(url)

    _check(answers, down_at, up_at, cases, bare, app_log)


def _check(
    answers: list[Answer], down_at: float, up_at: float, cases: int, bare: int, app_log: str
) -> None:
    before = [a for a in answers if a.at < down_at]
    failed = [a for a in answers if a.status not in (200, 201)]
    unclean = [
        a
        for a in failed
        if a.status != 503
        or not isinstance(a.body, dict)
        or set(a.body) != {"code", "message", "data"}
        or a.body["code"] != "database_unavailable"
    ]
    assert before and all(a.status in (200, 201) for a in before), before[:3]
    assert failed, "the restart was not noticed: no request failed while PostgreSQL was down"
    assert not unclean, unclean[:5]
    assert all("数据库" in a.body["message"] for a in failed)
    recovered = [a for a in answers if a.at > up_at and a.status in (200, 201)]
    assert recovered, "no request succeeded after PostgreSQL came back"
    first_ok = recovered[0].at - up_at
    last_failure = max(a.at for a in failed) - up_at
    assert first_ok < 5.0 and last_failure < 5.0, (first_ok, last_failure)
    assert bare == 0, f"{bare} of {cases} cases have no history row"
    # Our handler logs a 500 as "unhandled error" with its trace; a 503 is one warning line.
    # (asyncpg's pool logs its own reconnection attempts with a trace; that is not ours.)
    assert "unhandled error" not in app_log
    assert app_log.count("database unavailable on") == len(failed)
    reports = sum(1 for a in answers if a.status == 201)
    print(
        f"\npostgres restart: {len(answers)} requests from {CLIENTS} clients, "
        f"{reports} reports made; {len(failed)} answered 503 database_unavailable while it was "
        f"down ({DOWN_SECONDS:.0f}s); 0 other errors; first success {first_ok:.2f}s after "
        f"it was up, last failure {last_failure:+.2f}s; {cases} cases, {bare} without history"
    )
