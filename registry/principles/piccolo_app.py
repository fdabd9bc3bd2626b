from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.principles.tables import PrinciplesText, PrinciplesVersion

APP_CONFIG = AppConfig(
    app_name="principles",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PrinciplesVersion, PrinciplesText],
    migration_dependencies=[],
    commands=[],
)
