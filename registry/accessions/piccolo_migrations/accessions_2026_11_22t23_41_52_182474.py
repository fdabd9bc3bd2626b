from registry.db import ddl_migration

ID = "2026-11-22T23:41:52:182474"
VERSION = "1.38.0"
DESCRIPTION = "Register order index"

# The register is read in (search_key, id) order with keyset pages: this index lets
# both engines walk it instead of sorting every listed signatory.
FORWARDS = ["CREATE INDEX signatory_register_order ON signatory (search_key, id)"]
BACKWARDS = ["DROP INDEX signatory_register_order"]


async def forwards():
    return ddl_migration(migration_id=ID, app_name="accessions", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
