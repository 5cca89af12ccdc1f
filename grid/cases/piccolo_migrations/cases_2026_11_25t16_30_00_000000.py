"""Indexes for the KPIs (grid/cases/kpi_queries.py), written by hand; no column changes.

* The cohort of a period (cases filed in it) and the daily series (reported / closed / due on
  a day) read a time range first and a subtree second: (time, home_prefix), so one index
  serves a district (a range of the time column) and a street (the prefix checked inside the
  index). Closing times are indexed only where set.
* Deferrals (缓办) are history rows with action 'defer': a tiny partial index.
* Worker activity probes each grid worker's history rows in the period: (actor_id, at) for
  rows written by staff.

Measured on 1e6 cases in bench/kpi.py (bench/RESULTS.md, "## KPIs").
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "cases: indexes for KPI queries (period cohorts, daily series, deferrals, activity)"

INDEXES = (
    ("ix_case_filed_home", "case_record", "filed_at, home_prefix", "filed_at IS NOT NULL"),
    ("ix_case_created_home", "case_record", "created_at, home_prefix", ""),
    ("ix_case_closed_home", "case_record", "closed_at, home_prefix", "closed_at IS NOT NULL"),
    ("ix_case_deadline_home", "case_record", "deadline_at, home_prefix", ""),
    ("ix_case_event_defer", "case_event", '"case"', "action = 'defer'"),
    ("ix_case_event_staff_at", "case_event", "actor_id, at", "actor_kind = 'staff'"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns, where in INDEXES:
            condition = f" WHERE {where}" if where else ""
            await engine.run_ddl(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}){condition}"
            )

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, _, _, _ in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
