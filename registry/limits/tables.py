"""Counts of uses per window. A bucket is a keyed hash (of an address, of a client's
network address and the day), so a copy of the database does not say whose uses they
were; windows past are deleted every minute, so it does not say when either."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class UseCount(Table, tablename="limits_use_count"):
    bucket = Varchar(length=64)
    window_start = Timestamptz()
    window_end = Timestamptz(index=True)
    uses = Integer(default=0)
