from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.accessions.tables import Accession, AccessionLink, AccessionMessage, Signatory

APP_CONFIG = AppConfig(
    app_name="accessions",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Signatory, Accession, AccessionMessage, AccessionLink],
    # The data migration of 2026-11-30 writes deadlines and public facts.
    migration_dependencies=["registry.principles.piccolo_app", "registry.facts.piccolo_app",
                            "registry.deadlines.piccolo_app"],
    commands=[],
)
