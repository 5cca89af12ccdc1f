"""Open311 clients (hashed API keys) and what each Open311 request brought.

The tables are recorded through the ``MigrationManager`` (so ``piccolo migrations new --auto``
knows them), with the same columns as ``backend.tables``; the index on a request's client is
raw SQL after them (the first, raw-DDL version of this migration built the same schema).
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    ForeignKey,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

from backend.migration_stages import StagedMigration

ID = "2026-11-25T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "open311 clients and requests"

INDEX = 'CREATE INDEX IF NOT EXISTS ix_open311_request_client ON "open311_request" ("client")'


def _id() -> Serial:
    return Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class StaffAccount(Table, tablename="staff_account", schema=None):
    """What ``open311_client.created_by`` refers to (as auto migrations write it)."""

    id = _id()


class Open311Client(Table, tablename="open311_client", schema=None):
    """What ``open311_request.client`` refers to (as auto migrations write it)."""

    id = _id()


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
    tables = {
        "Open311Client": (
            "open311_client",
            (
                ("name", Varchar, _params(length=100, default="")),
                ("key_hash", Varchar, _params(length=64, default="", unique=True)),
                (
                    "created_by",
                    ForeignKey,
                    _params(
                        references=StaffAccount,
                        on_delete=OnDelete.set_null,
                        on_update=OnUpdate.cascade,
                        target_column=None,
                        null=True,
                    ),
                ),
                ("created_at", Timestamptz, _params(default=TimestamptzNow())),
                ("revoked_at", Timestamptz, _params(default=None, null=True)),
            ),
        ),
        "Open311Request": (
            "open311_request",
            (
                ("case_id", BigInt, _params(default=0, unique=True)),
                (
                    "client",
                    ForeignKey,
                    _params(
                        references=Open311Client,
                        on_delete=OnDelete.restrict,
                        on_update=OnUpdate.cascade,
                        target_column=None,
                        null=True,
                    ),
                ),
                ("token", Varchar, _params(length=36, default="", unique=True)),
                ("attributes", JSON, _params(default="{}")),
                ("media_url", Varchar, _params(length=2000, default="")),
                ("contact", Text, _params(default="")),
                ("created_at", Timestamptz, _params(default=TimestamptzNow())),
            ),
        ),
    }
    for class_name, (tablename, columns) in tables.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
            )


async def _index() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(INDEX)


async def forwards() -> MigrationManager:
    manager = StagedMigration(migration_id=ID, app_name="backend", description=DESCRIPTION)
    manager.schema(_tables)
    manager.data(_index)  # going back, the index goes with its table
    return manager
