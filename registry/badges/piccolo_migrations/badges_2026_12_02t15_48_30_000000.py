from registry.db import ddl_migration

ID = "2026-12-02T15:48:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "One image row per badge and language"

# The rows are drawn again on the first request for each (registry/badges/services.py):
# a badge made before images had languages gets its three there, with no step of its own.


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="badges", description=DESCRIPTION,
        forwards=["CREATE UNIQUE INDEX badge_image_one_per_language ON badge_image "
                  "(badge, language)"],
        backwards=["DROP INDEX badge_image_one_per_language"],
    )
