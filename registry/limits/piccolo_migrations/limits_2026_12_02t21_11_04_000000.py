from registry.db import ddl_migration

ID = "2026-12-02T21:11:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "One count per bucket and window"


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="limits", description=DESCRIPTION,
        forwards=["CREATE UNIQUE INDEX limits_use_count_one_per_window ON limits_use_count "
                  "(bucket, window_start)"],
        backwards=["DROP INDEX limits_use_count_one_per_window"],
    )
