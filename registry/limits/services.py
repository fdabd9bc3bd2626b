"""Allowances: at most so many uses of one thing per window, counted in the database so
that every worker and every host shares them.

A bucket names what is counted without saying whose it is: a keyed hash (the key is in
the key files, not the database) of the kind of use, the window and the value counted,
so the same address in two windows has two unrelated buckets. The registry keeps no
network address: a client's is hashed here, with the day, and forgotten.
"""

from __future__ import annotations

import ipaddress
import math
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


def seconds_left(now: datetime, per: timedelta) -> int:
    """Whole seconds until the window that holds `now` ends (a 429's Retry-After)."""
    return max(1, math.ceil((window_of(now, per) + per - now).total_seconds()))


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
    only ever hashed into a bucket. An IPv6 client is its /64: one host is given a whole
    /64, and would otherwise be as many clients as it likes."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def mailbox_of(address: str) -> str:
    """One mailbox however the address is written: case, and a `+tag` after the local
    part (which most mail services deliver to the same box), do not make another."""
    local, at, domain = address.strip().casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if at and local else address.strip().casefold()


async def check_client(address: str | None, *, settings: Settings) -> None:
    """Refuse (429, in words) a client that made the registry act for the public more
    often than the hour allows: filing, applying, asking for links. Each costs one use."""
    now = _now()
    if not await spend("client", client_of(address), per=HOUR, now=now,
                       most=settings.public_actions_per_client_per_hour):
        raise TooMany(TOO_OFTEN, retry_after=seconds_left(now, HOUR))


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


async def mail_allowed_to(address: str, *, kind: str, settings: Settings) -> bool:
    """Whether one more mail of `kind` that someone of the public asked for (a
    confirmation link; a link to withdraw, to declare) may go to `address` today. Each
    kind has its own allowance, so that a stranger's applications cannot use up the
    links a signatory asks for. Said to nobody: the answer the public sees is the same
    either way, so it does not tell who applied."""
    return await spend(f"mail-to:{kind}", mailbox_of(address), per=DAY,
                       most=settings.asked_mails_per_address_per_day)
