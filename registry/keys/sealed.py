"""Confidential columns, declared where they live.

A table marks a column `sealed(Text())`: its values are only ever stored encrypted with
the data key, and `table.column` is bound into every ciphertext as associated data, so
a value copied into another column does not open. Sealing, opening and the rotation of
the data key (`registry keys rotate-data-key`) all find the column from that mark: a new
capability adds confidential fields without editing the key code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from piccolo.columns import Column
from piccolo.table import Table

from registry import keys

C = TypeVar("C", bound=Column)
_MARK = "registry_sealed"


def sealed(column: C, *, append_only: bool = False) -> C:
    """Declare `column` confidential (on the table, at its definition). A column of an
    append-only table keeps the key it was sealed with: a rotation cannot rewrite it, and
    the old key stays in the key file for it."""
    setattr(column, _MARK, "append_only" if append_only else "rotates")
    return column


def is_sealed(column: Column) -> bool:
    return getattr(column, _MARK, None) is not None


def rotates(column: Column) -> bool:
    return getattr(column, _MARK, None) == "rotates"


def purpose(column: Column) -> str:
    """What a ciphertext of this column is bound to: `table.column`."""
    if not is_sealed(column):
        raise TypeError(f"{column._meta.table._meta.tablename}.{column._meta.db_column_name} "
                        "is not declared sealed")
    return f"{column._meta.table._meta.tablename}.{column._meta.db_column_name}"


def seal(column: Column, value: str) -> str:
    return keys.keyring().cipher.encrypt(value, purpose=purpose(column))


def unseal(column: Column, value: str) -> str:
    return keys.keyring().cipher.decrypt(value, purpose=purpose(column))


_MOMENT_WIDTH = 40


def seal_moment(column: Column, moment: datetime | None) -> str:
    """A moment or none, sealed to one length: a copy of the database cannot tell which
    (a paused deadline from a running one, a marked signatory from another)."""
    return seal(column, (moment.isoformat() if moment else "").ljust(_MOMENT_WIDTH))


def unseal_moment(column: Column, value: str) -> datetime | None:
    opened = unseal(column, value).strip()
    return datetime.fromisoformat(opened) if opened else None


def sealed_columns(tables: Iterable[type[Table]]) -> list[Column]:
    """Every column declared sealed on these tables, in table order."""
    return [column for table in tables for column in table._meta.columns if is_sealed(column)]
