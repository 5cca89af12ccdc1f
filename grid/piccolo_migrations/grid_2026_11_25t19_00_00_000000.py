"""Personal-data requests (export, erasure) and retired ids.

The tables are recorded through the ``MigrationManager`` (so ``piccolo migrations new --auto``
knows them); what Piccolo's column options cannot say is raw SQL after them: the composite
index on a request's subject (instead of Piccolo's one-column indexes, the same indexes as the
first, raw-DDL version of this migration built) and, on SQLite, the triggers that keep a
deleted resident's id from ever being handed out again (PostgreSQL sequences never go back on
their own).
"""

from enum import Enum
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, BigInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from backend.migration_stages import StagedMigration

ID = "2026-11-25T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "personal data requests and retired ids"

# Piccolo names an index on ``column`` "<table>_<column>"; ours replace these two
PICCOLO_INDEXES = ("personal_data_request_subject_id", "personal_data_request_unit_prefix")
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_personal_data_request_subject "
    'ON "personal_data_request" ("subject_kind", "subject_id")',
    "CREATE INDEX IF NOT EXISTS ix_personal_data_request_prefix "
    'ON "personal_data_request" ("unit_prefix")',
)
# SQLite: remember the highest deleted id; refuse (loudly) an insert that would take one.
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS resident_retires_id AFTER DELETE ON resident BEGIN "
    "INSERT OR REPLACE INTO retired_id (id, table_name, last_id) VALUES ("
    "(SELECT id FROM retired_id WHERE table_name = 'resident'), 'resident', "
    "max(OLD.id, coalesce((SELECT last_id FROM retired_id WHERE table_name = 'resident'), 0)));"
    " END",
    "CREATE TRIGGER IF NOT EXISTS resident_keeps_retired_ids AFTER INSERT ON resident "
    "WHEN NEW.id <= coalesce((SELECT last_id FROM retired_id WHERE table_name = 'resident'), 0) "
    "BEGIN SELECT RAISE(ABORT, 'resident id is retired'); END",
)


def _params(**given: Any) -> dict[str, Any]:
    """A column's full parameters, as ``piccolo migrations new --auto`` writes them."""
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    } | given


def _tables(manager: MigrationManager) -> None:
    request = {"table_class_name": "PersonalDataRequest", "tablename": "personal_data_request"}
    manager.add_table(class_name="PersonalDataRequest", tablename="personal_data_request")
    kinds = Enum("DataRequestKind", {"export": "export", "erasure": "erasure"})  # type: ignore[misc]
    for name, column_class, params in (
        ("kind", Varchar, _params(length=16, default="", choices=kinds)),
        ("subject_kind", Varchar, _params(length=16, default="")),
        ("subject_id", BigInt, _params(default=0, index=True)),
        ("unit_prefix", Varchar, _params(length=18, default="", index=True)),
        ("requested_by_kind", Varchar, _params(length=16, default="")),
        ("requested_by_id", BigInt, _params(default=0)),
        ("reason", Varchar, _params(length=200, default="")),
        ("summary", JSON, _params(default="{}")),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            **request,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    retired = {"table_class_name": "RetiredId", "tablename": "retired_id"}
    manager.add_table(class_name="RetiredId", tablename="retired_id")
    for name, column_class, params in (
        ("table_name", Varchar, _params(length=64, default="", unique=True)),
        ("last_id", BigInt, _params(default=0)),
    ):
        manager.add_column(
            **retired,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )


def _engine() -> tuple[Engine, bool]:
    engine = engine_finder()
    assert engine is not None
    return engine, isinstance(engine, SQLiteEngine)


async def _indexes_and_triggers() -> None:
    engine, sqlite = _engine()
    for name in PICCOLO_INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
    for ddl in INDEXES:
        await engine.run_ddl(ddl)
    if sqlite:
        for ddl in SQLITE_TRIGGERS:
            await engine.run_ddl(ddl)


async def _drop_triggers() -> None:
    engine, sqlite = _engine()
    if sqlite:
        await engine.run_ddl("DROP TRIGGER IF EXISTS resident_retires_id")
        await engine.run_ddl("DROP TRIGGER IF EXISTS resident_keeps_retired_ids")


async def forwards() -> MigrationManager:
    manager = StagedMigration(migration_id=ID, app_name="grid", description=DESCRIPTION)
    manager.schema(_tables)
    manager.data(_indexes_and_triggers, _drop_triggers)
    return manager
