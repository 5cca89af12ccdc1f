"""Start ``gridgov serve`` as a real process on a free port, as an operator would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.config import Settings

GRIDGOV = str(Path(sys.executable).with_name("gridgov"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "PROMETHEUS_"))}
    env.update(
        {
            "GRIDGOV_DATABASE_URL": database_url,
            "GRIDGOV_VAR_DIR": str(var_dir),
            # Each server owns (and empties) its own metrics folder.
            "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
            **extra,
        }
    )
    return env


def wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gridgov serve exited early with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise AssertionError(f"gridgov serve did not listen on {port} within {timeout}s")


@contextlib.contextmanager
def gridgov_serve(
    env: dict[str, str], port: int, *args: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A running server; stopped (SIGTERM, then kill) when the block ends."""
    out = open(log, "wb")
    process = subprocess.Popen(
        [GRIDGOV, "serve", "--port", str(port), "--no-tasks", *args],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_listening(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        out.close()


@contextlib.contextmanager
def serving_test_database(settings: Settings, var_dir: Path, **extra: str) -> Iterator[str]:
    """A dev-mode server on the tests' own database and keys (migrated already), so it reads
    and writes what the test's in-process services do; yields its base URL."""
    env = serve_env(
        var_dir,
        settings.database_url,
        GRIDGOV_ENV="dev",
        GRIDGOV_PII_KEY=settings.pii_key,
        GRIDGOV_SECRET_KEY=settings.secret_key,
        **extra,
    )
    port = free_port()
    with gridgov_serve(env, port, "--no-migrate", log=var_dir / "serve.log"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def gridgov_worker(env: dict[str, str], *args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A running ``gridgov worker``; warm-stopped (SIGTERM) when the block ends."""
    out = open(log, "wb")
    process = subprocess.Popen([GRIDGOV, "worker", *args], env=env, stdout=out, stderr=out)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.close()
