"""Constraints Piccolo's column options cannot express (written by hand).

* UNIQUE(matter, roll_entry) on the current ballot: one ballot per voter per matter, enforced
  by the database whatever the code does.
* UNIQUE(matter, seq) and UNIQUE(event) on chain links: one linear chain per matter.
* UNIQUE(matter, receipt) on ballot events, UNIQUE(matter, voter_key) on the roll,
  UNIQUE(matter, number) on text versions, UNIQUE(comment, liker) on likes.
* Ballot events and chain links are append-only: triggers refuse UPDATE and DELETE on both
  engines, so the log can only be changed by someone who first drops the triggers — which the
  chain verification then exposes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T15:26:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "community: unique constraints, lookup indexes, append-only triggers"

INDEXES = (
    ("ux_community_ballot_entry", "community_ballot", "matter, roll_entry"),
    ("ux_community_event_receipt", "community_ballot_event", "matter, receipt"),
    ("ix_community_event_entry", "community_ballot_event", "roll_entry, id"),
    ("ux_community_chain_seq", "community_chain_link", "matter, seq"),
    ("ux_community_chain_event", "community_chain_link", "event"),
    ("ix_community_pending", "community_chain_pending", "matter, id"),
    ("ux_community_roll_key", "community_roll_entry", "matter, voter_key"),
    ("ix_community_roll_voter", "community_roll_voter", "matter, voter_kind, voter_id"),
    ("ux_community_version", "community_matter_version", "matter, number"),
    ("ix_community_phase_event", "community_phase_event", "matter, id"),
    ("ix_community_comment_matter", "community_comment", "matter, id"),
    ("ux_community_like", "community_comment_like", "comment, liker_kind, liker_id"),
)

APPEND_ONLY = ("community_ballot_event", "community_chain_link")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="community", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns in INDEXES:
            unique = "UNIQUE " if name.startswith("ux_") else ""
            await engine.run_ddl(
                f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns})"
            )
        if engine.engine_type == "sqlite":
            for table in APPEND_ONLY:
                for op in ("UPDATE", "DELETE"):
                    await engine.run_ddl(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} "
                        f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )
        else:
            await engine.run_ddl(
                "CREATE OR REPLACE FUNCTION community_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ "
                "LANGUAGE plpgsql"
            )
            for table in APPEND_ONLY:
                await engine.run_ddl(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION community_append_only()"
                )

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, _, _ in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        for table in APPEND_ONLY:
            if engine.engine_type == "sqlite":
                for op in ("update", "delete"):
                    await engine.run_ddl(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            else:
                await engine.run_ddl(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
