from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.limits.tables import UseCount

APP_CONFIG = AppConfig(
    app_name="limits",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[UseCount],
    migration_dependencies=[],
    commands=[],
)
