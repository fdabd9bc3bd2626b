from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from registry.db import ddl_migration

ID = "2026-12-03T15:12:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "Register search indexes on PostgreSQL"

# The register's search matches each word of a query anywhere in the search key
# (`LIKE '%word%'`), in (search_key, id) order. On PostgreSQL:
# - a trigram index (pg_trgm, a trusted extension: the database's owner may create it)
#   finds the few listed signatories a rare word of 3 characters or more matches,
#   without walking all of them;
# - the order index of the listed ones with the columns the filters read lets a walk
#   for a common word (or a word too short for trigrams) filter in the index alone,
#   never visiting the table for a row that does not match.
# SQLite has neither kind and keeps walking the order index.


def _forwards(engine: Engine) -> list[str]:
    if not isinstance(engine, PostgresEngine):
        return []
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX signatory_search_trigrams ON signatory "
            "USING gin (search_key gin_trgm_ops) WHERE register_name IS NOT NULL",
            "CREATE INDEX signatory_register_walk ON signatory (search_key, id) "
            "INCLUDE (status, kind, listing, register_country, version_id) "
            "WHERE register_name IS NOT NULL"]


def _backwards(engine: Engine) -> list[str]:
    return (["DROP INDEX signatory_register_walk", "DROP INDEX signatory_search_trigrams"]
            if isinstance(engine, PostgresEngine) else [])


async def forwards():
    return ddl_migration(migration_id=ID, app_name="accessions", description=DESCRIPTION,
                         forwards=_forwards, backwards=_backwards)
