"""Review by the secretariat: the queue, look-alike warnings, acceptance and rejection.

Nothing reaches the public register before a person has looked at it: this is where
look-alike organisations and government-organised NGOs are meant to be stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import db
from registry.accessions import lifecycle, names, notices, supersession
from registry.accessions.holders import holder, persecution_mark, schedule_year
from registry.accessions.projection import in_public_facts, projection
from registry.accessions.schemas import Listing
from registry.accessions.services import (
    YEAR,
    S,
    check_transition,
    new_link,
    take_link,
    usable_link,
)
from registry.accessions.tables import Accession, AccessionMessage, LinkPurpose, Signatory
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.badges import services as badges
from registry.facts import services as public
from registry.facts.kinds import AccessionAccepted
from registry.keys import tokens
from registry.keys.sealed import seal, unseal
from registry.mail import services as mail
from registry.refusals import Conflict, Invalid, NotFound, Words
from registry.settings import Settings
from registry.translation import N_

_ACCESSION = Accession._meta.primary_key


@dataclass(frozen=True)
class LookAlike:
    name: str
    other: str  # "signatory:<id>" or "accession:<id>"
    status: str
    why: Words  # translated where shown; `str` gives the English (the command line's)


@dataclass(frozen=True)
class Message:
    author: str  # "secretariat" or "applicant"
    body: str
    at: datetime


@dataclass(frozen=True)
class ReviewItem:
    public_id: str
    status: str
    submitted_at: datetime
    confirmed_at: datetime | None
    version_id: str
    application: dict[str, Any]
    look_alikes: list[LookAlike]
    messages: list[Message]

    @property
    def principle_14_flag(self) -> bool:
        return bool(self.application.get("head_in_party_body"))


def _application(row: dict) -> dict[str, Any]:
    return json.loads(unseal(Accession.application, row["application"]))


@dataclass(frozen=True)
class _Known:
    """A name already known to the registry, to compare applications against."""

    names: tuple[str, ...]
    shown: str
    other: str
    status: str


async def _known_names() -> list[_Known]:
    """Every signatory and every open application. Unlisted names are stored only
    encrypted, so they are decrypted here, for staff."""
    version = await supersession.in_force()  # statuses as every reader shows them
    known = [_Known((name,), name, f"signatory:{row['public_id']}",
                    supersession.shown(row["status"], row["version_id"], version))
             for row in await Signatory.select(Signatory.public_id, Signatory.name,
                                               Signatory.status, Signatory.version_id)
             for name in [unseal(Signatory.name, row["name"])]]
    for row in await Accession.select(Accession.public_id, Accession.status,
                                      Accession.application).where(
            Accession.status.is_in([S.pending_confirmation, S.pending_review,
                                    S.information_requested])):
        application = _application(row)
        known.append(_Known(_names_of(application), application["public_name"],
                            f"accession:{row['public_id']}", row["status"]))
    return known


def _names_of(application: dict[str, Any]) -> tuple[str, ...]:
    return tuple(n for n in (application["public_name"], application.get("legal_name")) if n)


def _look_alikes(application: dict[str, Any], own: str, known: list[_Known]) -> list[LookAlike]:
    found = []
    for entry in known:
        if entry.other == own:
            continue
        why = next((w for c in _names_of(application) for o in entry.names
                    if (w := names.why_alike(c, o))), None)
        if why:
            found.append(LookAlike(entry.shown, entry.other, entry.status, why))
    return found


def _item(row: dict, known: list[_Known], messages: list[Message]) -> ReviewItem:
    application = _application(row)
    return ReviewItem(
        public_id=row["public_id"], status=row["status"], submitted_at=row["submitted_at"],
        confirmed_at=row["confirmed_at"], version_id=row["version_id"],
        application=application,
        look_alikes=_look_alikes(application, f"accession:{row['public_id']}", known),
        messages=messages)


async def _messages(accession_id: int) -> list[Message]:
    return [Message(row["author"], unseal(AccessionMessage.body, row["body"]), row["at"])
            for row in await AccessionMessage.select().where(
                AccessionMessage.accession == accession_id).order_by(AccessionMessage.at)]


def _with_version() -> Any:
    """Accessions with their version's id, joined (the foreign key keeps it there)."""
    return Accession.select(*Accession.all_columns(),
                            Accession.version.version_id.as_alias("version_id"))


async def queue() -> list[ReviewItem]:
    """Confirmed applications waiting for a decision (or for the applicant's answer),
    oldest first."""
    rows = await _with_version().where(Accession.status.is_in(
        [S.pending_review, S.information_requested])).order_by(Accession.confirmed_at)
    known = await _known_names() if rows else []
    return [_item(row, known, []) for row in rows]


async def _row(public_id: str) -> dict:
    row = await _with_version().where(Accession.public_id == public_id[:40]).first()
    if row is None:
        raise NotFound(N_("There is no application %(id)r."), id=public_id[:40])
    return row


async def find(public_id: str) -> ReviewItem:
    row = await _row(public_id)
    return _item(row, await _known_names(), await _messages(row["id"]))


async def _decide(public_id: str, wanted: S) -> tuple[dict, dict[str, Any]]:
    row = await _row(public_id)
    check_transition(row["status"], wanted)
    return row, _application(row)


async def approve(public_id: str, *, actor: audit.Actor, settings: Settings) -> str:
    """Accept an application: the signatory enters the register as its listing allows.
    Returns the signatory's public id."""
    now = datetime.now(UTC)
    async with db.write_transaction():
        await db.serialise(f"accession:{public_id}")
        row, application = await _decide(public_id, S.active)
        listing = Listing(application["listing"])
        signatory_id = tokens.public_id(9)
        shown = projection(application, listing)
        inserted = await Signatory.insert(Signatory(
            public_id=signatory_id, kind=application["kind"], listing=listing.value,
            status=S.active, version_id=row["version_id"],
            name=seal(Signatory.name, application["public_name"]),
            persecution=persecution_mark(None), acceded_at=now, created_at=now, **shown))
        await Accession.update({Accession.status: S.active, Accession.decided_at: now,
                                Accession.signatory: inserted[0]["id"]}).where(
            _ACCESSION == row["id"])
        h = await holder(signatory_id)
        await schedule_year(h, now + YEAR, now=now, settings=settings)
        await audit.record(EventTag.accession_status_activated, actor=actor,
                           subject=f"accession:{public_id}",
                           details={"signatory": signatory_id, "listing": listing.value})
        await public.record(AccessionAccepted(
            party=h.party(), status=S.active.value, version=row["version_id"],
            register=in_public_facts(application, listing)), now=now)
        # The badge follows the fact (it exists now); its address goes into the mail.
        badge_id = await badges.badge_of_signatory(signatory_id)
        await mail.queue(application["contact_email"], "accession_accepted",
                         language=application.get("language", "en"), context={
                             "name": application["representative_name"],
                             "public_name": application["public_name"],
                             "version": row["version_id"],
                             "url": f"{settings.base_url}/register/{signatory_id}"
                             if listing != Listing.unlisted else None,
                             "badge_url": badges.verify_url(settings, badge_id or "")})
        # Accepted to a version that a newer one replaced meanwhile: superseded at once,
        # with the invitation to accede to the one in force.
        await lifecycle.supersede_if_older(signatory_id, settings=settings, now=now)
    return signatory_id


async def reject(public_id: str, reason: str, *, actor: audit.Actor, settings: Settings) -> None:
    """Refuse an application; the applicant is told why."""
    reason = " ".join(reason.split())
    now = datetime.now(UTC)
    async with db.write_transaction():
        await db.serialise(f"accession:{public_id}")
        row, application = await _decide(public_id, S.rejected)
        if not 5 <= len(reason) <= 2000:
            raise Invalid(N_("Give the applicant a reason (5 to 2000 characters)."))
        await Accession.update({
            Accession.status: S.rejected, Accession.decided_at: now,
            Accession.decision_reason: seal(Accession.decision_reason, reason),
        }).where(_ACCESSION == row["id"])
        await audit.record(EventTag.accession_status_rejected, actor=actor,
                           subject=f"accession:{public_id}")
        await mail.queue(application["contact_email"], "accession_rejected",
                         language=application.get("language", "en"), context={
                             "name": application["representative_name"],
                             "public_name": application["public_name"], "reason": reason})


async def _add_message(accession_id: int, author: str, body: str, now: datetime) -> None:
    await AccessionMessage.insert(AccessionMessage(
        accession=accession_id, author=author, at=now,
        body=seal(AccessionMessage.body, body)))


# What to say when a text written to the other side is too short or too long.
_TEXT_LENGTHS = {"question": N_("Write the question (5 to 4000 characters)."),
                 "answer": N_("Write the answer (5 to 4000 characters).")}


def _text(value: str, what: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if not 5 <= len(value) <= 4000:
        raise Invalid(_TEXT_LENGTHS[what], field=what)
    return value


async def ask(public_id: str, question: str, *, actor: audit.Actor, settings: Settings) -> None:
    """Ask the applicant for more information; they answer through a link, and the
    application returns to the queue."""
    now = datetime.now(UTC)
    async with db.write_transaction():
        await db.serialise(f"accession:{public_id}")
        row, application = await _decide(public_id, S.information_requested)
        question = _text(question, "question")
        await Accession.update({Accession.status: S.information_requested}).where(
            _ACCESSION == row["id"])
        await _add_message(row["id"], "secretariat", question, now)
        token = await new_link(row["id"], LinkPurpose.answer,
                               timedelta(days=settings.question_answer_days), now)
        await audit.record(EventTag.accession_information_requested, actor=actor,
                           subject=f"accession:{public_id}")
        await notices.send("question", to=application["contact_email"],
                           language=application.get("language", "en"),
                           url=f"{settings.base_url}/accede/answer/{token}", quote=question,
                           name=application["representative_name"],
                           public_name=application["public_name"],
                           days=settings.question_answer_days)


async def question(token: str) -> tuple[str, str]:
    """What the answer link shows: (the applicant's public name, the last question)."""
    link = await usable_link(token, LinkPurpose.answer, datetime.now(UTC))
    row = await Accession.select().where(_ACCESSION == link["accession"]).first()
    assert row is not None
    asked = [m for m in await _messages(row["id"]) if m.author == "secretariat"]
    return _application(row)["public_name"], asked[-1].body


async def answer(token: str, text: str) -> None:
    """The applicant's answer: kept encrypted, and the application goes back to review."""
    text = _text(text, "answer")
    now = datetime.now(UTC)
    link = await usable_link(token, LinkPurpose.answer, now)
    async with db.write_transaction():
        found = await Accession.select(Accession.public_id).where(
            _ACCESSION == link["accession"]).first()
        assert found is not None
        await db.serialise(f"accession:{found['public_id']}")
        # Read under the lock: a decision taken meanwhile must not be undone.
        row = await Accession.select().where(_ACCESSION == link["accession"]).first()
        assert row is not None
        if row["status"] != S.information_requested:
            raise Conflict(N_("This application is no longer waiting for an answer."))
        await take_link(link, now)
        check_transition(row["status"], S.pending_review)
        await Accession.update({Accession.status: S.pending_review}).where(
            _ACCESSION == row["id"])
        await _add_message(row["id"], "applicant", text, now)
        await audit.record(EventTag.accession_information_answered, actor=audit.ANONYMOUS,
                           subject=f"accession:{row['public_id']}")
