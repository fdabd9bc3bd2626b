from piccolo.engine.postgres import PostgresEngine

from registry.db import ddl_migration

ID = "2026-11-22T22:20:46:856679"
VERSION = "1.38.0"
DESCRIPTION = "Audit events are append-only: triggers refuse UPDATE and DELETE"

# The same rule in each engine's trigger dialect. An operator with database superuser
# rights can still drop the trigger; the transparency log (DESIGN 2.5) is what makes
# such a rewrite of public facts detectable.
SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
POSTGRES = [
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER audit_event_no_update",
    "DROP TRIGGER audit_event_no_delete",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "DROP TRIGGER audit_event_no_change ON audit_event",
    "DROP FUNCTION audit_event_append_only()",
]


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="audit", description=DESCRIPTION,
        forwards=lambda engine: POSTGRES if isinstance(engine, PostgresEngine) else SQLITE,
        backwards=lambda engine: (
            POSTGRES_BACKWARDS if isinstance(engine, PostgresEngine) else SQLITE_BACKWARDS),
    )
