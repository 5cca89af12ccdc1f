"""Running the real ``gridgov`` command against a database of its own, on the engine under test.

The session database (``tests/conftest.py``) is shared by every test, so a test that checks
what a command writes — counts after an import, a whole demo district — gets a fresh one here:
a new SQLite file, or a new PostgreSQL database dropped afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import TEST_DB, _create_pg_database, _drop_pg_database

ROOT = Path(__file__).resolve().parent.parent
GRIDGOV = [sys.executable, "-m", "backend.cli"]


@dataclass(frozen=True)
class Installation:
    url: str
    var_dir: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
        env |= {
            "GRIDGOV_DATABASE_URL": self.url,
            "GRIDGOV_VAR_DIR": str(self.var_dir),
            "GRIDGOV_ENV": "dev",
            "PICCOLO_CONF": "backend.piccolo_conf",
            **extra,
        }
        return env

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*GRIDGOV, *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    async def query(self, sql: str) -> list[tuple[object, ...]]:
        """Rows of ``sql`` read straight from the installation's database."""
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
        import asyncpg

        conn = await asyncpg.connect(self.url, timeout=5)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    async def count(self, table: str, where: str = "") -> int:
        rows = await self.query(f"SELECT COUNT(*) FROM {table} {'WHERE ' + where if where else ''}")
        return int(rows[0][0])  # type: ignore[call-overload]


@asynccontextmanager
async def fresh_installation(tmp_path: Path) -> AsyncIterator[Installation]:
    """An empty database (SQLite file or PostgreSQL database) and a var folder."""
    if TEST_DB == "postgres":
        url = await _create_pg_database()
    else:
        url = f"sqlite:///{tmp_path}/gridgov.sqlite3"
    try:
        yield Installation(url, tmp_path / "var")
    finally:
        if TEST_DB == "postgres":
            await _drop_pg_database(url)
