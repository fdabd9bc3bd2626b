"""Life after acceptance: re-affirmation every year, withdrawal with a cooling-off
period, a new version superseding the old, suspension and revocation by the ethics
panel, and the persecuted mark.

Every move is checked against TRANSITIONS (services.py), changes the signatory and its
current accession in one transaction, writes the public status history, an audit event
and, where the signatory should know, a mail.

Persecuted signatories: their deadlines pause (re-affirmation, grace period, cooling-off),
and nothing moves them to a worse status except a decision of the ethics panel. Their
withdrawal, once its cooling-off is over, is held until the panel decides: a withdrawal
can be coerced.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from registry import db
from registry.accessions import notices, register
from registry.accessions import statement as statements
from registry.accessions.review import projection
from registry.accessions.schemas import (
    AccessionForm,
    Listing,
    ReaccessionAnswers,
    field_errors,
)
from registry.accessions.services import (
    TRANSITIONS,
    YEAR,
    Confirmed,
    S,
    check_transition,
    countersign,
    email_lookup,
    link_refusal,
    new_link,
    open_field,
    seal,
    take_link,
    usable_link,
)
from registry.accessions.tables import (
    Accession,
    AccessionLink,
    AccessionStatus,
    LinkPurpose,
    Signatory,
    SignatoryEvent,
)
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.badges import services as badges
from registry.keys import tokens
from registry.principles import services as principles
from registry.refusals import Conflict, Invalid, NotFound
from registry.settings import Settings
from registry.translation import N_

log = logging.getLogger("registry.deadlines")
REAFFIRM_LINK = timedelta(days=400)
REACCEDE_LINK = timedelta(days=2 * 365)
CANCEL_LINK = timedelta(days=365)  # the pending withdrawal itself is checked as well
# Anyone may ask for a signatory's withdrawal link: not so often that it becomes a way
# to flood their mailbox.
ASK_AGAIN_AFTER = timedelta(hours=1)
_SIGNATORY = Signatory._meta.primary_key
_ACCESSION = Accession._meta.primary_key
# Where each mailed link of a signatory leads.
LINK_PATHS = {LinkPurpose.reaffirm: "reaffirm", LinkPurpose.withdraw: "withdraw",
              LinkPurpose.cancel_withdrawal: "cancel-withdrawal", LinkPurpose.reaccede: "renew"}


@dataclass(frozen=True)
class Holder:
    """A signatory, its current accession, and what was applied with (decrypted)."""

    signatory: dict
    accession: dict
    application: dict[str, Any]

    @property
    def public_id(self) -> str:
        return str(self.signatory["public_id"])

    @property
    def status(self) -> AccessionStatus:
        return AccessionStatus(self.signatory["status"])

    @property
    def persecuted(self) -> bool:
        return self.signatory["persecuted_since"] is not None


def _now() -> datetime:
    return datetime.now(UTC)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


async def _holder_of(signatory: dict) -> Holder:
    accession = await Accession.select().where(
        Accession.signatory == signatory["id"]).order_by(
        Accession.decided_at, ascending=False).first()
    assert accession is not None, "every signatory comes from an accepted accession"
    return Holder(signatory, accession,
                  json.loads(open_field(accession["application"], "application")))


async def holder(public_id: str) -> Holder:
    row = await Signatory.select().where(Signatory.public_id == public_id[:40]).first()
    if row is None:
        raise NotFound(N_("There is no signatory %(id)r."), id=public_id[:40])
    return await _holder_of(row)


async def _holder_for_link(link: dict) -> Holder:
    accession = await Accession.select(Accession.signatory).where(
        _ACCESSION == link["accession"]).first()
    row = (await Signatory.select().where(_SIGNATORY == accession["signatory"]).first()
           if accession and accession["signatory"] else None)
    if row is None:  # a link of an application, never accepted: not for these pages
        raise link_refusal(LinkPurpose(link["purpose"]), "unknown")
    return await _holder_of(row)


async def _record(h: Holder, event: str, *, tag: EventTag, actor: audit.Actor, now: datetime,
                  settings: Settings, status: AccessionStatus | None = None,
                  details: dict | None = None, **fields: Any) -> None:
    """Write a step of the signatory's history: its new fields, the public event, the
    audit event, and its badge brought in line. Inside the caller's transaction."""
    status = status or h.status
    changes = {getattr(Signatory, name): value for name, value in fields.items()}
    await Signatory.update({Signatory.status: status, **changes}).where(
        _SIGNATORY == h.signatory["id"])
    await SignatoryEvent.insert(SignatoryEvent(
        signatory=h.signatory["id"], event=event, status=status,
        version_id=fields.get("version_id", h.signatory["version_id"]), at=now))
    await audit.record(tag, actor=actor, subject=f"signatory:{h.public_id}",
                       details={"status": status.value, **(details or {})})
    await badges.refresh(h.signatory["id"], settings=settings, now=now)


async def _move(h: Holder, wanted: AccessionStatus, *, event: str, tag: EventTag,
                actor: audit.Actor, now: datetime, settings: Settings,
                details: dict | None = None, **fields: Any) -> None:
    """A change of status: the one way any signatory's status changes after acceptance."""
    check_transition(h.status, wanted)
    await Accession.update({Accession.status: wanted}).where(_ACCESSION == h.accession["id"])
    await _record(h, event, tag=tag, actor=actor, now=now, settings=settings, status=wanted,
                  details=details, **fields)


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


async def _locked(public_id: str) -> Holder:
    """The signatory, read again under its lock (inside a write transaction)."""
    await db.serialise(f"signatory:{public_id}")
    return await holder(public_id)


# --- Re-affirmation --------------------------------------------------------------------

async def _remind(public_id: str, settings: Settings, now: datetime) -> bool:
    async with db.write_transaction():
        h = await _locked(public_id)
        due = h.signatory["reaffirm_due"]
        if (h.status != S.active or h.persecuted or h.signatory["reminded_at"] is not None
                or due is None or due - timedelta(days=settings.reaffirm_reminder_days) > now):
            return False
        url = await _mailed_link(h, LinkPurpose.reaffirm, REAFFIRM_LINK, settings, now)
        await Signatory.update({Signatory.reminded_at: now}).where(
            _SIGNATORY == h.signatory["id"])
        lapses = due + timedelta(days=settings.reaffirm_grace_days)
        await _notify(h, "reaffirm_reminder", url=url, due=_day(due), lapses=_day(lapses))
        await audit.record(EventTag.accession_reaffirmation_reminded, actor=audit.SYSTEM,
                           subject=f"signatory:{public_id}")
    return True


async def reaffirm(token: str, *, settings: Settings) -> Holder:
    """One click from the reminder: another year. A lapsed accession becomes active again,
    if the version it accedes to is still in force."""
    now = _now()
    link = await usable_link(token, LinkPurpose.reaffirm, now)
    async with db.write_transaction():
        h = await _locked((await _holder_for_link(link)).public_id)
        in_force = await principles.version_in_force()  # superseded: always a newer one
        if in_force is not None and h.signatory["version_id"] != in_force.version_id:
            raise Conflict(N_("A new version of the Principles is in force: accede to it "
                              "through the link in the invitation mail."))
        if h.status not in (S.active, S.lapsed):
            raise Conflict(N_("This accession cannot be re-affirmed in its present status."))
        await take_link(link, now)
        await AccessionLink.update({AccessionLink.expires_at: now}).where(  # one year per click
            (AccessionLink.accession == h.accession["id"])
            & (AccessionLink.purpose == LinkPurpose.reaffirm) & AccessionLink.used_at.is_null())
        due = h.signatory["reaffirm_due"]
        # Re-affirmed in time, the year runs on from the old date; after a lapse, from today.
        due = due + YEAR if h.status == S.active and due and due + YEAR > now else now + YEAR
        fields: dict[str, Any] = {"reaffirm_due": due, "reminded_at": None}
        if h.status == S.lapsed:
            await _move(h, S.active, event="reaffirmed", now=now, settings=settings,
                        actor=audit.ANONYMOUS,
                        tag=EventTag.accession_reaffirmation_recorded, **fields)
        else:
            await _record(h, "reaffirmed", now=now, settings=settings, actor=audit.ANONYMOUS,
                          tag=EventTag.accession_reaffirmation_recorded, **fields)
        await _notify(h, "reaffirmed", due=_day(due))
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
            h = await _holder_of(row)
            if (email_lookup(h.application["contact_email"]) != lookup
                    or S.withdrawn not in TRANSITIONS[h.status]
                    or h.signatory["withdrawal_effective_at"] is not None
                    or await AccessionLink.exists().where(
                        (AccessionLink.accession == h.accession["id"])
                        & (AccessionLink.purpose == LinkPurpose.withdraw)
                        & (AccessionLink.created_at > now - ASK_AGAIN_AFTER))):
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
        h = await _locked((await _holder_for_link(link)).public_id)
        if h.signatory["withdrawal_effective_at"] is not None:
            raise Conflict(N_("A withdrawal of this accession is already pending."))
        check_transition(h.status, S.withdrawn)
        await take_link(link, now)
        effective = now + timedelta(days=settings.withdrawal_cooling_off_days)
        cancel = await _mailed_link(h, LinkPurpose.cancel_withdrawal,
                                    effective - now + CANCEL_LINK, settings, now)
        await _record(h, "withdrawal_requested", now=now, settings=settings, actor=audit.ANONYMOUS,
                      tag=EventTag.accession_withdrawal_requested,
                      withdrawal_effective_at=effective)
        await _notify(h, "withdrawal_pending", effective=_day(effective), url=cancel)
    return await holder(h.public_id)


async def cancel_withdrawal(token: str, *, settings: Settings) -> Holder:
    now = _now()
    link = await usable_link(token, LinkPurpose.cancel_withdrawal, now)
    async with db.write_transaction():
        h = await _locked((await _holder_for_link(link)).public_id)
        if h.signatory["withdrawal_effective_at"] is None or h.status == S.withdrawn:
            raise Conflict(N_("There is no pending withdrawal to cancel: it has taken "
                              "effect or was cancelled already."))
        await take_link(link, now)
        await _record(h, "withdrawal_cancelled", now=now, settings=settings, actor=audit.ANONYMOUS,
                      tag=EventTag.accession_withdrawal_cancelled, withdrawal_effective_at=None)
        await _notify(h, "withdrawal_cancelled")
    return await holder(h.public_id)


async def _complete_withdrawal(h: Holder, *, actor: audit.Actor, now: datetime,
                               settings: Settings, details: dict | None = None) -> None:
    await _move(h, S.withdrawn, event="withdrawn", tag=EventTag.accession_status_withdrawn,
                actor=actor, now=now, settings=settings, details=details,
                withdrawal_effective_at=None)
    await _notify(h, "withdrawn")


async def _withdraw_when_due(public_id: str, settings: Settings, now: datetime) -> bool:
    async with db.write_transaction():
        h = await _locked(public_id)
        effective = h.signatory["withdrawal_effective_at"]
        if (effective is None or effective > now or h.persecuted
                or S.withdrawn not in TRANSITIONS[h.status]):
            return False  # held: persecuted (the panel decides), or suspended meanwhile
        await _complete_withdrawal(h, actor=audit.SYSTEM, now=now, settings=settings)
    return True


# --- A new version in force ------------------------------------------------------------

async def _invite(h: Holder, version_id: str, settings: Settings, now: datetime) -> str | None:
    """A link to accede to the version in force, unless one is still open."""
    if await AccessionLink.exists().where(
            (AccessionLink.accession == h.accession["id"])
            & (AccessionLink.purpose == LinkPurpose.reaccede)
            & AccessionLink.used_at.is_null() & (AccessionLink.expires_at > now)):
        return None
    return await _mailed_link(h, LinkPurpose.reaccede, REACCEDE_LINK, settings, now)


async def _supersede_one(public_id: str, version_id: str, settings: Settings,
                         now: datetime) -> bool:
    """An active accession to an older version becomes superseded (valid for the grace
    period), with an invitation; a lapsed one only gets the invitation."""
    async with db.write_transaction():  # joins the sync's transaction when there is one
        h = await _locked(public_id)
        if h.signatory["version_id"] == version_id or h.status not in (S.active, S.lapsed):
            return False
        url = await _invite(h, version_id, settings, now)
        if h.status == S.lapsed:
            if url:
                await _notify(h, "lapsed_superseded", url=url, in_force=version_id)
            return False
        grace = now + timedelta(days=settings.supersede_grace_days)
        await _move(h, S.superseded, event="superseded", now=now, settings=settings,
                    actor=audit.SYSTEM, tag=EventTag.accession_status_superseded,
                    grace_until=grace, details={"in_force": version_id})
        await _notify(h, "superseded", in_force=version_id, grace=_day(grace), url=url)
    return True


async def _older(version_id: str) -> list[str]:
    return [row["public_id"] for row in await Signatory.select(Signatory.public_id).where(
        Signatory.status.is_in([S.active, S.lapsed]) & (Signatory.version_id != version_id))]


async def supersede(version_id: str, *, settings: Settings, now: datetime | None = None) -> int:
    """Accessions to older versions become superseded: valid for the grace period, with
    an invitation to accede to the new one. Inside the caller's transaction when there is
    one (principles sync), so the version and its effects commit together."""
    now = now or _now()
    return sum([await _supersede_one(public_id, version_id, settings, now)
                for public_id in await _older(version_id)])


async def reaccession_form(token: str) -> tuple[Holder, principles.VersionInfo]:
    """What the invitation link shows: the signatory and the version to accede to."""
    return await _reaccession(await usable_link(token, LinkPurpose.reaccede, _now()))


async def _reaccession(link: dict) -> tuple[Holder, principles.VersionInfo]:
    h = await _holder_for_link(link)
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
        field, message = next(iter(field_errors(error).items()))
        raise Invalid(message, field=None if field == "form" else field) from error
    statement = statements.build(form, version=in_force.version_id,
                                 version_hash=in_force.content_hash, on=now.date())
    digest = statements.digest(statement)
    public_id = tokens.public_id(12)
    async with db.write_transaction():
        h = await _locked(h.public_id)
        if h.status not in (S.superseded, S.lapsed):  # never a way out of a suspension
            raise Conflict(N_("This accession cannot accede to the new version in its "
                              "present status."))
        await take_link(link, now)
        application = {**form.model_dump(mode="json"),
                       "language": h.application.get("language", "en")}
        row = {"public_id": public_id, "statement_hash": digest, "submitted_at": now,
               "applicant_signature": None}
        receipt = countersign(row, statement, confirmed_at=now)
        inserted = await Accession.insert(Accession(
            public_id=public_id, version=in_force.row_id, status=S.active,
            email_lookup=email_lookup(form.contact_email),
            application=seal(json.dumps(application), "application"),
            statement=seal(statements.canonical(statement).decode("utf-8"), "statement"),
            statement_hash=digest, receipt=seal(receipt, "receipt"),
            signatory=h.signatory["id"], submitted_at=now, confirmed_at=now,
            confirmation_sent_at=now, decided_at=now))
        receipt_token = await new_link(inserted[0]["id"], LinkPurpose.receipt,
                                       timedelta(days=30), now)
        due = now + YEAR
        renewed = Holder(h.signatory, {**h.accession, "id": inserted[0]["id"],
                                       "public_id": public_id}, h.application)
        await _move(renewed, S.active, event="reacceded", now=now, settings=settings,
                    actor=audit.ANONYMOUS,
                    tag=EventTag.accession_version_reacceded,
                    details={"version": in_force.version_id, "accession": public_id},
                    version_id=in_force.version_id, acceded_at=now, reaffirm_due=due,
                    reminded_at=None, grace_until=None,
                    **projection(application, Listing(h.signatory["listing"])))
        await _notify(Holder(h.signatory, h.accession, application), "reacceded",
                      due=_day(due), version=in_force.version_id)
    return Confirmed(public_id=public_id, receipt=receipt, receipt_token=receipt_token)


# --- Lapse -----------------------------------------------------------------------------

async def _lapse_when_due(public_id: str, settings: Settings, now: datetime) -> bool:
    async with db.write_transaction():
        h = await _locked(public_id)
        if h.persecuted:
            return False
        due, grace = h.signatory["reaffirm_due"], h.signatory["grace_until"]
        year_over = (h.status == S.active and due is not None
                     and due + timedelta(days=settings.reaffirm_grace_days) <= now)
        grace_over = h.status == S.superseded and grace is not None and grace <= now
        if not (year_over or grace_over):
            return False
        await _move(h, S.lapsed, event="lapsed", now=now, settings=settings, actor=audit.SYSTEM,
                    tag=EventTag.accession_status_lapsed, grace_until=None)
        in_force = await principles.version_in_force()
        if in_force is not None and in_force.version_id != h.signatory["version_id"]:
            # Re-affirming an old version is not possible: the way back is the new one.
            url = await _mailed_link(h, LinkPurpose.reaccede, REACCEDE_LINK, settings, now)
            await _notify(h, "lapsed_superseded", url=url, in_force=in_force.version_id)
        else:
            url = await _mailed_link(h, LinkPurpose.reaffirm, REAFFIRM_LINK, settings, now)
            await _notify(h, "lapsed", url=url)
    return True


# --- Decisions of the ethics panel -----------------------------------------------------

def _decision(reference: str) -> str:
    reference = " ".join(reference.split())
    if not 3 <= len(reference) <= 200:
        raise Invalid(N_("Name the panel decision (3 to 200 characters)."), field="decision")
    return reference


async def suspend(public_id: str, *, until: datetime, decision: str, actor: audit.Actor,
                  settings: Settings) -> None:
    now = _now()
    decision = _decision(decision)
    if until <= now:
        raise Invalid(N_("A suspension must end in the future."), field="until")
    async with db.write_transaction():
        h = await _locked(public_id)
        await _move(h, S.suspended, event="suspended", now=now, settings=settings, actor=actor,
                    tag=EventTag.accession_status_suspended, suspended_until=until,
                    details={"decision": decision, "until": until.isoformat()})
        await _notify(h, "suspended", decision=decision, until=_day(until))


async def revoke(public_id: str, *, decision: str, actor: audit.Actor,
                 settings: Settings) -> None:
    now = _now()
    decision = _decision(decision)
    async with db.write_transaction():
        h = await _locked(public_id)
        await _move(h, S.revoked, event="revoked", now=now, settings=settings, actor=actor,
                    tag=EventTag.accession_status_revoked, suspended_until=None,
                    withdrawal_effective_at=None, details={"decision": decision})
        await _notify(h, "revoked", decision=decision)


async def _reinstate(h: Holder, *, actor: audit.Actor, now: datetime, settings: Settings,
                     details: dict | None = None) -> None:
    """Back from a suspension: to superseded if a newer version came into force meanwhile
    (with at least a month to accede to it), else active. A year that ran out during
    the suspension gets a month more, and a fresh reminder."""
    in_force = await principles.version_in_force()
    month = timedelta(days=settings.reaffirm_reminder_days)
    fields: dict[str, Any] = {"suspended_until": None}
    if in_force is not None and in_force.version_id != h.signatory["version_id"]:
        wanted = S.superseded
        fields["grace_until"] = max(h.signatory["grace_until"] or now, now + month)
    else:
        wanted = S.active
        due = h.signatory["reaffirm_due"]
        if due is None or due < now + month:
            fields.update(reaffirm_due=now + month, reminded_at=None)
    await _move(h, wanted, event="reinstated", now=now, actor=actor, settings=settings,
                tag=EventTag.accession_status_reinstated, details=details, **fields)
    await _notify(h, "reinstated")


async def reinstate(public_id: str, *, decision: str, actor: audit.Actor,
                    settings: Settings) -> None:
    """End a suspension early, by decision of the panel."""
    now = _now()
    decision = _decision(decision)
    async with db.write_transaction():
        h = await _locked(public_id)
        if h.status != S.suspended:
            raise Conflict(N_("Only a suspended accession can be reinstated; this one is "
                              "%(status)s."), status=h.status.value)
        await _reinstate(h, actor=actor, now=now, settings=settings,
                         details={"decision": decision})


async def _reinstate_when_due(public_id: str, settings: Settings, now: datetime) -> bool:
    async with db.write_transaction():
        h = await _locked(public_id)
        until = h.signatory["suspended_until"]
        if h.status != S.suspended or until is None or until > now:
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
        h = await _locked(public_id)
        effective = h.signatory["withdrawal_effective_at"]
        if effective is None or effective > now:
            raise Conflict(N_("There is no withdrawal waiting for a decision: none is "
                              "pending, or its cooling-off period is not over."))
        await _complete_withdrawal(h, actor=actor, now=now, settings=settings,
                                   details={"decision": decision})


# --- The persecuted mark ---------------------------------------------------------------

def _deadline_lengths(settings: Settings) -> dict[str, timedelta]:
    """Each paused deadline, and how long after its start it falls."""
    return {"reaffirm_due": YEAR,
            "grace_until": timedelta(days=settings.supersede_grace_days),
            "withdrawal_effective_at": timedelta(days=settings.withdrawal_cooling_off_days)}


async def mark_persecuted(public_id: str, persecuted: bool, *, actor: audit.Actor,
                          settings: Settings) -> None:
    """Set or lift the mark. Lifting it moves every paused deadline on by the time the
    mark was set, so that no time ran against the signatory meanwhile. Never public,
    never mailed."""
    now = _now()
    async with db.write_transaction():
        h = await _locked(public_id)
        since = h.signatory["persecuted_since"]
        if persecuted == (since is not None):
            return
        if persecuted:
            await Signatory.update({Signatory.persecuted_since: now}).where(
                _SIGNATORY == h.signatory["id"])
            await audit.record(EventTag.accession_persecution_marked, actor=actor,
                               subject=f"signatory:{public_id}")
            return
        paused = now - since
        changes: dict[Any, Any] = {Signatory.persecuted_since: None,
                                   Signatory.reminded_at: None}
        for name, length in _deadline_lengths(settings).items():
            deadline = h.signatory[name]
            if deadline is not None:
                # Time stood still from the mark (or from when the deadline was set, if
                # later) until now: the deadline moves on by exactly that.
                started = deadline - length
                changes[getattr(Signatory, name)] = deadline + (now - max(since, started))
        await Signatory.update(changes).where(_SIGNATORY == h.signatory["id"])
        await audit.record(EventTag.accession_persecution_unmarked, actor=actor,
                           subject=f"signatory:{public_id}",
                           details={"paused_days": paused.days})
        await badges.refresh(h.signatory["id"], settings=settings, now=now)  # new validity


# --- The daily pass --------------------------------------------------------------------

@dataclass
class DeadlineReport:
    superseded: int = 0
    lapsed: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    reminded: int = 0
    renewed: int = 0  # badges of persecuted signatories, whose deadlines are paused

    def __str__(self) -> str:
        return ", ".join(f"{count} {what}" for what, count in vars(self).items())


async def run_deadlines(settings: Settings, *, now: datetime | None = None) -> DeadlineReport:
    """Every deadline that has come, one signatory per transaction. Safe to run again and
    from several processes: each step re-reads its signatory under a lock."""
    now = now or _now()
    report = DeadlineReport()
    in_force = await principles.version_in_force()

    async def ids(condition: Any) -> list[str]:
        return [r["public_id"] for r in await Signatory.select(Signatory.public_id).where(
            condition & Signatory.persecuted_since.is_null())]

    async def each(step: Any, public_ids: list[str], *args: Any) -> int:
        done = 0
        for public_id in public_ids:
            try:
                done += await step(public_id, *args)
            except Exception:  # one signatory's trouble must not stop everyone's deadlines
                log.exception("deadlines: %s failed for signatory %s", step.__name__, public_id)
        return done

    if in_force is not None:
        report.superseded = await each(_supersede_one, await _older(in_force.version_id),
                                       in_force.version_id, settings, now)
    report.lapsed = await each(_lapse_when_due, await ids(
        ((Signatory.status == S.active) & (Signatory.reaffirm_due <= now - timedelta(
            days=settings.reaffirm_grace_days)))
        | ((Signatory.status == S.superseded) & (Signatory.grace_until <= now))), settings, now)
    report.withdrawn = await each(_withdraw_when_due,
                                  await ids(Signatory.withdrawal_effective_at <= now),
                                  settings, now)
    report.reinstated = await each(_reinstate_when_due, [
        r["public_id"] for r in await Signatory.select(Signatory.public_id).where(
            (Signatory.status == S.suspended) & (Signatory.suspended_until <= now))],
        settings, now)
    report.reminded = await each(_remind, await ids(
        (Signatory.status == S.active) & Signatory.reminded_at.is_null()
        & (Signatory.reaffirm_due <= now + timedelta(days=settings.reaffirm_reminder_days))),
        settings, now)
    report.renewed = await badges.renew_paused(settings, now)
    await badges.keep_status_lists_fresh(settings)  # signed anew daily, whatever `now` says
    return report


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


def _staff_view(h: Holder) -> StaffView:
    s = h.signatory
    return StaffView(
        public_id=s["public_id"], name=h.application["public_name"], kind=s["kind"],
        listing=s["listing"], status=s["status"], version_id=s["version_id"],
        reaffirm_due=s["reaffirm_due"], grace_until=s["grace_until"],
        suspended_until=s["suspended_until"], withdrawal_effective_at=s["withdrawal_effective_at"],
        persecuted_since=s["persecuted_since"], accession_id=h.accession["public_id"])


async def staff_list() -> list[StaffView]:
    """Every signatory, listed or not, by name. Decrypts each: fine for the hundreds the
    register holds; a register of many thousands would want paging here."""
    views = [_staff_view(await _holder_of(row)) for row in await Signatory.select()]
    return sorted(views, key=lambda v: v.name.casefold())


async def staff_find(public_id: str) -> StaffView:
    h = await holder(public_id)
    return replace(_staff_view(h), history=await register.history(h.signatory["id"]))
