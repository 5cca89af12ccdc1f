"""Residents' and owners' names and house addresses sealed at rest, resident names searchable
by keyed tokens
(written by hand: the data has to be converted between the schema steps).

The schema changes are recorded through the ``MigrationManager`` (so ``piccolo migrations
new --auto`` knows them) and the data conversions run between them
(:mod:`backend.migration_stages`); the resulting schema is the one the first, raw-DDL version
of this migration built (same index names).

Forwards: add ``resident.name_enc``, ``owner.name_enc``/``owner.name_hash`` and
``house_unit.address_enc``, create ``resident_name_token``, encrypt every stored name and
address, write the name tokens and owner name hashes (:mod:`backend.pii`, key from
``GRIDGOV_PII_KEY``), then drop the clear columns.

Backwards (reversible in spirit): add the clear columns again, fill them by decrypting with
the same key, drop the sealed columns and the token table. Without the key that sealed the
rows nothing can be restored — which is the point; keep the key with the database backups.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.querystring import QueryString
from piccolo.table import Table

from backend.migration_stages import StagedMigration
from backend.pii import name_lookup_hash, name_tokens, open_text, seal_text

ID = "2026-11-25T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "names and addresses sealed, name token index"

# Piccolo names the index of ``owner.name_hash`` "owner_name_hash"; ours replaces it
PICCOLO_OWNER_INDEX = "owner_name_hash"
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_resident_name_token_token "
    'ON "resident_name_token" ("token", "resident")',
    "CREATE INDEX IF NOT EXISTS ix_resident_name_token_resident "
    'ON "resident_name_token" ("resident")',
)
OWNER_INDEX = 'CREATE INDEX IF NOT EXISTS ix_owner_name_hash ON "owner" ("name_hash")'
BATCH = 500


class Resident(Table, tablename="resident", schema=None):
    """What the foreign key of ``resident_name_token`` refers to (as auto migrations write it)."""

    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
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


def _add(manager: MigrationManager, table: str, column: str, kind: Any, **params: Any) -> None:
    manager.add_column(
        table_class_name="".join(part.title() for part in table.split("_")),
        tablename=table,
        column_name=column,
        db_column_name=column,
        column_class_name=kind.__name__,
        column_class=kind,
        params=_params(**params),
    )


def _sealed_columns(manager: MigrationManager) -> None:
    _add(manager, "resident", "name_enc", Text, default="")
    _add(manager, "house_unit", "address_enc", Text, default="")
    _add(manager, "owner", "name_enc", Text, default="")
    _add(manager, "owner", "name_hash", Varchar, length=64, default="", index=True)
    manager.add_table(class_name="ResidentNameToken", tablename="resident_name_token")
    _add(
        manager,
        "resident_name_token",
        "resident",
        ForeignKey,
        references=Resident,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.no_action,
        target_column=None,
    )
    _add(manager, "resident_name_token", "token", Varchar, length=32, default="")


def _clear_columns_dropped(manager: MigrationManager) -> None:
    for table, column in (("resident", "name"), ("house_unit", "address"), ("owner", "name")):
        manager.drop_column(
            table_class_name="".join(part.title() for part in table.split("_")),
            tablename=table,
            column_name=column,
            db_column_name=column,
        )


def _engine() -> Engine:
    engine = engine_finder()
    assert engine is not None
    return engine


async def _run(engine: Engine, sql: str, *values: Any) -> list[dict[str, Any]]:
    return await engine.run_querystring(QueryString(sql, *values)) or []


async def _convert(engine: Engine, table: str, source: str, target: str, seal: Any) -> None:
    for row in await _run(engine, f'SELECT "id", "{source}" AS v FROM "{table}"'):
        await _run(
            engine,
            f'UPDATE "{table}" SET "{target}" = {{}} WHERE "id" = {{}}',
            seal(row["v"] or ""),
            row["id"],
        )


async def _index(engine: Engine) -> None:
    rows = await _run(engine, 'SELECT "id", "name_enc" FROM "resident"')
    pairs = [(r["id"], t) for r in rows for t in sorted(name_tokens(open_text(r["name_enc"])))]
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        marks = ", ".join("({}, {})" for _ in chunk)
        values = [v for pair in chunk for v in pair]
        await _run(
            engine, f'INSERT INTO "resident_name_token" ("resident", "token") VALUES {marks}', *values
        )


async def forwards() -> MigrationManager:
    manager = StagedMigration(migration_id=ID, app_name="grid", description=DESCRIPTION)

    async def seal() -> None:
        engine = _engine()
        await engine.run_ddl(f"DROP INDEX IF EXISTS {PICCOLO_OWNER_INDEX}")
        await engine.run_ddl(OWNER_INDEX)
        for ddl in INDEXES:
            await engine.run_ddl(ddl)
        await _convert(engine, "resident", "name", "name_enc", seal_text)
        await _convert(engine, "house_unit", "address", "address_enc", seal_text)
        await _convert(engine, "owner", "name", "name_hash", name_lookup_hash)
        await _convert(engine, "owner", "name", "name_enc", seal_text)
        await _index(engine)
        # demo data written before the loader mapped genders held 男/女, which reads failed on
        await engine.run_ddl("UPDATE \"resident\" SET \"gender\" = 'male' WHERE \"gender\" = '男'")
        await engine.run_ddl("UPDATE \"resident\" SET \"gender\" = 'female' WHERE \"gender\" = '女'")

    async def unseal() -> None:
        engine = _engine()
        await _convert(engine, "resident", "name_enc", "name", open_text)
        await _convert(engine, "house_unit", "address_enc", "address", open_text)
        await _convert(engine, "owner", "name_enc", "name", open_text)
        # SQLite cannot drop an indexed column; the token table's indexes go with the table
        await engine.run_ddl(f"DROP INDEX IF EXISTS {OWNER_INDEX.split()[5]}")

    manager.schema(_sealed_columns)
    manager.data(seal, unseal)
    manager.schema(_clear_columns_dropped)
    return manager
