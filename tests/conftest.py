"""Test harness: one database per run, on the engine ``GRIDGOV_TEST_DB`` names.

``GRIDGOV_TEST_DB=sqlite`` (default) uses a temporary SQLite file; ``postgres`` creates a fresh
database on the PostgreSQL server at ``GRIDGOV_TEST_PG_URL`` (default 127.0.0.1:5432/test) and
drops it afterwards, so parallel runs never share tables. Without a reachable server the
PostgreSQL run skips with the reason — except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
# prometheus_client picks its multiprocess mode at import, before any fixture runs.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="gridgov-metrics-"))

from backend import clock, db, pii
from backend.config import Settings, load_settings

TEST_DB = os.environ.get("GRIDGOV_TEST_DB", "sqlite")
PG_URL = os.environ.get("GRIDGOV_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.media_fixtures", "tests.fake_wechat", "tests.telegram_support"]


def service_missing(what: str, error: BaseException) -> None:
    """Skip locally, fail on CI: a CI run must exercise the real service."""
    message = f"{what} is not reachable ({error!r})"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


async def _create_pg_database() -> str:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {PG_URL}", exc)
    name = f"gridgov_test_{uuid.uuid4().hex[:12]}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
async def settings(var_dir: Path) -> AsyncIterator[Settings]:
    """Settings of the test installation, with its database created and migrated."""
    url = (
        await _create_pg_database()
        if TEST_DB == "postgres"
        else f"sqlite:///{var_dir}/test.sqlite3"
    )
    settings = load_settings(
        {"GRIDGOV_DATABASE_URL": url, "GRIDGOV_VAR_DIR": str(var_dir), "GRIDGOV_ENV": "dev"}
    )
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine)
    await db.migrate()
    try:
        yield settings
    finally:
        await db.close_pool(engine)
        if TEST_DB == "postgres":
            await _drop_pg_database(url)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[object]:
    """An HTTP client on the test's own event loop (Litestar's test client runs the app on
    another loop, which a pooled asyncpg engine cannot serve). The app's lifespan work is
    already done by the ``settings`` fixture."""
    import httpx

    from backend.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _real_clock() -> object:
    yield
    clock.reset()


@pytest.fixture(scope="session")
async def world(settings: Settings) -> object:
    """Two streets and a signed-in persona for every role (see tests/personas.py)."""
    from tests.personas import build_world

    return await build_world(settings)
