from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.changes.tables import ChangeCounter

APP_CONFIG = AppConfig(
    app_name="changes",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[ChangeCounter],
    migration_dependencies=[],
    commands=[],
)
