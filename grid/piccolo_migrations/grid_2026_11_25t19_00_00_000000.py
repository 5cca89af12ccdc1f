"""Personal-data requests (export, erasure) and retired ids (written by hand: one DDL per
engine, the same columns as ``grid.tables``; the SQLite triggers keep a deleted resident's id
from ever being handed out again — PostgreSQL sequences never go back on their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-25T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "personal data requests and retired ids"

REQUEST = (
    'CREATE TABLE IF NOT EXISTS "personal_data_request" ("id" {serial} PRIMARY KEY NOT NULL, '
    "\"kind\" VARCHAR(16) NOT NULL DEFAULT '', "
    "\"subject_kind\" VARCHAR(16) NOT NULL DEFAULT '', "
    '"subject_id" {bigint} NOT NULL DEFAULT 0, '
    "\"unit_prefix\" VARCHAR(18) NOT NULL DEFAULT '', "
    "\"requested_by_kind\" VARCHAR(16) NOT NULL DEFAULT '', "
    '"requested_by_id" {bigint} NOT NULL DEFAULT 0, '
    "\"reason\" VARCHAR(200) NOT NULL DEFAULT '', "
    "\"summary\" JSON NOT NULL DEFAULT '{{}}', "
    '"at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)'
)
RETIRED = (
    'CREATE TABLE IF NOT EXISTS "retired_id" ("id" {serial} PRIMARY KEY NOT NULL, '
    "\"table_name\" VARCHAR(64) UNIQUE NOT NULL DEFAULT '', "
    '"last_id" {bigint} NOT NULL DEFAULT 0)'
)
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


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="grid", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        sqlite = isinstance(engine, SQLiteEngine)
        types = {
            "serial": "INTEGER" if sqlite else "SERIAL",
            "bigint": "INTEGER" if sqlite else "BIGINT",
        }
        await engine.run_ddl(REQUEST.format(**types))
        await engine.run_ddl(RETIRED.format(**types))
        for ddl in INDEXES:
            await engine.run_ddl(ddl)
        if sqlite:
            for ddl in SQLITE_TRIGGERS:
                await engine.run_ddl(ddl)

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl("DROP TRIGGER IF EXISTS resident_retires_id")
            await engine.run_ddl("DROP TRIGGER IF EXISTS resident_keeps_retired_ids")
        await engine.run_ddl('DROP TABLE IF EXISTS "retired_id"')
        await engine.run_ddl('DROP TABLE IF EXISTS "personal_data_request"')

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
