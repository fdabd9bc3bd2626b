"""The rules of filing and following up a case.

Anyone may file, anonymously if they wish, against a signatory listed in the public
register. The filer gets a reference and a receipt code, shown once; with both they read
the case and write to the panel, without an account. A wrong pair gets the same words
and takes the same time whether or not the reference exists, and a reference that is
guessed at is refused for a while.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import db, keys
from registry.accessions import register
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import attachments, receipts
from registry.cases.attachments import Evidence
from registry.cases.schemas import ComplaintForm
from registry.cases.tables import (
    Case,
    CaseAttachment,
    CaseMessage,
    FollowUpFailure,
    Stage,
)
from registry.keys.sealed import seal, unseal
from registry.refusals import Invalid, NotFound, TooMany
from registry.settings import Settings
from registry.translation import N_

_CASE = Case._meta.primary_key
# Letters and digits that cannot be mistaken for one another when read out.
_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
# Words for the filer's view (translated where shown).
KIND_WORDS = {"complaint": N_("A complaint"),
              "conflict_of_interest": N_("A conflict of interest")}
STAGE_WORDS = {"received": N_("Received: the secretariat acknowledges it within five days.")}
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
    now = _now()
    respondent = await _listed_respondent(form.respondent)
    code, hashed = receipts.new_code()
    async with db.write_transaction():
        reference = new_reference(now)
        while await Case.exists().where(Case.reference == reference):
            reference = new_reference(now)
        rows = await Case.insert(Case(
            reference=reference, kind=form.kind, stage=Stage.received,
            complaint=seal(Case.complaint, json.dumps({
                "respondent": respondent.id, "principles": form.principles,
                "account": form.account})),
            filer=seal(Case.filer, json.dumps({
                "anonymous": form.anonymous, "name": form.name,
                "contact_email": form.contact_email,
                "consent_to_identity": form.consent_to_identity, "language": language})),
            receipt_hash=hashed, filed_at=now))
        await _keep(rows[0]["id"], "filer", evidence, now)
        # Who filed, and against whom, stays out of the audit trail too.
        await audit.record(EventTag.case_filing_received, actor=audit.ANONYMOUS,
                           subject=f"case:{reference}",
                           details={"kind": form.kind.value, "evidence": len(evidence)})
    return Filed(reference=reference, receipt_code=code)


async def _keep(case_id: int, author: str, evidence: Sequence[Evidence], now: datetime) -> None:
    for item in evidence:
        await CaseAttachment.insert(CaseAttachment(
            case_file=case_id, author=author, name=seal(CaseAttachment.name, item.name),
            media_type=item.media_type, size=item.size,
            metadata_removed=item.metadata_removed,
            content=seal(CaseAttachment.content, base64.b64encode(item.content).decode()),
            at=now))


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
    if failures >= settings.case_follow_up_max_failures:
        raise TooMany(TOO_MANY)
    if not right or row is None:
        async with db.write_transaction():
            await FollowUpFailure.delete().where(FollowUpFailure.at <= window)
            await FollowUpFailure.insert(FollowUpFailure(reference_lookup=lookup, at=now))
        raise NotFound(WRONG_PAIR)
    return row


@dataclass(frozen=True)
class Message:
    author: str
    text: str
    at: datetime


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
    messages: list[Message]
    evidence: list[dict[str, Any]]


async def follow_up(reference: str, code: str, *, settings: Settings) -> FilerView:
    row = await _opened(reference, code, settings)
    complaint = json.loads(unseal(Case.complaint, row["complaint"]))
    entry = await register.find(complaint["respondent"])
    messages = [Message(m["author"], unseal(CaseMessage.body, m["body"]), m["at"])
                for m in await CaseMessage.select().where(
                    CaseMessage.case_file == row["id"]).order_by(CaseMessage.at)]
    evidence = [{"size": a["size"], "media_type": a["media_type"],
                 "metadata_removed": a["metadata_removed"], "at": a["at"]}
                for a in await CaseAttachment.select(
                    CaseAttachment.size, CaseAttachment.media_type,
                    CaseAttachment.metadata_removed, CaseAttachment.at).where(
                    (CaseAttachment.case_file == row["id"]) & (CaseAttachment.author == "filer"))]
    return FilerView(reference=row["reference"], kind=row["kind"], stage=row["stage"],
                     filed_at=row["filed_at"],
                     respondent=entry.name if entry else complaint["respondent"],
                     principles=complaint["principles"], account=complaint["account"],
                     messages=messages, evidence=evidence)


async def filer_writes(reference: str, code: str, text: str, *,
                       evidence: Sequence[Evidence] = (),
                       settings: Settings) -> None:
    """The filer answers the panel, or adds to the case."""
    row = await _opened(reference, code, settings)
    now = _now()
    async with db.write_transaction():
        await CaseMessage.insert(CaseMessage(case_file=row["id"], author="filer",
                                             body=seal(CaseMessage.body, text), at=now))
        await _keep(row["id"], "filer", evidence, now)
        await audit.record(EventTag.case_message_received, actor=audit.ANONYMOUS,
                           subject=f"case:{row['reference']}",
                           details={"author": "filer", "evidence": len(evidence)})


async def respondents() -> list[register.Entry]:
    """Everyone a case may be filed against: the listed signatories, by name."""
    found, cursor = [], None
    while True:
        page = await register.search(cursor=cursor, limit=200)
        found += page.entries
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
