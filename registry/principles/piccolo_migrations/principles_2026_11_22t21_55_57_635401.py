from registry.db import ddl_migration

ID = "2026-11-22T21:55:57:635401"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes: one text per language, one version in force"

# Composite and partial unique indexes as plain DDL, which SQLite and PostgreSQL both
# accept (Piccolo's composite Unique constraint breaks on SQLite).
FORWARDS = [
    "CREATE UNIQUE INDEX principles_text_version_language "
    "ON principles_text (version, language)",
    "CREATE UNIQUE INDEX principles_version_one_in_force "
    "ON principles_version (status) WHERE status = 'in_force'",
]
BACKWARDS = [
    "DROP INDEX principles_version_one_in_force",
    "DROP INDEX principles_text_version_language",
]


async def forwards():
    return ddl_migration(migration_id=ID, app_name="principles", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
