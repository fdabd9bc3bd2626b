from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.accessions.tables import (
    Accession,
    AccessionLink,
    AccessionMessage,
    Signatory,
    SignatoryEvent,
)

APP_CONFIG = AppConfig(
    app_name="accessions",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Signatory, SignatoryEvent, Accession, AccessionMessage, AccessionLink],
    migration_dependencies=["registry.principles.piccolo_app"],
    commands=[],
)
