"""Deadlines and the periodic jobs' next runs."""

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.keys.sealed import sealed


class Deadline(Table, tablename="deadline"):
    """A date on which the registry acts, unless something closes the deadline first.

    At most one open deadline of a kind per subject (a unique index, see the migrations).
    `paused` is sealed: a deadline paused for a persecuted signatory must not say so to
    whoever holds a copy of the database."""

    # Whose deadline it is, and the lock its capability takes before changing it:
    # "signatory:<public id>".
    subject = Varchar(length=100, index=True)
    kind = Varchar(length=60)  # "accession:lapse"
    due_at = Timestamptz(index=True)  # when the registry acts
    # The date the person was told, where the registry acts after it: the end of the
    # year of an accession, which lapses a grace period later.
    stated_at = Timestamptz(null=True, default=None)
    paused = sealed(Text())  # "" while running, else when it was paused (ISO 8601)
    created_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None, index=True)
    # done (acted on), idle (fell due with nothing left to do), cancelled, replaced
    outcome = Varchar(length=20, null=True, default=None)


class ScheduledJob(Table, tablename="scheduled_job"):
    """When each periodic job runs next: claiming a run moves it on, so that with several
    processes running the scheduler a job still runs once per period."""

    name = Varchar(length=60, unique=True)
    next_run_at = Timestamptz()
    last_run_at = Timestamptz(null=True, default=None)
