from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.facts.tables import PublicFact

APP_CONFIG = AppConfig(
    app_name="facts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PublicFact],
    migration_dependencies=[],
    commands=[],
)
