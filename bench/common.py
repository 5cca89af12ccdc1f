"""What every benchmark shares: a throw-away PostgreSQL database, the result shape, percentiles.

Each bench module exposes ``measure(size, quick=False) -> dict`` (the shape of ``result``) and
keeps its own command line; ``bench/run_all.py`` calls ``measure`` at two data sizes in fresh
processes and writes ``bench/RESULTS.md`` from the dicts.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

    from backend.config import Settings
    from tests.personas import World

PG_ADMIN = os.environ.get(
    "GRIDGOV_BENCH_PG",
    os.environ.get("GRIDGOV_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)


@contextlib.asynccontextmanager
async def fresh_database(prefix: str = "gridgov_bench") -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one run (URL), dropped afterwards whatever happens."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def bench_env(url: str, var_dir: Path) -> dict[str, str]:
    """The settings every bench starts from: its own database and scratch directory, dev mode."""
    return {"GRIDGOV_DATABASE_URL": url, "GRIDGOV_VAR_DIR": str(var_dir), "GRIDGOV_ENV": "dev"}


async def open_world(env: Mapping[str, str]) -> tuple[Settings, Engine, World]:
    """Settings from ``env``, its PII key, an open pool, the migrated schema and the personas.

    The caller closes the pool (``db.close_pool(engine)``) when its run is over.
    """
    from backend import db, pii
    from backend.config import load_settings
    from tests.personas import build_world

    settings = load_settings(env)
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine)
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports every migration
        await db.migrate()
    return settings, engine, await build_world(settings)


async def hold_cases(url: str, world: Any, count: int) -> float:
    """Fill the table with ``count`` closed cases of the same grid (the data that grows)."""
    import asyncpg

    from backend import clock
    from bench.escalation_sweep import GENERATE
    from tests.cases_support import category_id

    if count <= 0:
        return 0.0
    conn = await asyncpg.connect(url)
    try:
        t = time.perf_counter()
        await conn.execute(
            GENERATE.replace("'b-' || g", "'held-' || g"),
            await category_id("0101"),
            world.units["grid_a1_1"],
            0,
            "500103001001001",
            0,
            count,
            clock.now(),
        )
        await conn.execute("ANALYZE")
        return time.perf_counter() - t
    finally:
        await conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0–100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quantity(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": float(value), "unit": unit}


def result(
    bench: str,
    *,
    data: str,
    size: int,
    figure: dict[str, Any],
    baseline: dict[str, Any],
    ratio: float,
    cost: dict[str, Any],
    detail: str,
) -> dict[str, Any]:
    """One bench run at one data size.

    ``figure`` and ``baseline`` are what the summary table shows (``quantity``); ``ratio`` is
    figure / baseline as the bench defines it (said in its notes); ``cost`` is the quantity
    whose growth between the two sizes is reported (a time: bigger is worse); ``detail`` is
    the Markdown of this run's own tables.
    """
    return {
        "bench": bench,
        "data": data,
        "size": size,
        "figure": figure,
        "baseline": baseline,
        "ratio": float(ratio),
        "cost": cost,
        "detail": detail.strip(),
        "load_after": os.getloadavg()[0],
    }


def print_summary(res: dict[str, Any]) -> None:
    """The standalone command's last lines: the figure, its baseline and their ratio."""
    f, b = res["figure"], res["baseline"]
    print(f"\n{res['bench']} at {res['size']:,} {res['data']}:")
    print(f"  figure:   {f['name']}: {fmt(f['value'])} {f['unit']}")
    print(f"  baseline: {b['name']}: {fmt(b['value'])} {b['unit']}")
    print(f"  ratio:    {res['ratio']:.2f}")


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
