"""The database engine and the one write-transaction helper every service uses.

Measured traps on this stack, handled here once:

* Piccolo on SQLite opens a connection per query, and a default (deferred) write transaction
  under concurrency fails with "database is locked" almost every time. So the file runs in WAL
  mode, every connection has a busy timeout, and write transactions begin ``IMMEDIATE`` — they
  queue for the write lock up front instead of failing on their first write.
* A failed ``BEGIN IMMEDIATE`` (busy timeout exceeded) leaves Piccolo's aiosqlite connection
  open, whose thread then hangs the process at exit; our transaction closes it.
* Building a Piccolo engine connects to the server, so the engine is built lazily on first use,
  never at import time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

from backend.config import Settings, load_settings

SQLITE_BUSY_TIMEOUT_S = 30.0

APPS = (
    "grid.piccolo_app",
    "backend.piccolo_app",
    "media.piccolo_app",
    "grid.cases.piccolo_app",
    "community.piccolo_app",
    "miniprogram_api.piccolo_app",
    "bots.piccolo_app",
)

_engine: Engine | None = None
_built_from: dict[int, str] = {}


class _ClosingSQLiteTransaction(SQLiteTransaction):
    """Closes its connection when ``BEGIN`` itself fails (see module docstring)."""

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            await self.connection.close()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self


class GridSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, a busy timeout and transactions that clean up after a failed BEGIN."""

    async def get_connection(self) -> Any:
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def transaction(  # type: ignore[override]
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _ClosingSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder and switch the file to WAL (a persistent property of the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode = WAL")


def build_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        prepare_sqlite_file(settings.sqlite_path)
        engine: Engine = GridSQLiteEngine(
            path=str(settings.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_S
        )
    else:
        dsn = settings.database_url.replace("postgres://", "postgresql://", 1)
        engine = PostgresEngine(config={"dsn": dsn}, extensions=())
    _built_from[id(engine)] = settings.database_url
    return engine


def ensure_engine(settings: Settings) -> Engine:
    """The current engine if it serves ``settings.database_url``, else a new one put in use."""
    if _engine is not None and _built_from.get(id(_engine)) == settings.database_url:
        return _engine
    engine = build_engine(settings)
    use_engine(engine)
    return engine


def get_engine() -> Engine:
    """The process's engine, built from the environment on first use."""
    global _engine
    if _engine is None:
        use_engine(build_engine(load_settings()))
    assert _engine is not None
    return _engine


def all_tables() -> list[Any]:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    return [*Finder().get_table_classes(), Migration]


def use_engine(engine: Engine) -> None:
    """Make ``engine`` the one every table and Piccolo's migration runner use."""
    global _engine
    _engine = engine
    for table in all_tables():
        table._meta.db = engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or get_engine(), SQLiteEngine)


def write_transaction() -> Any:
    """The transaction every use case that writes runs in (``async with write_transaction():``).

    Nested calls join the outer transaction, so a service may call another service.
    """
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def _keep_session(connection: Any) -> None:
    """Nothing to reset when a pooled connection comes back (see :func:`open_pool`)."""


async def open_pool(engine: Engine, max_size: int = 20) -> None:
    """Start the engine's asyncpg pool (PostgreSQL).

    asyncpg's default release sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` after every use: one more round trip per query outside a transaction, i.e. per
    pool acquisition (2 of the 4 round trips of a report before this). The code leaves no
    session state behind — advisory locks are ``pg_advisory_xact_lock``, settings are
    ``SET LOCAL``/``SET TRANSACTION``, no ``LISTEN``, no cursors outside transactions — so the
    reset is skipped. asyncpg still rolls back a transaction left open on release.
    """
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=max_size, reset=_keep_session)


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def _cannot_reach(exc: BaseException) -> bool:
    import asyncpg

    if isinstance(
        exc,
        asyncpg.PostgresConnectionError  # connection lost, refused, does not exist
        | asyncpg.exceptions.OperatorInterventionError  # shutting down, starting up
        | asyncpg.TooManyConnectionsError
        | asyncpg.InterfaceError  # "connection is closed"
        | asyncpg.exceptions.InternalClientError  # a connection left mid-protocol by its loss
        | ConnectionError,  # refused or reset below asyncpg
    ):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` only says the database cannot be reached right now (a restart, a
    failover, a full connection table, SQLite's busy timeout) — a 503 the client may retry,
    not a bug. Looks through exception groups (Litestar resolves dependencies in a task group)
    and explicit causes; every leaf must be such an error."""
    if isinstance(exc, BaseExceptionGroup):
        return all(unavailable(inner) for inner in exc.exceptions)
    while exc is not None:
        if _cannot_reach(exc):
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


async def fetch_direct(sql: str, args: list[Any]) -> list[Any]:
    """Run PostgreSQL ``sql`` (``$n`` parameters) on asyncpg itself, inside the current
    transaction if there is one, else on a pooled connection: for hot paths where Piccolo's
    query building costs more than the statement. Rows are asyncpg records."""
    engine: Any = get_engine()
    transaction = engine.current_transaction.get()
    if transaction is not None:
        return list(await transaction.connection.fetch(sql, *args))
    if engine.pool is not None:
        async with engine.pool.acquire() as connection:
            return list(await connection.fetch(sql, *args))
    connection = await engine.get_new_connection()
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


async def ping() -> bool:
    try:
        await get_engine().run_ddl("SELECT 1")
    except Exception:
        return False
    return True


async def migrate() -> None:
    """Apply every pending migration of every app, in dependency order."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def pending_migrations() -> list[str]:
    """Ids of migrations present in the code but not yet applied to the database."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    manager = BaseMigrationManager()
    pending: list[str] = []
    if not await Migration.table_exists():
        return ["(no migrations table)"]
    for app_config in Finder().get_app_configs():
        modules = manager.get_migration_modules(app_config.resolved_migrations_folder_path)
        ran = set(await Migration.get_migrations_which_ran(app_name=app_config.app_name))
        pending += [
            f"{app_config.app_name}:{i}" for i in manager.get_migration_ids(modules) if i not in ran
        ]
    return pending
