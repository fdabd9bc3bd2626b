from registry.db import ddl_migration

ID = "2026-12-02T21:03:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "One tally row per window, tag and reason"

# As for the throttle: a composite unique index that the tally upserts against.
FORWARDS = [
    "CREATE UNIQUE INDEX staff_failure_tally_window_tag_reason "
    "ON staff_failure_tally (window_start, tag, reason)",
]
BACKWARDS = [
    "DROP INDEX staff_failure_tally_window_tag_reason",
]


async def forwards():
    return ddl_migration(migration_id=ID, app_name="staff", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
