"""Open311 clients (hashed API keys) and what each Open311 request brought (written by hand:
one DDL per engine, the same columns as ``backend.tables``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-25T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "open311 clients and requests"

CLIENT = (
    'CREATE TABLE IF NOT EXISTS "open311_client" ("id" {serial} PRIMARY KEY NOT NULL, '
    "\"name\" VARCHAR(100) NOT NULL DEFAULT '', "
    "\"key_hash\" VARCHAR(64) UNIQUE NOT NULL DEFAULT '', "
    '"created_by" INTEGER REFERENCES "staff_account" ("id") ON DELETE SET NULL '
    "ON UPDATE CASCADE DEFAULT null, "
    '"created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
    '"revoked_at" TIMESTAMPTZ DEFAULT null)'
)
REQUEST = (
    'CREATE TABLE IF NOT EXISTS "open311_request" ("id" {serial} PRIMARY KEY NOT NULL, '
    '"case_id" {bigint} UNIQUE NOT NULL DEFAULT 0, '
    '"client" INTEGER REFERENCES "open311_client" ("id") ON DELETE RESTRICT '
    "ON UPDATE CASCADE DEFAULT null, "
    "\"token\" VARCHAR(36) UNIQUE NOT NULL DEFAULT '', "
    "\"attributes\" JSON NOT NULL DEFAULT '{{}}', "
    "\"media_url\" VARCHAR(2000) NOT NULL DEFAULT '', "
    "\"contact\" TEXT NOT NULL DEFAULT '', "
    '"created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)'
)
INDEX = 'CREATE INDEX IF NOT EXISTS ix_open311_request_client ON "open311_request" ("client")'


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="backend", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        sqlite = isinstance(engine, SQLiteEngine)
        types = {
            "serial": "INTEGER" if sqlite else "SERIAL",
            "bigint": "INTEGER" if sqlite else "BIGINT",
        }
        await engine.run_ddl(CLIENT.format(**types))
        await engine.run_ddl(REQUEST.format(**types))
        await engine.run_ddl(INDEX)

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl('DROP TABLE IF EXISTS "open311_request"')
        await engine.run_ddl('DROP TABLE IF EXISTS "open311_client"')

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
