from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="community",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=table_finder(modules=["community.tables"], exclude_imported=True),
    migration_dependencies=["grid.piccolo_app"],
)

# Every process imports its Piccolo apps when it puts its engine in use (backend.db.use_engine),
# so the consultation, comment and ballot-scan rules for photos are registered with media
# before any photo is checked.
import community.services.attachments  # noqa: E402,F401
