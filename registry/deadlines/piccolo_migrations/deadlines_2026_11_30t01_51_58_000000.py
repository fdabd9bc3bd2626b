from registry.db import ddl_migration

ID = "2026-11-30T01:51:58:000000"
VERSION = "1.38.0"
DESCRIPTION = "At most one open deadline of a kind per subject"


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="deadlines", description=DESCRIPTION,
        forwards=["CREATE UNIQUE INDEX deadline_one_open_per_kind ON deadline "
                  "(subject, kind) WHERE closed_at IS NULL"],
        backwards=["DROP INDEX deadline_one_open_per_kind"],
    )
