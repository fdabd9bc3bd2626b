from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from registry.db import ddl_migration

ID = "2026-12-03T15:12:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "Register search by words too short for trigrams on PostgreSQL"

# A word of one or two characters has no trigram: its `LIKE '%w%'` cannot use the
# trigram index. This one holds every substring of one or two characters of each listed
# search key (never a space), so that a short word that few names hold is found in it
# (registry/accessions/register.py decides when it is worth it).
GRAMS = """CREATE FUNCTION registry_short_grams(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
  SELECT substr(key, i, n) AS gram FROM generate_series(1, length(key)) AS i,
    (VALUES (1), (2)) AS sizes(n) WHERE i + n - 1 <= length(key)) AS grams
WHERE position(' ' in gram) = 0 $$"""


def _forwards(engine: Engine) -> list[str]:
    if not isinstance(engine, PostgresEngine):
        return []
    return [GRAMS, "CREATE INDEX signatory_search_short ON signatory "
                   "USING gin (registry_short_grams(search_key)) WHERE register_name IS NOT NULL"]


def _backwards(engine: Engine) -> list[str]:
    return (["DROP INDEX signatory_search_short", "DROP FUNCTION registry_short_grams(text)"]
            if isinstance(engine, PostgresEngine) else [])


async def forwards():
    return ddl_migration(migration_id=ID, app_name="accessions", description=DESCRIPTION,
                         forwards=_forwards, backwards=_backwards)
