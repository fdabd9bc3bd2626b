from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-03T15:12:20:438333"
VERSION = "1.38.0"
DESCRIPTION = "An index on the accession's signatory"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accessions", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Accession",
        tablename="accession",
        column_name="signatory",
        db_column_name="signatory",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
