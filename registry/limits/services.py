"""Allowances: at most so many uses of one thing per window, counted in the database so
that every worker and every host shares them.

A bucket names what is counted without saying whose it is: a keyed hash (the key is in
the key files, not the database) of the kind of use, the window and the value counted,
so the same address in two windows has two unrelated buckets. The registry keeps no
network address: a client's is hashed here, with the day, and forgotten.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from registry import db, keys
from registry.limits.tables import UseCount
from registry.refusals import TooMany
from registry.settings import Settings
from registry.translation import N_

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
TOO_OFTEN = N_("Too many requests came from your connection in the last hour. Try again "
               "in an hour.")


def _now() -> datetime:
    return datetime.now(UTC)


def window_of(now: datetime, per: timedelta) -> datetime:
    """The start of the fixed window of length `per` that holds `now`."""
    return _EPOCH + (now - _EPOCH) // per * per


def bucket(kind: str, value: str, start: datetime) -> str:
    return keys.keyring().lookup_hash(f"{kind}:{start.isoformat()}:{value}",
                                      purpose="limits")


async def spend(kind: str, value: str, *, most: int, per: timedelta,
                now: datetime | None = None) -> bool:
    """Count one use of `value` for `kind` in the current window of length `per`: whether
    it is within `most`. Joins the caller's transaction, if any; a use refused counts
    too, so that asking again and again does not get through."""
    now = now or _now()
    start = window_of(now, per)
    name = bucket(kind, value, start)
    async with db.write_transaction():
        rows = await UseCount.raw(
            "INSERT INTO limits_use_count (bucket, window_start, window_end, uses) "
            "VALUES ({}, {}, {}, 1) ON CONFLICT (bucket, window_start) "
            "DO UPDATE SET uses = limits_use_count.uses + 1 RETURNING uses",
            name, start, start + per)
    return int(rows[0]["uses"]) <= most


async def forget_past(now: datetime | None = None) -> int:
    """Delete the counts of windows that are over: nothing says later who was counted."""
    gone = await UseCount.delete().where(UseCount.window_end <= (now or _now())).returning(
        UseCount._meta.primary_key)
    return len(gone)


def client_of(address: str | None) -> str:
    """What stands for a client (its network address, as the trusted proxy reports it),
    only ever hashed into a bucket."""
    return address or "unknown"


async def check_client(address: str | None, *, settings: Settings) -> None:
    """Refuse (429, in words) a client that made the registry act for the public more
    often than the hour allows: filing, applying, asking for links. Each costs one use."""
    if not await spend("client", client_of(address), per=HOUR,
                       most=settings.public_actions_per_client_per_hour):
        raise TooMany(TOO_OFTEN)


class Asking(Protocol):
    """What `check_request` reads of an HTTP request (a Litestar one; this layer does not
    import the web framework)."""

    @property
    def client(self) -> Any: ...

    @property
    def app(self) -> Any: ...


async def check_request(request: Asking) -> None:
    """`check_client` for the client of a request, once its form has passed its checks:
    a person correcting a typo is not counted, an action the registry takes is."""
    await check_client(request.client.host if request.client else None,
                       settings=request.app.state.settings)


async def mail_allowed_to(address: str, *, settings: Settings) -> bool:
    """Whether one more mail that someone of the public asked for (a confirmation link, a
    link to withdraw or to declare) may go to `address` today. Said to nobody: the answer
    the public sees is the same either way, so it does not tell who applied."""
    return await spend("mail-to", address.strip().casefold(),
                       most=settings.asked_mails_per_address_per_day, per=DAY)
