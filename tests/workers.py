"""Start a real Celery worker process for a test, against the test's database and broker."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from backend.config import Settings

CELERY = str(Path(sys.executable).with_name("celery"))


def worker_env(settings: Settings, broker_url: str, queue: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GRIDGOV_DATABASE_URL": settings.database_url,
            "GRIDGOV_VAR_DIR": str(settings.var_dir),
            "GRIDGOV_BROKER_URL": broker_url,
            "GRIDGOV_TASK_QUEUE": queue,
            "GRIDGOV_PII_KEY": settings.pii_key,
            "GRIDGOV_SECRET_KEY": settings.secret_key,
        }
    )
    return env


@contextlib.contextmanager
def celery_worker(
    settings: Settings,
    broker_url: str,
    queue: str,
    *,
    beat: bool = False,
    log: Path | None = None,
    name: str | None = None,
    pool: str = "solo",
) -> Iterator[subprocess.Popen[bytes]]:
    """``pool="prefork"`` (one child) runs tasks in a child process the test may kill."""
    args = [
        CELERY,
        "-A",
        "backend.celery_app",
        "worker",
        f"--pool={pool}",
        "--concurrency=1",
        "-Q",
        queue,
        "--loglevel=INFO",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        args.append("--beat")
    if name:  # several workers on one host need distinct node names
        args += ["-n", f"{name}@%h"]
    log_file = open(log or settings.var_dir / f"worker-{queue}.log", "wb")
    process = subprocess.Popen(
        args, env=worker_env(settings, broker_url, queue), stdout=log_file, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


async def eventually(check, timeout: float = 30.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Await ``check()`` until it returns a truthy value; return it, or fail after ``timeout``."""
    import asyncio

    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last value {value!r}")
        await asyncio.sleep(interval)
