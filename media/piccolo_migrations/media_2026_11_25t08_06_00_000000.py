"""Composite indexes of the media tables, which Piccolo's column options cannot express.

Kept apart from the table migration because raw steps run before table creation inside one
migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T08:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "media composite indexes"

INDEXES = (
    # the same person uploading the same picture twice gets the same photo back
    ("ux_media_photo_upload", "media_photo", "uploader_kind, uploader_id, image"),
    ("ux_media_photo_link", "media_photo_link", "photo, owner_kind, owner_id, purpose"),
    ("ix_media_photo_link_owner", "media_photo_link", "owner_kind, owner_id, purpose"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="media", description=DESCRIPTION)

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
