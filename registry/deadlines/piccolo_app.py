from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.deadlines.tables import Deadline, ScheduledJob

APP_CONFIG = AppConfig(
    app_name="deadlines",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Deadline, ScheduledJob],
    migration_dependencies=[],
    commands=[],
)
