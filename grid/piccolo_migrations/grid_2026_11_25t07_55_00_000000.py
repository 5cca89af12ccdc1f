"""Composite unique indexes, which Piccolo's column options cannot express (written by hand)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T07:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

INDEXES = (
    ("ux_house_unit_address", "house_unit", "micro_grid, building, entrance, room"),
    ("ux_ownership_pair", "ownership", "house_unit, owner"),
    ("ux_resident_tag_pair", "resident_tag", "resident, tag"),
    ("ux_role_assignment_grant", "role_assignment", "staff, role, unit"),
    ("ix_resident_household", "resident", "household"),
    ("ix_role_assignment_staff", "role_assignment", "staff"),
    ("ix_org_unit_parent", "org_unit", "parent"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="grid", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns in INDEXES:
            unique = "UNIQUE " if name.startswith("ux_") else ""
            await engine.run_ddl(f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, _, _ in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
