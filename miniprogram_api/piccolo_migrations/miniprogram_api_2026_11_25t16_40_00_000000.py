"""Constraints and lookups Piccolo's column options cannot express (written by hand).

* UNIQUE(staff, client_id) on patrol visits: a phone's retry never logs a visit twice, also
  when two retries race.
* Lookups: a user's sessions and binding requests, a house unit's requests.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T16:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "miniprogram_api: unique patrol client ids, lookup indexes"

INDEXES = (
    ("ux_mp_patrol_client", "mp_patrol_visit", "staff, client_id"),
    ("ix_mp_patrol_staff", "mp_patrol_visit", "staff, id"),
    ("ix_mp_session_identity", "mp_session", "identity"),
    ("ix_mp_request_identity", "mp_binding_request", "identity, id"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="miniprogram_api", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns in INDEXES:
            unique = "UNIQUE " if name.startswith("ux_") else ""
            await engine.run_ddl(
                f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns})"
            )

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, _, _ in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
