from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T02:05:10:232759"
VERSION = "1.38.0"
DESCRIPTION = "The persecuted mark, sealed"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accessions", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="persecution",
        db_column_name="persecution",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
