"""Indexes Piccolo's column options cannot express, and the seed data (written by hand).

Raw steps run before table creation within one migration, so they live here, after the
auto-generated migration that creates the tables.

* UNIQUE(reporter_kind, reporter_id, client_id): a retried report returns the same case.
* Partial indexes: the sweep reads only cases it must escalate, the overdue queue only cases
  whose clock runs, delivery only undelivered notifications.
* Seed: the category taxonomy of grid/cases/categories.py and the 2026 holiday schedule of
  grid/cases/calendar.py; rows that already exist (by code / day) are left as admins set them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T08:06:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "cases: composite and partial indexes, seed categories and 2026 holidays"

RUNNING = "('reported', 'filed', 'dispatched', 'in_progress')"
INDEXES = (
    ("ux_case_client", "case_record", "reporter_kind, reporter_id, client_id", ""),
    ("ix_case_sweep", "case_record", "sweep_at", "sweep_at IS NOT NULL"),
    ("ix_case_open_deadline", "case_record", "deadline_at", f"state IN {RUNNING}"),
    ("ix_case_unit_state", "case_record", "unit, state", ""),
    ("ix_case_category_created", "case_record", "category, created_at", ""),
    ("ix_case_department", "case_record", "department", "department IS NOT NULL"),
    ("ix_case_assigned_staff", "case_record", "assigned_staff", "assigned_staff IS NOT NULL"),
    ("ix_case_event_case", "case_event", '"case", id', ""),
    ("ix_outbox_pending", "outbox", "id", "delivered_at IS NULL"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns, where in INDEXES:
            unique = "UNIQUE " if name.startswith("ux_") else ""
            condition = f" WHERE {where}" if where else ""
            await engine.run_ddl(
                f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns}){condition}"
            )

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, _, _, _ in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    async def seed() -> None:
        from grid.cases.calendar import CN_2026
        from grid.cases.categories import seed_rows
        from grid.cases.tables import Category, Holiday

        ids: dict[str, int] = {
            r["code"]: r["id"] for r in await Category.select(Category.code, Category.id)
        }
        for row in seed_rows():
            if row["code"] in ids:
                continue
            values = {k: v for k, v in row.items() if k != "parent_code"}
            parent = ids.get(row["parent_code"]) if row["parent_code"] else None
            inserted = await Category.insert(Category(parent=parent, **values)).returning(
                Category.id
            )
            ids[row["code"]] = inserted[0]["id"]
        days = {r["day"] for r in await Holiday.select(Holiday.day)}
        new = [
            Holiday(day=day, is_workday=is_workday, name=name)
            for day, is_workday, name in CN_2026
            if day not in days
        ]
        if new:
            await Holiday.insert(*new)

    manager.add_raw(create_indexes)
    manager.add_raw(seed)
    manager.add_raw_backwards(drop_indexes)
    return manager
