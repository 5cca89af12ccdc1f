"""Private service instances the fault tests may stop and start at will.

The shared Redis (6379) and PostgreSQL (5432) serve every other test and helper on the
machine, so a test that kills a service starts its own copy on a free port in a temporary
folder and stops it itself. A missing binary skips the test locally and fails it on CI
(:func:`tests.conftest.service_missing`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import service_missing
from tests.servers import free_port


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process on port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listened on {port} within {timeout}s")


class PrivateRedis:
    """``redis-server`` without persistence on a free port; :meth:`kill` and :meth:`start`
    at will (a restart keeps the port, so clients reconnect to the same URL)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server (the binary)", FileNotFoundError("redis-server"))
        self.binary = str(binary)
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _wait_for_port(self.port, 10, self.process)

    def kill(self) -> None:
        """SIGKILL: the broker vanishes with whatever it held, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(folder)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (``initdb`` + ``pg_ctl``) on a free port with trust
    authentication. As root, the cluster belongs to the ``postgres`` user (PostgreSQL refuses
    to run as root)."""

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            service_missing("PostgreSQL server binaries", FileNotFoundError("pg_ctl"))
        assert bin_dir is not None
        self.bin = bin_dir
        # Not under pytest's tmp_path: as root that is a 0700 folder the postgres user
        # cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="gridgov-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        if done.returncode:
            raise OSError(f"{args[0]} failed: {done.stderr.decode(errors='replace')[-500:]}")

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once, as an operator's restart does."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    async def create_database(self, name: str) -> str:
        import asyncpg

        connection = await asyncpg.connect(self.url(), timeout=10)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(cluster.folder, ignore_errors=True)
        service_missing("a private PostgreSQL cluster", exc)
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)
