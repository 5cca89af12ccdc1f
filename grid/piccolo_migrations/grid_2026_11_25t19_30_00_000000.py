"""Residents' and owners' names and house addresses sealed at rest, resident names searchable
by keyed tokens
(written by hand: the data has to be converted between the schema steps).

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
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from backend.pii import name_lookup_hash, name_tokens, open_text, seal_text

ID = "2026-11-25T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "names and addresses sealed, name token index"

TOKENS = (
    'CREATE TABLE IF NOT EXISTS "resident_name_token" ("id" {serial} PRIMARY KEY NOT NULL, '
    '"resident" INTEGER NOT NULL REFERENCES "resident" ("id") ON DELETE CASCADE, '
    "\"token\" VARCHAR(32) NOT NULL DEFAULT '')"
)
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_resident_name_token_token "
    'ON "resident_name_token" ("token", "resident")',
    "CREATE INDEX IF NOT EXISTS ix_resident_name_token_resident "
    'ON "resident_name_token" ("resident")',
)
OWNER_INDEX = 'CREATE INDEX IF NOT EXISTS ix_owner_name_hash ON "owner" ("name_hash")'
BATCH = 500


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
    manager = MigrationManager(migration_id=ID, app_name="grid", description=DESCRIPTION)

    async def seal() -> None:
        engine = _engine()
        serial = "INTEGER" if isinstance(engine, SQLiteEngine) else "SERIAL"
        await engine.run_ddl(
            "ALTER TABLE \"resident\" ADD COLUMN \"name_enc\" TEXT NOT NULL DEFAULT ''"
        )
        await engine.run_ddl(
            "ALTER TABLE \"house_unit\" ADD COLUMN \"address_enc\" TEXT NOT NULL DEFAULT ''"
        )
        await engine.run_ddl("ALTER TABLE \"owner\" ADD COLUMN \"name_enc\" TEXT NOT NULL DEFAULT ''")
        await engine.run_ddl(
            "ALTER TABLE \"owner\" ADD COLUMN \"name_hash\" VARCHAR(64) NOT NULL DEFAULT ''"
        )
        await engine.run_ddl(OWNER_INDEX)
        await engine.run_ddl(TOKENS.format(serial=serial))
        for ddl in INDEXES:
            await engine.run_ddl(ddl)
        await _convert(engine, "resident", "name", "name_enc", seal_text)
        await _convert(engine, "house_unit", "address", "address_enc", seal_text)
        await _convert(engine, "owner", "name", "name_hash", name_lookup_hash)
        await _convert(engine, "owner", "name", "name_enc", seal_text)
        await _index(engine)
        await engine.run_ddl('ALTER TABLE "resident" DROP COLUMN "name"')
        # demo data written before the loader mapped genders held 男/女, which reads failed on
        await engine.run_ddl("UPDATE \"resident\" SET \"gender\" = 'male' WHERE \"gender\" = '男'")
        await engine.run_ddl("UPDATE \"resident\" SET \"gender\" = 'female' WHERE \"gender\" = '女'")
        await engine.run_ddl('ALTER TABLE "house_unit" DROP COLUMN "address"')
        await engine.run_ddl('ALTER TABLE "owner" DROP COLUMN "name"')

    async def unseal() -> None:
        engine = _engine()
        await engine.run_ddl(
            "ALTER TABLE \"resident\" ADD COLUMN \"name\" VARCHAR(100) NOT NULL DEFAULT ''"
        )
        await engine.run_ddl(
            "ALTER TABLE \"house_unit\" ADD COLUMN \"address\" VARCHAR(200) NOT NULL DEFAULT ''"
        )
        await _convert(engine, "resident", "name_enc", "name", open_text)
        await _convert(engine, "house_unit", "address_enc", "address", open_text)
        await engine.run_ddl(
            "ALTER TABLE \"owner\" ADD COLUMN \"name\" VARCHAR(100) NOT NULL DEFAULT ''"
        )
        await _convert(engine, "owner", "name_enc", "name", open_text)
        await engine.run_ddl(f"DROP INDEX IF EXISTS {OWNER_INDEX.split()[5]}")
        await engine.run_ddl('ALTER TABLE "owner" DROP COLUMN "name_hash"')
        await engine.run_ddl('ALTER TABLE "owner" DROP COLUMN "name_enc"')
        await engine.run_ddl('DROP TABLE IF EXISTS "resident_name_token"')
        await engine.run_ddl('ALTER TABLE "resident" DROP COLUMN "name_enc"')
        await engine.run_ddl('ALTER TABLE "house_unit" DROP COLUMN "address_enc"')

    manager.add_raw(seal)
    manager.add_raw_backwards(unseal)
    return manager
