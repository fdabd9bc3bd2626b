"""The public register: search and read what listed signatories chose to show.

Only the register_* projection is ever read here; unlisted signatories have none, so
no query of this module can return them.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.engine.postgres import PostgresEngine

from registry import db
from registry.accessions import names, supersession
from registry.accessions.holders import SUSPENSION_END, WITHDRAWAL, subject_of
from registry.accessions.schemas import Listing
from registry.accessions.tables import Signatory
from registry.deadlines import services as deadlines
from registry.facts import services as public
from registry.facts.kinds import Party
from registry.refusals import Invalid
from registry.translation import N_

PAGE = 50
PUBLIC_STATUSES = ("active", "suspended", "revoked", "withdrawn", "lapsed", "superseded")
_ID = Signatory._meta.primary_key
# The deadlines the register shows: a pending withdrawal, and when a suspension ends.
SHOWN_DEADLINES = (WITHDRAWAL, SUSPENSION_END)


@dataclass(frozen=True)
class Event:
    event: str
    status: str
    version: str
    at: datetime


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    listing: str
    status: str
    version: str
    acceded_at: datetime
    kind: str | None = None
    legal_name: str | None = None
    country: str | None = None
    city: str | None = None
    website: str | None = None
    declarations: dict[str, Any] | None = None
    withdrawal_pending: bool = False
    suspended_until: date | None = None  # as the panel decided it, and its fact says
    history: list[Event] | None = None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: str | None


def _entry(row: dict, deadlines_: dict[str, deadlines.Due], version: supersession.InForce | None,
           history: list[Event] | None = None) -> Entry:
    """The status as it is now (supersession.py: the job may not have reached it yet)."""
    row = supersession.shown_row(row, version)
    public = row["listing"] == Listing.public
    return Entry(
        id=row["public_id"], name=row["register_name"], listing=row["listing"],
        status=row["status"], version=row["version_id"], acceded_at=row["acceded_at"],
        kind=row["kind"] if public else None,
        legal_name=row["register_legal_name"], country=row["register_country"],
        city=row["register_city"], website=row["register_website"],
        declarations=json.loads(row["register_declarations"])
        if row["register_declarations"] else None,
        withdrawal_pending=WITHDRAWAL in deadlines_ and row["status"] != "withdrawn",
        suspended_until=deadlines_[SUSPENSION_END].due_at.date()
        if SUSPENSION_END in deadlines_ and row["status"] == "suspended" else None,
        history=history)


def _cursor(row: dict) -> str:
    raw = json.dumps([row["search_key"], row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, int] | None:
    try:
        key, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (str(key), int(row_id)) if isinstance(key, str) else None
    except (ValueError, TypeError):
        return None


class BadCursor(Invalid):
    """A page cursor that this register did not give out."""


_SHOWN = (_ID, Signatory.public_id, Signatory.listing, Signatory.status, Signatory.version_id,
          Signatory.acceded_at, Signatory.kind, Signatory.register_name,
          Signatory.register_legal_name, Signatory.register_country, Signatory.register_city,
          Signatory.register_website, Signatory.register_declarations, Signatory.search_key)


def _listed() -> Any:
    return Signatory.register_name.is_not_null() & Signatory.status.is_in(
        list(PUBLIC_STATUSES))


# Words shorter than a trigram: on PostgreSQL, an index of every substring of one or two
# characters of the listed search keys (the migration of 2026-12-03). Read for a short
# word that fewer than SHORT_FEW names hold (sorting those few beats walking the order
# for them); for a common one, walking the order finds a page soon.
_GRAMS = "registry_short_grams(search_key)"
SHORT_FEW = 500


def _plain(word: str) -> str:
    """A word of a spelling key, written into the query as it is: a key holds only
    letters a-z and digits (names.folded). Written, not a parameter, so that PostgreSQL
    plans each search for its words: a plan made once for any pattern (a prepared
    statement's generic plan) would read the trigram index even for a word too short for
    it, that is every row."""
    if not _PLAIN.fullmatch(word):
        raise ValueError(f"not a word of a spelling key: {word!r}")
    return word


_PLAIN = re.compile(r"[a-z0-9]+")


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{_plain(word)}'" for word in words) + "]::text[]"


async def _few_hold(words: list[str]) -> bool:
    if not isinstance(db.engine(), PostgresEngine):
        return False
    held = ("SELECT count(*) AS n FROM (SELECT 1 FROM signatory "  # noqa: S608 - plain words
            f"WHERE register_name IS NOT NULL AND {_GRAMS} @> {_array(words)} LIMIT {{}}) AS h")
    counted = await Signatory.raw(held, SHORT_FEW)
    return int(counted[0]["n"]) < SHORT_FEW


async def search(*, text: str = "", kind: str | None = None, status: str | None = None,
                 country: str | None = None, version: str | None = None,
                 cursor: str | None = None, limit: int = PAGE) -> Page:
    """Listed signatories matching every filter, in alphabetical order of their names
    (transliterated, so the order is the same whatever the script), `limit` at a time.

    Two queries: the page's ids, then their rows. The first reads only what an index
    holds on PostgreSQL (the order index with the filtered columns, and trigrams of the
    search key for the words: see the migration of 2026-12-03), so a word that few or no
    names hold is found without reading every listed signatory. A status is the one
    each signatory has now (supersession.py), read with the version in force first."""
    in_force = await supersession.in_force()
    query = Signatory.select(_ID, Signatory.search_key).where(_listed())
    words = (names.spelling_key(text) if text else "").split()[:6]
    for word in words:
        query = query.where(WhereRaw(f"search_key LIKE '%{_plain(word)}%'"))
    if words and all(len(word) < 3 for word in words) and await _few_hold(words):
        query = query.where(WhereRaw(f"{_GRAMS} @> {_array(words)}"))
    if kind:
        query = query.where((Signatory.kind == kind) & (Signatory.listing == Listing.public))
    if status:
        query = query.where(supersession.status_is(status, in_force))
    if country:
        query = query.where(Signatory.register_country == country.upper())
    if version:
        query = query.where(Signatory.version_id == version)
    if cursor:
        after = _after(cursor)
        if after is None:
            raise BadCursor(N_("The page cursor is not valid: start again from the first page."))
        query = query.where((Signatory.search_key > after[0]) | (
            (Signatory.search_key == after[0]) & (_ID > after[1])))
    found = await query.order_by(Signatory.search_key, _ID).limit(limit + 1)
    more = len(found) > limit
    found = found[:limit]
    # Listed still (read again: one unlisted in between is never shown).
    by_id = {row["id"]: row for row in await Signatory.select(*_SHOWN).where(
        _listed() & _ID.is_in([row["id"] for row in found]))} if found else {}
    rows = [by_id[row["id"]] for row in found if row["id"] in by_id]
    shown = await deadlines.open_of_kinds(
        list(SHOWN_DEADLINES), [subject_of(row["public_id"]) for row in rows])
    return Page([_entry(r, shown.get(subject_of(r["public_id"]), {}), in_force) for r in rows],
                _cursor(found[-1]) if more and found else None)


async def find(public_id: str) -> Entry | None:
    """One listed signatory with its status history."""
    row = await Signatory.select().where(
        (Signatory.public_id == public_id[:40]) & Signatory.register_name.is_not_null()
        & Signatory.status.is_in(list(PUBLIC_STATUSES))).first()
    if row is None:
        return None
    subject = subject_of(row["public_id"])
    return _entry(row, await deadlines.open_for(subject), await supersession.in_force(),
                  await history(Party(row["id"], row["public_id"], True, row["register_name"])))


async def history(party: Party) -> list[Event]:
    """A signatory's public history, oldest first: a view of its public facts (the
    persecuted mark is never among them). For an unlisted signatory (staff only) the
    facts say no more than what happened when."""
    events = []
    for fact in await public.history(party):
        entry = json.loads(fact.entry)
        events.append(Event(fact.kind.split(":", 1)[1], entry.get("status", ""),
                            entry.get("version", ""), fact.recorded_at))
    return events
