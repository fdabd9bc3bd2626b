"""The rules of filing and following up a case.

Anyone may file, anonymously if they wish, against a signatory listed in the public
register. The filer gets a reference and a receipt code, shown once; with both they read
the case and write to the panel, without an account. A wrong pair gets the same words
and takes the same time whether or not the reference exists, and a reference that is
guessed at is refused for a while.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import db, keys
from registry.accessions import register
from registry.accessions import services as accessions
from registry.accessions.holders import Holder, holder_for_link, holder_of
from registry.accessions.tables import Accession, AccessionLink, LinkPurpose, Signatory
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import attachments, decisions, notices, parties, receipts, stages
from registry.cases.attachments import Evidence
from registry.cases.schemas import ComplaintForm, DeclarationForm
from registry.cases.tables import (
    Case,
    CaseAppeal,
    CaseAttachment,
    CaseKind,
    CaseStep,
    FollowUpFailure,
    Stage,
)
from registry.keys.sealed import seal, seal_moment
from registry.limits import services as limits
from registry.refusals import Conflict, Invalid, NotFound, TooMany
from registry.settings import Settings
from registry.staff.permissions import Role
from registry.translation import N_

_CASE = Case._meta.primary_key
# Letters and digits that cannot be mistaken for one another when read out.
_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
# Who wrote a message, in the filer's view (translated where shown).
AUTHOR_WORDS = {"filer": N_("You"), "respondent": N_("The signatory concerned"),
                "panel": N_("The ethics panel")}
WRONG_PAIR = N_("This reference and receipt code do not open a case. Check both and try "
                "again.")
TOO_MANY = N_("Too many wrong receipt codes for this reference. Try again in an hour.")


def _now() -> datetime:
    return datetime.now(UTC)


def new_reference(now: datetime) -> str:
    return f"{now.year}-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def normal_reference(reference: str) -> str:
    return reference.strip().upper()[:20]


MB = 1024 * 1024
MAX_TOTAL_MB = 20  # the bound of REGISTRY_CASE_ATTACHMENTS_MAX_TOTAL_MB (the routes' limit)


def check_evidence(files: list[tuple[str, bytes]], settings: Settings) -> list[Evidence]:
    """Files sent as evidence: the batch by count and total, each file by its content."""
    files = [(name, data) for name, data in files if data]
    attachments.check_batch([len(data) for _, data in files],
                            max_count=settings.case_attachment_max_count,
                            max_total=settings.case_attachments_max_total_mb * MB)
    limits = attachments.Limits(max_bytes=settings.case_attachment_max_mb * MB)
    return [attachments.inspect(data, filename=name, limits=limits) for name, data in files]


@dataclass(frozen=True)
class Filed:
    reference: str
    receipt_code: str  # shown once, stored nowhere


async def _listed_respondent(public_id: str) -> register.Entry:
    """The respondent must be in the public register (a listed signatory)."""
    entry = await register.find(public_id)
    if entry is None:
        raise Invalid(N_("Choose the signatory from the public register."), field="respondent")
    return entry


async def file(form: ComplaintForm, *, language: str, evidence: Sequence[Evidence] = (),
               settings: Settings) -> Filed:
    """Open a case: sealed, with a receipt code that is shown once."""
    respondent = await _listed_respondent(form.respondent)
    return await _open(kind=form.kind, respondent=respondent.id, principles=form.principles,
                       account=form.account, filer={
                           "anonymous": form.anonymous, "name": form.name,
                           "contact_email": form.contact_email,
                           "consent_to_identity": form.consent_to_identity,
                           "language": language},
                       evidence=evidence, self_declared=False, settings=settings)


async def _open(*, kind: str, respondent: str, principles: list[int], account: str,
                filer: dict[str, Any], evidence: Sequence[Evidence], self_declared: bool,
                settings: Settings) -> Filed:
    now = _now()
    code, hashed = receipts.new_code()
    async with db.write_transaction():
        reference = new_reference(now)
        while await Case.exists().where(Case.reference == reference):
            reference = new_reference(now)
        rows = await Case.insert(Case(
            reference=reference, kind=kind, stage=Stage.received,
            complaint=seal(Case.complaint, json.dumps({
                "respondent": respondent, "principles": principles, "account": account})),
            filer=seal(Case.filer, json.dumps(filer)),
            filer_persecution=seal_moment(Case.filer_persecution, None),
            effects=seal(Case.effects, "{}"),
            receipt_hash=hashed, filed_at=now, self_declared=self_declared))
        await CaseStep.insert(CaseStep(case_file=rows[0]["id"], stage=Stage.received, at=now))
        await parties.keep_evidence(rows[0]["id"], "filer", evidence, now)
        # Who filed, and against whom, stays out of the audit trail too.
        await audit.record(EventTag.case_filing_received, actor=audit.ANONYMOUS,
                           subject=f"case:{reference}",
                           details={"kind": kind, "evidence": len(evidence)})
        case = await stages.find(reference)
        await stages.start_clock(case, now=now, settings=settings)
        due = await stages.next_deadline(case)
        assert due is not None
        await notices.to_staff("staff_new_case", roles={Role.secretariat}, settings=settings,
                               reference=reference, due=notices.day(due.due_at))
    return Filed(reference=reference, receipt_code=code)


# --- Following up ----------------------------------------------------------------------

def _lookup(reference: str) -> str:
    return keys.keyring().lookup_hash(reference, purpose="case-follow-up")


async def _opened(reference: str, code: str, settings: Settings) -> dict:
    """The case this pair opens; otherwise the same refusal, after the same work."""
    reference = normal_reference(reference)
    now = _now()
    window = now - timedelta(minutes=settings.case_follow_up_window_minutes)
    lookup = _lookup(reference)
    failures = await FollowUpFailure.count().where(
        (FollowUpFailure.reference_lookup == lookup) & (FollowUpFailure.at > window))
    row = await Case.select().where(Case.reference == reference).first()
    right = receipts.matches(code, row["receipt_hash"] if row else None)
    if right and row is not None:
        # The right code always opens: guessing is what is limited, so that someone who
        # knows a reference cannot lock its filer out of the comments or the appeal.
        return row
    if failures >= settings.case_follow_up_max_failures:
        # At most: the window moves on as its oldest failure leaves it.
        raise TooMany(TOO_MANY, retry_after=settings.case_follow_up_window_minutes * 60)
    async with db.write_transaction():
        await FollowUpFailure.delete().where(FollowUpFailure.at <= window)
        await FollowUpFailure.insert(FollowUpFailure(reference_lookup=lookup, at=now))
    raise NotFound(WRONG_PAIR)


@dataclass(frozen=True)
class FilerView:
    """A case as its filer sees it."""

    reference: str
    kind: str
    stage: str
    filed_at: datetime
    respondent: str  # the respondent's public name
    principles: list[int]
    account: str
    messages: list[parties.Message]
    evidence: list[dict[str, Any]]
    # The end of the present stage, while it runs. Whether it is paused is never said:
    # a pause would tell that a party is marked persecuted.
    due: datetime | None
    decision: decisions.PartyDecision | None
    can_write: bool
    can_comment: bool
    can_appeal: bool
    appealed: bool


async def follow_up(reference: str, code: str, *, settings: Settings) -> FilerView:
    row = await _opened(reference, code, settings)
    case = stages.opened(row)
    entry = await register.find(case.respondent)
    evidence = [{"size": a["size"], "media_type": a["media_type"],
                 "metadata_removed": a["metadata_removed"], "at": a["at"]}
                for a in await CaseAttachment.select(
                    CaseAttachment.size, CaseAttachment.media_type,
                    CaseAttachment.metadata_removed, CaseAttachment.at).where(
                    (CaseAttachment.case_file == case.id) & (CaseAttachment.author == "filer"))]
    deadline = await stages.next_deadline(case)
    appealed = await CaseAppeal.exists().where(CaseAppeal.case_file == case.id)
    return FilerView(reference=case.reference, kind=case.kind, stage=case.stage.value,
                     filed_at=case.filed_at,
                     respondent=entry.name if entry else case.respondent,
                     principles=case.principles, account=case.account,
                     messages=parties.messages_for(await parties.case_messages(case), "filer"),
                     evidence=evidence,
                     due=stages.shown_due(deadline, _now()),
                     decision=await decisions.for_parties(case),
                     can_write=case.stage in stages.OPEN,
                     can_comment=case.stage == Stage.comments,
                     can_appeal=case.stage == Stage.appeal_window and not appealed,
                     appealed=appealed)


CLOSED = N_("This case is closed: nothing more can be added to it.")


async def filer_writes(reference: str, code: str, text: str, *,
                       evidence: Sequence[Evidence] = (),
                       settings: Settings) -> None:
    """The filer answers the panel, adds to the case, or comments on the draft."""
    row = await _opened(reference, code, settings)
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(row["reference"])
        if case.stage in stages.FINAL:
            raise Conflict(CLOSED)
        await parties.add_message(case, "filer", text, evidence=evidence, now=now,
                                  actor=audit.ANONYMOUS,
                                  what="comment" if case.stage == Stage.comments else "message")


async def filer_appeals(reference: str, code: str, grounds: str, *,
                        settings: Settings) -> None:
    row = await _opened(reference, code, settings)
    await decisions.filer_appeals(row["reference"], grounds, settings=settings)


# --- A signatory declares its own conflict ---------------------------------------------

DECLARABLE = frozenset({"active", "superseded", "suspended"})
ASK_DECLARATION_ANSWER = N_(
    "If a signatory with this contact address is in the register, a link to declare a "
    "conflict of interest is on its way to that address. A new link can be sent once an "
    "hour.")
ASK_AGAIN_AFTER = timedelta(hours=1)


async def ask_declaration(email: str, *, settings: Settings) -> None:
    """A link to declare a conflict, to the contact address of each signatory it is; the
    answer is the same whether or not one exists."""
    now = _now()
    lookup = accessions.email_lookup(email.strip())
    async with db.write_transaction():
        await db.serialise(f"accessions:submit:{lookup}")
        held = {r["signatory"] for r in await Accession.select(Accession.signatory).where(
            (Accession.email_lookup == lookup) & Accession.signatory.is_not_null())}
        rows = await Signatory.select().where(
            Signatory._meta.primary_key.is_in(list(held))) if held else []
        for row in rows:
            h = await holder_of(row)
            if (accessions.email_lookup(h.application["contact_email"]) != lookup
                    or h.status.value not in DECLARABLE
                    or await AccessionLink.exists().where(
                        (AccessionLink.accession == h.accession["id"])
                        & (AccessionLink.purpose == LinkPurpose.declare_conflict)
                        & (AccessionLink.created_at > now - ASK_AGAIN_AFTER))
                    or not await limits.mail_allowed_to(h.application["contact_email"],
                                                        kind="declare", settings=settings)):
                continue
            token = await accessions.new_link(
                h.accession["id"], LinkPurpose.declare_conflict,
                timedelta(hours=settings.confirmation_link_hours), now)
            await notices.send("declare_link", to=h.application["contact_email"],
                               language=h.application.get("language", "en"),
                               url=f"{settings.base_url}/complaints/declare/{token}",
                               name=h.application["representative_name"],
                               public_name=h.application["public_name"],
                               hours=settings.confirmation_link_hours)
            await audit.record(EventTag.case_declaration_asked, actor=audit.ANONYMOUS,
                               subject=f"signatory:{h.public_id}")


async def declaration_form(token: str) -> Holder:
    """Whose conflict the link declares (the link itself is used by `declare`)."""
    link = await accessions.usable_link(token, LinkPurpose.declare_conflict, _now())
    return await holder_for_link(link)


async def declare(token: str, form: DeclarationForm, *, evidence: Sequence[Evidence] = (),
                  settings: Settings) -> Filed:
    """The signatory declares its own conflict: a case of the same procedure, with a
    reference and receipt code like any other; the panel reaches it at its contact
    address."""
    now = _now()
    link = await accessions.usable_link(token, LinkPurpose.declare_conflict, now)
    h = await holder_for_link(link)
    if h.status.value not in DECLARABLE:
        raise Conflict(N_("An accession in its present status cannot declare a conflict."))
    async with db.write_transaction():
        await accessions.take_link(link, now)
        return await _open(
            kind=CaseKind.conflict_of_interest, respondent=h.public_id,
            principles=form.principles, account=form.account, filer={
                "anonymous": False, "name": h.application["representative_name"],
                "contact_email": "", "consent_to_identity": True,
                "language": h.application.get("language", "en")},
            evidence=evidence, self_declared=True, settings=settings)


async def respondents() -> list[register.Entry]:
    """Everyone a case may be filed against: the listed signatories, by name."""
    found, cursor = [], None
    while True:
        page = await register.search(cursor=cursor, limit=200)
        found += page.entries
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
