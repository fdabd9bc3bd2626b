from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T02:05:15:839929"
VERSION = "1.38.0"
DESCRIPTION = "Deadline columns and the status history table leave the signatory"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accessions", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="SignatoryEvent", tablename="signatory_event", schema=None
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="grace_until",
        db_column_name="grace_until",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="persecuted_since",
        db_column_name="persecuted_since",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="reaffirm_due",
        db_column_name="reaffirm_due",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="reminded_at",
        db_column_name="reminded_at",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="suspended_until",
        db_column_name="suspended_until",
        schema=None,
    )

    manager.drop_column(
        table_class_name="Signatory",
        tablename="signatory",
        column_name="withdrawal_effective_at",
        db_column_name="withdrawal_effective_at",
        schema=None,
    )

    return manager
