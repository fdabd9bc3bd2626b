from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.cases.tables import Case, CaseAttachment, CaseMessage, FollowUpFailure

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Case, CaseMessage, CaseAttachment, FollowUpFailure],
    migration_dependencies=["registry.accessions.piccolo_app"],
    commands=[],
)
