"""What the tests of the benches share: the servers a bench needs (skip locally, fail on CI)
and a bench command run as its own process from the repository root, as an operator runs it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_URL, service_missing

ROOT = Path(__file__).resolve().parents[1]


def postgres_or_skip() -> None:
    """The benches make their own databases on the test server: it must answer."""
    import asyncpg

    async def ping() -> None:
        conn = await asyncpg.connect(PG_URL, timeout=5)
        await conn.close()

    try:
        asyncio.run(ping())
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {PG_URL}", exc)


def redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url}", exc)


def run_bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` with only PATH, ``env`` and the test server as ``GRIDGOV_BENCH_PG``: no
    setting of the test run leaks into the bench, which reads its own."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={"GRIDGOV_BENCH_PG": PG_URL, "PATH": "/usr/bin:/bin:/usr/local/bin", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
