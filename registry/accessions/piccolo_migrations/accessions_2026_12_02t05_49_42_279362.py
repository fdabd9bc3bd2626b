from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-12-02T05:49:42:279362"
VERSION = "1.38.0"
DESCRIPTION = "A link to declare a conflict of interest"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accessions", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="AccessionLink",
        tablename="accession_link",
        column_name="purpose",
        db_column_name="purpose",
        params={
            "choices": Enum(
                "LinkPurpose",
                {
                    "confirm": "confirm",
                    "receipt": "receipt",
                    "answer": "answer",
                    "reaffirm": "reaffirm",
                    "withdraw": "withdraw",
                    "cancel_withdrawal": "cancel_withdrawal",
                    "reaccede": "reaccede",
                    "declare_conflict": "declare_conflict",
                },
            )
        },
        old_params={
            "choices": Enum(
                "LinkPurpose",
                {
                    "confirm": "confirm",
                    "receipt": "receipt",
                    "answer": "answer",
                    "reaffirm": "reaffirm",
                    "withdraw": "withdraw",
                    "cancel_withdrawal": "cancel_withdrawal",
                    "reaccede": "reaccede",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
