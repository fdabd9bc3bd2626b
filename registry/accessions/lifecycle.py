"""Life after acceptance: re-affirmation every year, withdrawal with a cooling-off
period, a new version superseding the old, suspension and revocation by the ethics
panel, and the persecuted mark.

Every move is checked against TRANSITIONS (services.py), changes the signatory and its
current accession in one transaction, writes its audit event and records its public
fact (whoever follows a signatory, such as its badge, subscribes to those facts), and
mails the signatory where it should know. Every date of a signatory is a deadline of the
one deadlines table (holders.py): the scheduler acts on it when it falls due.

Persecuted signatories: their deadlines pause (re-affirmation, grace period, cooling-off),
and nothing moves them to a worse status except a decision of the ethics panel. Their
withdrawal, once its cooling-off is over, is held until the panel decides: a withdrawal
can be coerced.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from registry import db, labels, runtime
from registry.accessions import notices, register, supersession
from registry.accessions import statement as statements
from registry.accessions.holders import (
    LAPSE,
    REMINDER,
    SUPERSESSION,
    SUSPENSION_END,
    WITHDRAWAL,
    YEAR_KINDS,
    Holder,
    catch_up_with,
    holder,
    holder_for_link,
    holder_of,
    last_year_end,
    locked,
    persecution_mark,
    schedule,
    schedule_year,
    subject_of,
)
from registry.accessions.projection import in_public_facts, projection
from registry.accessions.schemas import (
    AccessionForm,
    Listing,
    ReaccessionAnswers,
)
from registry.accessions.services import (
    TRANSITIONS,
    YEAR,
    Confirmed,
    S,
    check_transition,
    countersign,
    email_lookup,
    new_link,
    take_link,
    usable_link,
)
from registry.accessions.tables import (
    Accession,
    AccessionLink,
    AccessionStatus,
    LinkPurpose,
    Signatory,
)
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.deadlines import services as deadlines
from registry.facts import kinds as facts
from registry.facts import services as public
from registry.keys import tokens
from registry.keys.sealed import seal, unseal, unseal_moment
from registry.limits import services as limits
from registry.principles import services as principles
from registry.refusals import Conflict, Invalid
from registry.settings import Settings
from registry.translation import N_
from registry.validation import problems

REAFFIRM_LINK = timedelta(days=400)
REACCEDE_LINK = timedelta(days=2 * 365)
CANCEL_LINK = timedelta(days=365)  # the pending withdrawal itself is checked as well
# Anyone may ask for a signatory's withdrawal link: not so often that it becomes a way
# to flood their mailbox.
ASK_AGAIN_AFTER = timedelta(hours=1)
_SIGNATORY = Signatory._meta.primary_key
_ACCESSION = Accession._meta.primary_key
log = logging.getLogger("registry.accessions")
# Where each mailed link of a signatory leads.
LINK_PATHS = {LinkPurpose.reaffirm: "reaffirm", LinkPurpose.withdraw: "withdraw",
              LinkPurpose.cancel_withdrawal: "cancel-withdrawal", LinkPurpose.reaccede: "renew"}


def _now() -> datetime:
    return datetime.now(UTC)


def _day(moment: datetime | None) -> date | str:
    """A day for a mail: written in its language's way where the mail is rendered."""
    return moment.date() if moment else ""


async def _record(h: Holder, fact: type[facts.AccessionFact], *, tag: EventTag,
                  actor: audit.Actor, now: datetime, status: AccessionStatus | None = None,
                  details: dict | None = None, fact_details: dict | None = None,
                  confidential: bool = False, **fields: Any) -> None:
    """Write a step of the signatory's history: its new fields, the audit event, and the
    public fact (its badge follows the fact). Inside the caller's transaction."""
    status = status or h.status
    changes = {getattr(Signatory, name): value for name, value in fields.items()}
    await Signatory.update({Signatory.status: status, **changes}).where(
        _SIGNATORY == h.signatory["id"])
    await audit.record(tag, actor=actor, subject=f"signatory:{h.public_id}",
                       details={"status": status.value, **(details or {})},
                       sealed=confidential)
    await public.record(fact(party=h.party(**fields), status=status.value,
                             version=fields.get("version_id", h.signatory["version_id"]),
                             **(fact_details or {})), now=now)


async def _move(h: Holder, wanted: AccessionStatus, fact: type[facts.AccessionFact], *,
                tag: EventTag, actor: audit.Actor, now: datetime, details: dict | None = None,
                fact_details: dict | None = None, confidential: bool = False,
                **fields: Any) -> None:
    """A change of status: the one way any signatory's status changes after acceptance."""
    check_transition(h.status, wanted)
    await Accession.update({Accession.status: wanted}).where(_ACCESSION == h.accession["id"])
    await _record(h, fact, tag=tag, actor=actor, now=now, status=wanted, details=details,
                  fact_details=fact_details, confidential=confidential, **fields)


async def _notify(h: Holder, notice: str, *, url: str | None = None, **values: Any) -> None:
    a = h.application
    await notices.send(notice, to=a["contact_email"], language=a.get("language", "en"),
                       url=url, **{"name": a["representative_name"],
                                   "public_name": a["public_name"],
                                   "version": h.signatory["version_id"], **values})


async def _mailed_link(h: Holder, purpose: LinkPurpose, lifetime: timedelta,
                       settings: Settings, now: datetime) -> str:
    """A new one-time link for the signatory's current accession, as its full address."""
    token = await new_link(h.accession["id"], purpose, lifetime, now)
    return f"{settings.base_url}/accede/{LINK_PATHS[purpose]}/{token}"


# --- Re-affirmation --------------------------------------------------------------------

async def _remind(h: Holder, settings: Settings, now: datetime) -> bool:
    """The reminder deadline fell due: a month to re-affirm."""
    year_ends = h.year_ends
    if h.status != S.active or year_ends is None:
        return False
    url = await _mailed_link(h, LinkPurpose.reaffirm, REAFFIRM_LINK, settings, now)
    await _notify(h, "reaffirm_reminder", url=url, due=_day(year_ends),
                  lapses=_day(h.due(LAPSE)))
    await audit.record(EventTag.accession_reaffirmation_reminded, actor=audit.SYSTEM,
                       subject=f"signatory:{h.public_id}")
    return True


async def reaffirm(token: str, *, settings: Settings) -> Holder:
    """One click from the reminder: another year. A lapsed accession becomes active again,
    if the version it accedes to is still in force."""
    now = _now()
    link = await usable_link(token, LinkPurpose.reaffirm, now)
    async with db.write_transaction():
        h = await locked((await holder_for_link(link)).public_id)
        in_force = await principles.version_in_force()  # superseded: always a newer one
        if in_force is not None and h.signatory["version_id"] != in_force.version_id:
            raise Conflict(N_("A new version of the Principles is in force: accede to it "
                              "through the link in the invitation mail."))
        if h.status not in (S.active, S.lapsed):
            raise Conflict(N_("This accession cannot be re-affirmed in its present status."))
        await _refuse_if_held(h)
        await take_link(link, now)
        await AccessionLink.update({AccessionLink.expires_at: now}).where(  # one year per click
            (AccessionLink.accession == h.accession["id"])
            & (AccessionLink.purpose == LinkPurpose.reaffirm) & AccessionLink.used_at.is_null())
        ends = await last_year_end(h, now) if h.status == S.active else None
        # Re-affirmed in time, the year runs on from the old date (and a pause it is in
        # still counts for the signatory); after a lapse, from today.
        ends = ends + YEAR if ends and ends + YEAR > now else now + YEAR
        await schedule_year(h, ends, now=now, settings=settings)
        if h.status == S.lapsed:
            await _move(h, S.active, facts.AccessionReaffirmed, now=now, actor=audit.ANONYMOUS,
                        tag=EventTag.accession_reaffirmation_recorded)
        else:
            await _record(h, facts.AccessionReaffirmed, now=now, actor=audit.ANONYMOUS,
                          tag=EventTag.accession_reaffirmation_recorded)
        await _notify(h, "reaffirmed", due=_day(ends))
    return await holder(h.public_id)


# --- Withdrawal ------------------------------------------------------------------------

ASK_WITHDRAWAL_ANSWER = N_(
    "If an accession with this contact address is in the register, a link to withdraw it is "
    "on its way to that address. A new link can be sent once an hour.")


async def ask_withdrawal(email: str, *, settings: Settings) -> None:
    """A withdrawal link to the contact address of each accession it holds. The answer is
    the same whether or not one exists, so that nobody learns who acceded."""
    now = _now()
    lookup = email_lookup(email.strip())
    async with db.write_transaction():
        await db.serialise(f"accessions:submit:{lookup}")
        held = {r["signatory"] for r in await Accession.select(Accession.signatory).where(
            (Accession.email_lookup == lookup) & Accession.signatory.is_not_null())}
        rows = await Signatory.select().where(_SIGNATORY.is_in(list(held))) if held else []
        for row in rows:
            h = await holder_of(row)
            if (email_lookup(h.application["contact_email"]) != lookup
                    or S.withdrawn not in TRANSITIONS[h.status] or WITHDRAWAL in h.deadlines
                    or await AccessionLink.exists().where(
                        (AccessionLink.accession == h.accession["id"])
                        & (AccessionLink.purpose == LinkPurpose.withdraw)
                        & (AccessionLink.created_at > now - ASK_AGAIN_AFTER))
                    or not await limits.mail_allowed_to(h.application["contact_email"],
                                                        kind="withdraw", settings=settings)):
                continue
            url = await _mailed_link(h, LinkPurpose.withdraw,
                                     timedelta(hours=settings.confirmation_link_hours),
                                     settings, now)
            await _notify(h, "withdraw_link", url=url, hours=settings.confirmation_link_hours)
            await audit.record(EventTag.accession_withdrawal_asked, actor=audit.ANONYMOUS,
                               subject=f"signatory:{h.public_id}")


async def withdraw(token: str, *, settings: Settings) -> Holder:
    """The signatory confirms the withdrawal: it takes effect after the cooling-off
    period, and can be cancelled until then."""
    now = _now()
    link = await usable_link(token, LinkPurpose.withdraw, now)
    async with db.write_transaction():
        h = await locked((await holder_for_link(link)).public_id)
        if WITHDRAWAL in h.deadlines:
            raise Conflict(N_("A withdrawal of this accession is already pending."))
        check_transition(h.status, S.withdrawn)
        await take_link(link, now)
        effective = now + timedelta(days=settings.withdrawal_cooling_off_days)
        await schedule(h, WITHDRAWAL, effective, now=now)
        cancel = await _mailed_link(h, LinkPurpose.cancel_withdrawal,
                                    effective - now + CANCEL_LINK, settings, now)
        await _record(h, facts.WithdrawalRequested, now=now, actor=audit.ANONYMOUS,
                      tag=EventTag.accession_withdrawal_requested)
        await _notify(h, "withdrawal_pending", effective=_day(effective), url=cancel)
    return await holder(h.public_id)


async def cancel_withdrawal(token: str, *, settings: Settings) -> Holder:
    now = _now()
    link = await usable_link(token, LinkPurpose.cancel_withdrawal, now)
    async with db.write_transaction():
        h = await locked((await holder_for_link(link)).public_id)
        if WITHDRAWAL not in h.deadlines or h.status == S.withdrawn:
            raise Conflict(N_("There is no pending withdrawal to cancel: it has taken "
                              "effect or was cancelled already."))
        await take_link(link, now)
        await deadlines.cancel(h.subject, [WITHDRAWAL], now=now)
        await _record(h, facts.WithdrawalCancelled, now=now, actor=audit.ANONYMOUS,
                      tag=EventTag.accession_withdrawal_cancelled)
        await _notify(h, "withdrawal_cancelled")
    return await holder(h.public_id)


async def _complete_withdrawal(h: Holder, *, actor: audit.Actor, now: datetime,
                               details: dict | None = None) -> None:
    await deadlines.cancel(h.subject, now=now)  # withdrawn is final: nothing falls due
    await _move(h, S.withdrawn, facts.AccessionWithdrawn, tag=EventTag.accession_status_withdrawn,
                actor=actor, now=now, details=details)
    await _notify(h, "withdrawn")


async def _withdraw(h: Holder, settings: Settings, now: datetime) -> bool:
    """The cooling-off is over (and the signatory is not persecuted: its deadline would be
    paused). Suspended meanwhile, the withdrawal waits for the end of the suspension."""
    if S.withdrawn in TRANSITIONS[h.status]:
        await _complete_withdrawal(h, actor=audit.SYSTEM, now=now)
        return True
    if h.status == S.suspended:
        await schedule(h, WITHDRAWAL, h.due(SUSPENSION_END) or now + timedelta(days=1),
                       now=now)
    return False


# --- A new version in force ------------------------------------------------------------

async def _invite(h: Holder, settings: Settings, now: datetime) -> str | None:
    """A link to accede to the version in force, unless one is still open."""
    if await AccessionLink.exists().where(
            (AccessionLink.accession == h.accession["id"])
            & (AccessionLink.purpose == LinkPurpose.reaccede)
            & AccessionLink.used_at.is_null() & (AccessionLink.expires_at > now)):
        return None
    return await _mailed_link(h, LinkPurpose.reaccede, REACCEDE_LINK, settings, now)


async def _supersede(h: Holder, version: supersession.InForce, settings: Settings,
                     now: datetime, *, grace: datetime | None = None) -> bool:
    """An active accession to an older version becomes superseded (valid for the grace
    period, which runs from when the version came into force: the same end for every
    signatory, however late the job reaches one), with an invitation; a lapsed one only
    gets the invitation. `h` is locked; True if its status changed."""
    if h.signatory["version_id"] == version.version_id or h.status not in (S.active, S.lapsed):
        return False
    url = await _invite(h, settings, now)
    if h.status == S.lapsed:
        if url:
            await _notify(h, "lapsed_superseded", url=url, in_force=version.version_id)
        return False
    grace = grace or (version.since or now) + timedelta(days=settings.supersede_grace_days)
    await deadlines.cancel(h.subject, YEAR_KINDS, now=now)  # the grace period governs now
    await schedule(h, SUPERSESSION, grace, now=now)
    await _move(h, S.superseded, facts.AccessionSuperseded, now=now, actor=audit.SYSTEM,
                tag=EventTag.accession_status_superseded,
                details={"in_force": version.version_id})
    await _notify(h, "superseded", in_force=version.version_id, grace=_day(grace), url=url)
    return True


async def on_version_in_force(fact: facts.VersionInForce, now: datetime) -> str | None:
    """Follows a version coming into force, in its transaction (a sync): nothing is
    superseded there. The job (`supersede_older`) does it once the version is committed,
    a batch at a time; until it reaches a signatory, readers show it superseded
    (supersession.py) and any change of it supersedes it first (`_catch_up`). One count
    here, for the sync's report."""
    count = await Signatory.count().where(
        (Signatory.status == S.active) & (Signatory.version_id != fact.version))
    return (f"{count} accession(s) to older versions superseded (in the background)"
            if count else None)


async def _catch_up(h: Holder) -> bool:
    """Before any change of an active signatory (holders.locked): if the version in force
    is newer than its own and the job has not reached it yet, it is superseded now, in
    the caller's transaction, exactly as the job would have."""
    if h.status != S.active:
        return False  # no query for anyone else
    version = await supersession.in_force()
    if not supersession.pending(h.status, h.signatory["version_id"], version):
        return False
    assert version is not None
    return await _supersede(h, version, runtime.settings(), _now())


# Signatories per transaction of the job. Each costs about 36-45 ms (its badge drawn
# again, in every language: most of it), so another SQLite writer waits half a second at
# most for a batch.
BATCH = 10
RUN_FOR = 3.0  # seconds of batches per run of the job; the next run goes on from there
SUPERSESSION_LOCK = "accessions:supersession"  # one batch at a time, in every process


async def _waiting(version: supersession.InForce, now: datetime, limit: int,
                   skipped: frozenset[str] = frozenset()) -> list[str]:
    """The next signatories the job supersedes (active ones to an older version) or
    invites (lapsed ones to an older version that have no invitation of this version
    yet: none made since it came into force, and none still open), by row; none of
    `skipped` (those that failed in this run of the job)."""
    still_open = AccessionLink.used_at.is_null() & (AccessionLink.expires_at > now)
    invited = (still_open | (AccessionLink.created_at >= version.since) if version.since
               else still_open)
    links = AccessionLink.select(AccessionLink.accession.signatory).where(
        (AccessionLink.purpose == LinkPurpose.reaccede) & invited
        & AccessionLink.accession.signatory.is_not_null())
    query = Signatory.select(Signatory.public_id).where(
        (Signatory.version_id != version.version_id)
        & ((Signatory.status == S.active)
           | ((Signatory.status == S.lapsed) & _SIGNATORY.not_in(links))))
    if skipped:
        query = query.where(Signatory.public_id.not_in(list(skipped)))
    rows = await query.order_by(_SIGNATORY).limit(limit)
    return [row["public_id"] for row in rows]


@dataclass
class Reached:
    """What one batch of the job did: the signatories it reached (superseded or invited,
    or found done already), and those that failed (tried again at the next run)."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def supersede_batch(settings: Settings, *, limit: int = BATCH,
                          skipped: frozenset[str] = frozenset()) -> Reached:
    """One write transaction of the job: up to `limit` signatories to an older version
    (none of `skipped`) superseded or invited. If the batch fails, its signatories are
    tried one transaction each, so that one signatory's trouble holds up nobody
    else's; those that fail alone are named in `failed`."""
    now = _now()
    version = await supersession.in_force()
    # Read first, outside any write: with nothing left to do (nearly always), the job
    # takes no write lock.
    if version is None or not await _waiting(version, now, 1, skipped):
        return Reached()
    waiting: list[str] = []
    try:
        async with db.write_transaction():
            await db.serialise(SUPERSESSION_LOCK)
            version = await supersession.in_force()
            waiting = await _waiting(version, now, limit, skipped) if version else []
            for public_id in waiting:
                assert version is not None
                await _supersede(await locked(public_id, caught_up=False), version, settings, now)
        return Reached(done=waiting)
    except Exception:  # logged; each signatory of the batch is tried on its own below
        log.exception("supersession: a batch of %d failed; trying each alone", len(waiting))
    reached = Reached()
    for public_id in waiting:
        try:
            async with db.write_transaction():
                version = await supersession.in_force()
                if version is not None:
                    await _supersede(await locked(public_id, caught_up=False), version, settings,
                                     _now())
            reached.done.append(public_id)
        except Exception:
            log.exception("supersession of signatory %s failed; tried again later",
                          public_id)
            reached.failed.append(public_id)
    return reached


async def supersede_older(settings: Settings, now: datetime) -> int:
    """The job: batches until no signatory is left to supersede, or for RUN_FOR seconds
    (the scheduler's other jobs run between; the next run goes on). A signatory that
    fails is left out for the rest of the run, so that a few that always fail (a
    damaged record) cannot keep the job from all the others. Returns how many
    signatories it reached."""
    began, reached = time.monotonic(), 0
    failed: set[str] = set()
    while True:
        batch = await supersede_batch(settings, skipped=frozenset(failed))
        reached += len(batch.done)
        failed.update(batch.failed)
        if len(batch.done) + len(batch.failed) < BATCH or time.monotonic() - began >= RUN_FOR:
            break
    if reached or failed:
        log.info("supersession: %d signatories reached, %d failed", reached, len(failed))
    return reached


async def supersede_if_older(public_id: str, *, settings: Settings, now: datetime) -> bool:
    """A signatory accepted to a version that is no longer in force (it applied before a
    newer one came into force) is superseded at once, inside the caller's transaction,
    with the whole grace period from now."""
    version = await supersession.in_force()
    if version is None:
        return False
    return await _supersede(await locked(public_id, caught_up=False), version, settings, now,
                            grace=now + timedelta(days=settings.supersede_grace_days))


async def reaccession_form(token: str) -> tuple[Holder, principles.VersionInfo]:
    """What the invitation link shows: the signatory and the version to accede to."""
    return await _reaccession(await usable_link(token, LinkPurpose.reaccede, _now()))


async def _reaccession(link: dict) -> tuple[Holder, principles.VersionInfo]:
    h = await holder_for_link(link)
    in_force = await principles.version_in_force()
    if in_force is None or in_force.version_id == h.signatory["version_id"]:
        raise Conflict(N_("This accession is already to the version in force."))
    return h, in_force


async def reaccede(token: str, answers: ReaccessionAnswers, *,
                   settings: Settings) -> Confirmed:
    """Accede to the version now in force, from the invitation link. The link proves
    control of the contact address, and the secretariat has accepted this signatory
    before: the new accession is active at once, with its own countersigned receipt."""
    now = _now()
    link = await usable_link(token, LinkPurpose.reaccede, now)
    h, in_force = await _reaccession(link)
    values = {k: v for k, v in h.application.items() if k in AccessionForm.model_fields}
    values.update(answers.model_dump(include=set(ReaccessionAnswers.model_fields)),
                  version=in_force.version_id, date=None, applicant_jwk=None,
                  applicant_signature=None)
    try:
        form = AccessionForm.model_validate(values)
    except ValidationError as error:
        field, message = next(iter(problems(error).items()))
        raise Invalid(message, field=None if field == "form" else field) from error
    statement = statements.build(form, version=in_force.version_id,
                                 version_hash=in_force.content_hash, on=now.date())
    digest = statements.digest(statement)
    public_id = tokens.public_id(12)
    async with db.write_transaction():
        h = await locked(h.public_id)
        if h.status not in (S.superseded, S.lapsed):  # never a way out of a suspension
            raise Conflict(N_("This accession cannot accede to the new version in its "
                              "present status."))
        await _refuse_if_held(h)
        await take_link(link, now)
        application = {**form.model_dump(mode="json"),
                       "language": h.application.get("language", "en")}
        row = {"public_id": public_id, "statement_hash": digest, "submitted_at": now,
               "applicant_signature": None}
        receipt = countersign(row, statement, confirmed_at=now)
        inserted = await Accession.insert(Accession(
            public_id=public_id, version=in_force.row_id, status=S.active,
            email_lookup=email_lookup(form.contact_email),
            application=seal(Accession.application, json.dumps(application)),
            statement=seal(Accession.statement, statements.canonical(statement).decode("utf-8")),
            statement_hash=digest, receipt=seal(Accession.receipt, receipt),
            signatory=h.signatory["id"], submitted_at=now, confirmed_at=now,
            confirmation_sent_at=now, decided_at=now))
        receipt_token = await new_link(inserted[0]["id"], LinkPurpose.receipt,
                                       timedelta(days=30), now)
        renewed = replace(h, accession={**h.accession, "id": inserted[0]["id"],
                                        "public_id": public_id})
        await deadlines.cancel(h.subject, [SUPERSESSION], now=now)
        await schedule_year(renewed, now + YEAR, now=now, settings=settings)
        listing = Listing(h.signatory["listing"])
        await _move(renewed, S.active, facts.AccessionReacceded, now=now,
                    actor=audit.ANONYMOUS, tag=EventTag.accession_version_reacceded,
                    details={"version": in_force.version_id, "accession": public_id},
                    fact_details={"register": in_public_facts(application, listing)},
                    version_id=in_force.version_id, acceded_at=now,
                    **projection(application, listing))
        await _notify(replace(h, application=application), "reacceded",
                      due=_day(now + YEAR), version=in_force.version_id)
    return Confirmed(public_id=public_id, receipt=receipt, receipt_token=receipt_token)


# --- Lapse -----------------------------------------------------------------------------

async def _lapse(h: Holder, settings: Settings, now: datetime) -> bool:
    """The year and its grace period are over (or, superseded, the grace period of the
    old version): the accession lapses, with a way back in the mail."""
    await deadlines.cancel(h.subject, [*YEAR_KINDS, SUPERSESSION], now=now)
    await _move(h, S.lapsed, facts.AccessionLapsed, now=now, actor=audit.SYSTEM,
                tag=EventTag.accession_status_lapsed)
    in_force = await principles.version_in_force()
    if in_force is not None and in_force.version_id != h.signatory["version_id"]:
        # Re-affirming an old version is not possible: the way back is the new one.
        url = await _mailed_link(h, LinkPurpose.reaccede, REACCEDE_LINK, settings, now)
        await _notify(h, "lapsed_superseded", url=url, in_force=in_force.version_id)
    else:
        url = await _mailed_link(h, LinkPurpose.reaffirm, REAFFIRM_LINK, settings, now)
        await _notify(h, "lapsed", url=url)
    return True


async def _year_over(h: Holder, settings: Settings, now: datetime) -> bool:
    return h.status == S.active and await _lapse(h, settings, now)


async def _grace_over(h: Holder, settings: Settings, now: datetime) -> bool:
    return h.status == S.superseded and await _lapse(h, settings, now)


# --- Decisions of the ethics panel -----------------------------------------------------

def _decision(reference: str) -> str:
    reference = " ".join(reference.split())
    if not 3 <= len(reference) <= 200:
        raise Invalid(N_("Name the panel decision (3 to 200 characters)."), field="decision")
    return reference


async def suspend(public_id: str, *, until: datetime | None, decision: str,
                  actor: audit.Actor, settings: Settings, confidential: bool = False) -> None:
    """Suspend by decision of the ethics panel (registry/cases: a final decision, or an
    interim measure of the chair and a second member), until a date, or with no end
    while a revocation waits for its appeal window. A suspended signatory's suspension
    is replaced (a later decision gives it another end)."""
    now = _now()
    decision = _decision(decision)
    if until is not None and until <= now:
        raise Invalid(N_("A suspension must end in the future."), field="until")
    async with db.write_transaction():
        h = await locked(public_id)
        step: dict[str, Any] = {
            "now": now, "actor": actor, "tag": EventTag.accession_status_suspended,
            "details": {"decision": decision, "until": until.isoformat() if until else None},
            "fact_details": {"until": until.date() if until else None},
            "confidential": confidential}
        if h.status == S.suspended:
            await _record(h, facts.AccessionSuspended, **step)
        else:
            await _move(h, S.suspended, facts.AccessionSuspended, **step)
        if until is not None:
            # The end of a suspension works for the signatory: it never pauses.
            await deadlines.schedule(h.subject, SUSPENSION_END, until, now=now)
            await _notify(h, "suspended", decision=decision, until=_day(until))
        else:
            await deadlines.cancel(h.subject, [SUSPENSION_END], now=now)
            await _notify(h, "suspended_pending_revocation", decision=decision)


async def revoke(public_id: str, *, decision: str, actor: audit.Actor,
                 settings: Settings, confidential: bool = False) -> None:
    now = _now()
    decision = _decision(decision)
    async with db.write_transaction():
        h = await locked(public_id)
        await _move(h, S.revoked, facts.AccessionRevoked, now=now, actor=actor,
                    tag=EventTag.accession_status_revoked, details={"decision": decision},
                    confidential=confidential)
        await deadlines.cancel(h.subject, now=now)  # revoked is final: nothing falls due
        await _notify(h, "revoked", decision=decision)


async def _reinstate(h: Holder, *, actor: audit.Actor, now: datetime, settings: Settings,
                     details: dict | None = None, confidential: bool = False) -> None:
    """Back from a suspension: to superseded if a newer version came into force meanwhile
    (with at least a month to accede to it), else active. A year that ran out during
    the suspension gets a month more, and a fresh reminder."""
    in_force = await principles.version_in_force()
    month = timedelta(days=settings.reaffirm_reminder_days)
    await deadlines.cancel(h.subject, [SUSPENSION_END], now=now)
    if in_force is not None and in_force.version_id != h.signatory["version_id"]:
        wanted = S.superseded
        grace = h.deadlines.get(SUPERSESSION) or await deadlines.last(h.subject, SUPERSESSION)
        await schedule(h, SUPERSESSION, max(grace.due_at if grace else now, now + month),
                       now=now)
    else:
        wanted = S.active
        ends = await last_year_end(h, now)
        await schedule_year(h, ends if ends and ends >= now + month else now + month,
                            now=now, settings=settings)
    await _move(h, wanted, facts.AccessionReinstated, now=now, actor=actor,
                tag=EventTag.accession_status_reinstated, details=details,
                confidential=confidential)
    await _notify(h, "reinstated")


# Whoever holds a signatory's suspension (a case of the ethics panel) says so here: then
# only that holder lifts it (`reinstate(..., by_holder=True)`).
SuspensionHolder = Callable[[str], Awaitable[bool]]
_suspension_holders: list[SuspensionHolder] = []


def hold_suspensions(holder_: SuspensionHolder) -> None:
    if holder_ not in _suspension_holders:
        _suspension_holders.append(holder_)


HELD = N_("This accession is suspended by a decision of the ethics panel: it cannot become "
          "active again until that suspension ends.")


async def _refuse_if_held(h: Holder) -> None:
    """A lapsed accession that a case suspended must not come back active by a click."""
    for holds in _suspension_holders:
        if await holds(h.public_id):
            raise Conflict(HELD)


async def reinstate(public_id: str, *, decision: str, actor: audit.Actor,
                    settings: Settings, by_holder: bool = False,
                    confidential: bool = False) -> None:
    """End a suspension early, by decision of the panel. A suspension that a case holds
    ends only by a decision in that case."""
    now = _now()
    decision = _decision(decision)
    async with db.write_transaction():
        h = await locked(public_id)
        if h.status != S.suspended:
            raise Conflict(N_("Only a suspended accession can be reinstated; this one is "
                              "%(status)s."),
                           status=labels.ACCESSION_STATUS.words_of(h.status))
        if not by_holder:
            for holds in _suspension_holders:
                if await holds(public_id):
                    raise Conflict(N_("This suspension was imposed in a case before the "
                                      "ethics panel: only a decision in that case ends it."))
        await _reinstate(h, actor=actor, now=now, settings=settings,
                         details={"decision": decision}, confidential=confidential)


async def _suspension_over(h: Holder, settings: Settings, now: datetime) -> bool:
    if h.status != S.suspended:
        return False
    await _reinstate(h, actor=audit.SYSTEM, now=now, settings=settings,
                     details={"suspension": "ended"})
    return True


async def complete_withdrawal(public_id: str, *, decision: str, actor: audit.Actor,
                              settings: Settings) -> None:
    """A persecuted signatory's withdrawal, held after its cooling-off, takes effect by
    decision of the panel."""
    now = _now()
    decision = _decision(decision)
    async with db.write_transaction():
        h = await locked(public_id)
        effective = h.withdrawal_effective_at
        if effective is None or effective > now:
            raise Conflict(N_("There is no withdrawal waiting for a decision: none is "
                              "pending, or its cooling-off period is not over."))
        await _complete_withdrawal(h, actor=actor, now=now, details={"decision": decision})


# --- The persecuted mark ---------------------------------------------------------------

async def mark_persecuted(public_id: str, persecuted: bool, *, actor: audit.Actor,
                          settings: Settings) -> None:
    """Set or lift the mark. It pauses every deadline of the signatory; lifting it moves
    each on by the time it was paused, so that no time ran against the signatory
    meanwhile, and a fresh reminder follows. Sealed, never public, never mailed."""
    now = _now()
    async with db.write_transaction():
        h = await locked(public_id)
        if persecuted == h.persecuted:
            return
        await Signatory.update({Signatory.persecution: persecution_mark(
            now if persecuted else None)}).where(_SIGNATORY == h.signatory["id"])
        if persecuted:
            await deadlines.pause(h.subject, now=now)
            await audit.record(EventTag.accession_persecution_marked, actor=actor,
                               subject=f"signatory:{public_id}")
            return
        since = h.persecuted_since
        await deadlines.resume(h.subject, now=now)
        h = await holder(public_id)
        if h.year_ends is not None:
            await schedule_year(h, h.year_ends, now=now, settings=settings)
        await audit.record(EventTag.accession_persecution_unmarked, actor=actor,
                           subject=f"signatory:{public_id}",
                           details={"paused_days": (now - since).days if since else None})


# --- What falls due --------------------------------------------------------------------

def _acting(act: Any) -> Any:
    """A deadline kind's action: the signatory, locked and read again, then `act`."""

    async def run(due: deadlines.Due, now: datetime) -> bool:
        h = await locked(due.subject.removeprefix("signatory:"))
        return bool(await act(h, runtime.settings(), now))

    run.__name__ = act.__name__
    return run


def install() -> None:
    """Hook accessions into the spine: the deadlines it acts on, the facts it follows."""
    for name, act, pauses in ((REMINDER, _remind, True), (LAPSE, _year_over, True),
                              (WITHDRAWAL, _withdraw, True),
                              (SUSPENSION_END, _suspension_over, False),
                              (SUPERSESSION, _grace_over, True)):
        deadlines.register(deadlines.DeadlineKind(name, _acting(act), pauses=pauses))
    public.subscribe(facts.VersionInForce, on_version_in_force)
    catch_up_with(_catch_up)


# --- For staff -------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffView:
    """A signatory as staff see it: the name decrypted, every deadline and mark."""

    public_id: str
    name: str
    kind: str
    listing: str
    status: str
    version_id: str
    reaffirm_due: datetime | None
    grace_until: datetime | None
    suspended_until: datetime | None
    withdrawal_effective_at: datetime | None
    persecuted_since: datetime | None
    accession_id: str
    history: list[register.Event] | None = None  # only on a signatory's own page

    @property
    def withdrawal_held(self) -> bool:
        """Cooling-off over, but persecuted: waits for the panel."""
        effective = self.withdrawal_effective_at
        return effective is not None and self.persecuted_since is not None and (
            effective <= _now())


def _staff_view(h: Holder, version: supersession.InForce | None) -> StaffView:
    return _staff_view_of(h.signatory, h.application["public_name"], h.accession["public_id"],
                          h.deadlines, h.persecuted_since, version)


def _staff_view_of(s: dict, name: str, accession_id: str, due: dict[str, deadlines.Due],
                   persecuted_since: datetime | None,
                   version: supersession.InForce | None) -> StaffView:
    """Its status as it is now (supersession.py), whether or not the job reached it."""
    def at(kind: str) -> datetime | None:
        deadline = due.get(kind)
        return deadline.due_at if deadline else None

    year = due.get(LAPSE)
    return StaffView(
        public_id=s["public_id"], name=name, kind=s["kind"], listing=s["listing"],
        status=supersession.shown(s["status"], s["version_id"], version),
        version_id=s["version_id"], reaffirm_due=year.stated_at if year else None,
        grace_until=at(SUPERSESSION),
        suspended_until=at(SUSPENSION_END), withdrawal_effective_at=at(WITHDRAWAL),
        persecuted_since=persecuted_since, accession_id=accession_id)


STAFF_PAGE_SIZE = 50
_STAFF_KINDS = [LAPSE, SUPERSESSION, SUSPENSION_END, WITHDRAWAL]


@dataclass(frozen=True)
class StaffPage:
    """One page of the signatories, by name: its views, its number (from 1), how many
    pages there are and how many signatories in all."""

    views: list[StaffView]
    number: int
    pages: int
    total: int


async def staff_list(page: int = 1, *, size: int = STAFF_PAGE_SIZE) -> StaffPage:
    """A page of every signatory, listed or not, by name, in five queries whatever the
    number of signatories (the fifth: the version in force, for the status shown).
    Names are stored only sealed, so ordering by name opens every name (the small
    `signatory.name`, the name applied with: a new accession carries it over); only the
    page's signatories are read whole, with their accessions and open deadlines. A page
    past the last is the last."""
    ordered = sorted(
        ((unseal(Signatory.name, row["name"]), row["id"])
         for row in await Signatory.select(_SIGNATORY, Signatory.name)),
        key=lambda named: (named[0].casefold(), named[1]))
    total = len(ordered)
    pages = max(1, -(-total // size))
    number = min(max(page, 1), pages)
    chosen = ordered[(number - 1) * size:number * size]
    if not chosen:
        return StaffPage([], number, pages, total)
    ids = [row_id for _, row_id in chosen]
    rows = {row["id"]: row for row in await Signatory.select().where(_SIGNATORY.is_in(ids))}
    current: dict[int, dict] = {}  # each signatory's latest accepted accession
    for row in await Accession.select(Accession.public_id, Accession.signatory,
                                      Accession.decided_at).where(
            Accession.signatory.is_in(ids)):
        known = current.get(row["signatory"])
        if known is None or _decided(row) > _decided(known):
            current[row["signatory"]] = row
    due = await deadlines.open_of_kinds(
        _STAFF_KINDS, [subject_of(rows[row_id]["public_id"]) for row_id in ids])
    version = await supersession.in_force()
    views = []
    for name, row_id in chosen:
        s = rows[row_id]
        views.append(_staff_view_of(
            s, name, current[row_id]["public_id"], due.get(subject_of(s["public_id"]), {}),
            unseal_moment(Signatory.persecution, s["persecution"]), version))
    return StaffPage(views, number, pages, total)


def _decided(accession: dict) -> datetime:
    return accession["decided_at"] or datetime.min.replace(tzinfo=UTC)


async def staff_find(public_id: str) -> StaffView:
    h = await holder(public_id)
    return replace(_staff_view(h, await supersession.in_force()),
                   history=await register.history(h.party()))
