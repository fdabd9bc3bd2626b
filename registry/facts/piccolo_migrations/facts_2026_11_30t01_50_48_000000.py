from piccolo.engine.postgres import PostgresEngine

from registry.db import ddl_migration

ID = "2026-11-30T01:50:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "Public facts are append-only: triggers refuse UPDATE, DELETE and TRUNCATE"

# As for the audit trail. An operator with superuser rights can still drop a trigger;
# the transparency log built over these rows is what makes a rewrite detectable.
SQLITE = [
    "CREATE TRIGGER public_fact_no_update BEFORE UPDATE ON public_fact "
    "BEGIN SELECT RAISE(ABORT, 'public facts are append-only'); END",
    "CREATE TRIGGER public_fact_no_delete BEFORE DELETE ON public_fact "
    "BEGIN SELECT RAISE(ABORT, 'public facts are append-only'); END",
]
POSTGRES = [
    "CREATE FUNCTION public_fact_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'public facts are append-only'; END $$",
    "CREATE TRIGGER public_fact_no_change BEFORE UPDATE OR DELETE ON public_fact "
    "FOR EACH ROW EXECUTE FUNCTION public_fact_append_only()",
    "CREATE TRIGGER public_fact_no_truncate BEFORE TRUNCATE ON public_fact "
    "FOR EACH STATEMENT EXECUTE FUNCTION public_fact_append_only()",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER public_fact_no_update",
    "DROP TRIGGER public_fact_no_delete",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER public_fact_no_truncate ON public_fact",
    "DROP TRIGGER public_fact_no_change ON public_fact",
    "DROP FUNCTION public_fact_append_only()",
]


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="facts", description=DESCRIPTION,
        forwards=lambda engine: POSTGRES if isinstance(engine, PostgresEngine) else SQLITE,
        backwards=lambda engine: (
            POSTGRES_BACKWARDS if isinstance(engine, PostgresEngine) else SQLITE_BACKWARDS),
    )
