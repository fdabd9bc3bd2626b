"""One row per named counter; a committed change to what the counter guards moves it."""

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table


class ChangeCounter(Table, tablename="change_counter"):
    name = Varchar(length=100, unique=True)
    value = BigInt(default=0)
