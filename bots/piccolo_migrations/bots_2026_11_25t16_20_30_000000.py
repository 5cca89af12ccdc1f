"""Unique keys the bots rely on (written by hand): one link and one conversation per chat,
one delivery record per (outbox row, chat)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T16:20:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "bots: unique chat links, conversations and deliveries"

INDEXES = (
    ("ux_bot_link_chat", "bot_channel_link", "channel, external_id"),
    ("ix_bot_link_account", "bot_channel_link", "account_kind, account_id"),
    ("ux_bot_conversation_chat", "bot_conversation", "channel, external_id"),
    ("ux_bot_delivery_chat", "bot_delivery", "outbox_id, channel, external_id"),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="bots", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, table, columns in INDEXES:
            unique = "UNIQUE " if name.startswith("ux_") else ""
            await engine.run_ddl(
                f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns})"
            )

    manager.add_raw(create)
    return manager
