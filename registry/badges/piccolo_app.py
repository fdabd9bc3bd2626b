from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.badges.tables import Badge, BadgeImage, CredentialIssue, StatusList

APP_CONFIG = AppConfig(
    app_name="badges",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Badge, BadgeImage, CredentialIssue, StatusList],
    migration_dependencies=["registry.accessions.piccolo_app"],
    commands=[],
)
