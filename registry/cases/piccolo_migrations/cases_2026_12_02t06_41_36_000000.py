from registry.db import ddl_migration

ID = "2026-12-02T06:41:36:000000"
VERSION = "1.38.0"
DESCRIPTION = "What the procedure allows once: one decision, one open draft, one vote, one seat, one live feed"

INDEXES = [
    # Two members acting at the same moment can never adopt two decisions.
    ("case_decision_one_adopted", "case_decision (case_file, instance) "
     "WHERE status = 'adopted'"),
    ("case_decision_one_open_draft", "case_decision (case_file, instance) "
     "WHERE status IN ('draft', 'shared')"),
    ("case_vote_one_per_member", "case_vote (decision, staff)"),
    ("panel_seat_one_per_member", "panel_seat (case_file, instance, staff)"),
    ("case_calendar_feed_one_live", "case_calendar_feed (staff) WHERE revoked_at IS NULL"),
    ("case_interim_measure_one_proposed", "case_interim_measure (case_file) "
     "WHERE confirmed_at IS NULL AND withdrawn_at IS NULL"),
]


async def forwards():
    return ddl_migration(
        migration_id=ID, app_name="cases", description=DESCRIPTION,
        forwards=[f"CREATE UNIQUE INDEX {name} ON {on}" for name, on in INDEXES],
        backwards=[f"DROP INDEX {name}" for name, _ in INDEXES],
    )
