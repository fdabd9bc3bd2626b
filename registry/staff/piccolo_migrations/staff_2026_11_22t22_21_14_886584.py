from registry.db import ddl_migration

ID = "2026-11-22T22:21:14:886584"
VERSION = "1.38.0"
DESCRIPTION = "One throttle row per bucket and window"

# A composite unique index as plain DDL, which both engines accept; the login throttle
# upserts against it (INSERT ... ON CONFLICT, also the same on both).
FORWARDS = [
    "CREATE UNIQUE INDEX staff_login_throttle_bucket_window "
    "ON staff_login_throttle (bucket, window_start)",
    "CREATE INDEX staff_session_staff ON staff_session (staff)",
]
BACKWARDS = [
    "DROP INDEX staff_session_staff",
    "DROP INDEX staff_login_throttle_bucket_window",
]


async def forwards():
    return ddl_migration(migration_id=ID, app_name="staff", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
