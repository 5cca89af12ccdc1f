from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=Path(__file__).parent / "piccolo_migrations",
    table_classes=table_finder(modules=["grid.cases.tables"], exclude_imported=True),
    migration_dependencies=["grid.piccolo_app"],
)

# Every process imports its Piccolo apps when it puts its engine in use (backend.db.use_engine),
# so the case rule for photos is registered with media before any photo is checked.
import grid.cases.services.photos  # noqa: E402,F401
