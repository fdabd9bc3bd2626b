"""The two sides of a case and how each is heard.

The respondent is reached only at its contact address, by a mail of fixed words with a
one-time link (registry/cases/notices.py): reading through the link is free, writing
through it (an answer, a reply, a comment on the draft, an appeal) uses it up, and each
further round gets a new link. What the respondent sees: the kind of case, the principles
concerned, what happened, the filer's name only if the filer consented (Principle 11),
the panel's messages to it, the draft when shared, the decision. Never the evidence
(staff only), never the filer's address.

The filer is reached through the follow-up page (reference and receipt code); a filer
who gave an address is told there is news, in fixed words, nothing more.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import db
from registry.accessions.holders import holder
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import notices, stages
from registry.cases.attachments import Evidence
from registry.cases.stages import CaseRecord
from registry.cases.tables import (
    CaseAppeal,
    CaseAttachment,
    CaseLink,
    CaseMessage,
    LinkPurpose,
    Stage,
)
from registry.keys.sealed import seal, unseal
from registry.keys.tokens import MAX_LENGTH, new_token, token_hash
from registry.refusals import Conflict, Gone, NotFound
from registry.settings import Settings
from registry.staff.permissions import Role
from registry.translation import N_

_LINK = CaseLink._meta.primary_key
# What each link lets the respondent write, and in which stages.
WRITES_IN: dict[LinkPurpose, frozenset[Stage]] = {
    # A late answer is still heard while the panel has not shared its draft.
    LinkPurpose.answer: frozenset({Stage.answer, Stage.review}),
    LinkPurpose.reply: frozenset(stages.OPEN),
    LinkPurpose.comment: frozenset({Stage.comments}),
    LinkPurpose.appeal: frozenset({Stage.appeal_window}),
}
# How long a link lasts past the deadline it was mailed for.
LINK_SLACK = timedelta(days=30)
LINK_UNKNOWN = N_("This link is not valid. Check that it was copied whole.")
LINK_USED = N_("This link was already used. The ethics panel sends a new link for each "
               "further round.")
LINK_EXPIRED = N_("This link has expired.")
NOT_NOW = N_("The case is no longer at the stage this link was sent for.")
APPEALED = N_("This case has already been appealed: there is one appeal per case.")
NO_APPEAL = N_("The time to appeal this decision is over.")


def _now() -> datetime:
    return datetime.now(UTC)


# --- Links -----------------------------------------------------------------------------

async def new_link(case: CaseRecord, purpose: LinkPurpose, lifetime: timedelta,
                   now: datetime) -> str:
    token, hashed = new_token()
    await CaseLink.insert(CaseLink(case_file=case.id, purpose=purpose, token_hash=hashed,
                                   created_at=now, expires_at=now + lifetime))
    return token


async def usable_link(token: str) -> dict:
    """The link this token opens, if it is still good; otherwise a refusal in words (a
    used or expired one audited, without the token)."""
    link = (await CaseLink.select().where(CaseLink.token_hash == token_hash(token)).first()
            if 10 <= len(token) <= MAX_LENGTH else None)
    if link is None:
        raise NotFound(LINK_UNKNOWN)
    reason = ("used" if link["used_at"] is not None
              else "expired" if link["expires_at"] <= _now() else None)
    if reason is None:
        return link
    async with db.write_transaction():
        await audit.record(EventTag.case_link_refused, actor=audit.ANONYMOUS,
                           subject=f"case-link:{link['id']}",
                           details={"reason": reason, "purpose": link["purpose"]})
    raise Gone(LINK_USED if reason == "used" else LINK_EXPIRED)


async def _take(link: dict, now: datetime) -> None:
    taken = await CaseLink.update({CaseLink.used_at: now}).where(
        (_LINK == link["id"]) & CaseLink.used_at.is_null()).returning(_LINK)
    if not taken:
        raise Gone(LINK_USED)


async def tell_respondent(case: CaseRecord, notice: str, purpose: LinkPurpose, *,
                          due: datetime | None, settings: Settings, now: datetime) -> None:
    """A new one-time link, mailed to the respondent's contact address in fixed words."""
    h = await holder(case.respondent)
    lifetime = (due - now if due else timedelta(0)) + LINK_SLACK
    token = await new_link(case, purpose, lifetime, now)
    await notices.send(notice, to=h.application["contact_email"],
                       language=h.application.get("language", "en"),
                       url=f"{settings.base_url}/complaints/respond/{token}",
                       reference=case.reference, public_name=h.application["public_name"],
                       due=notices.day(due) if due else "")


async def tell_filer(case: CaseRecord, *, settings: Settings) -> None:
    """That there is news, if the filer gave an address; nothing of the news itself."""
    address = case.filer_contact
    if address:
        await notices.send("filer_news", to=address,
                           language=case.filer.get("language", "en"),
                           url=f"{settings.base_url}/complaints/follow-up",
                           reference=case.reference)


# --- Writing into a case -----------------------------------------------------------------

async def keep_evidence(case_id: int, author: str, evidence: Sequence[Evidence],
                        now: datetime) -> None:
    for item in evidence:
        await CaseAttachment.insert(CaseAttachment(
            case_file=case_id, author=author, name=seal(CaseAttachment.name, item.name),
            media_type=item.media_type, size=item.size,
            metadata_removed=item.metadata_removed,
            content=seal(CaseAttachment.content, base64.b64encode(item.content).decode()),
            at=now))


async def add_message(case: CaseRecord, author: str, text: str, *, audience: str = "panel",
                      evidence: Sequence[Evidence] = (), now: datetime,
                      actor: audit.Actor, tag: EventTag = EventTag.case_message_received,
                      what: str = "message") -> None:
    await CaseMessage.insert(CaseMessage(case_file=case.id, author=author,
                                         body=seal(CaseMessage.body, text), at=now,
                                         audience=audience))
    await keep_evidence(case.id, author, evidence, now)
    await audit.record(tag, actor=actor, subject=case.subject,
                       details={"author": author, "audience": audience, "what": what,
                                "evidence": len(evidence)})


async def appeal(case: CaseRecord, party: str, grounds: str, *, now: datetime,
                 actor: audit.Actor, settings: Settings) -> CaseRecord:
    """Either side appeals, once per case, within the window (the case is locked)."""
    if await CaseAppeal.exists().where(CaseAppeal.case_file == case.id):
        raise Conflict(APPEALED)
    if case.stage != Stage.appeal_window:
        raise Conflict(NO_APPEAL)
    await CaseAppeal.insert(CaseAppeal(case_file=case.id, party=party,
                                       grounds=seal(CaseAppeal.grounds, grounds), at=now))
    await audit.record(EventTag.case_appeal_lodged, actor=actor, subject=case.subject,
                       details={"party": party})
    moved = await stages.move(case, Stage.appeal, actor=actor, now=now, settings=settings)
    await notices.to_staff("staff_appealed", roles={Role.panel_chair}, settings=settings,
                           reference=case.reference)
    return moved


# --- The respondent's view -------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    author: str
    text: str
    at: datetime


def messages_for(rows: list[dict], party: str) -> list[Message]:
    """The messages a party may read: its own, and the panel's to it or to both."""
    return [Message(row["author"], unseal(CaseMessage.body, row["body"]), row["at"])
            for row in rows
            if row["author"] == party or (row["author"] == "panel"
                                          and row["audience"] in (party, "both"))]


async def case_messages(case: CaseRecord) -> list[dict]:
    return await CaseMessage.select().where(CaseMessage.case_file == case.id).order_by(
        CaseMessage.at).order_by(CaseMessage._meta.primary_key)


@dataclass(frozen=True)
class RespondentView:
    reference: str
    kind: str
    stage: str
    purpose: str
    can_write: bool
    filed_at: datetime
    principles: list[int]
    account: str
    filer_name: str | None  # only with the filer's consent
    evidence_count: int
    due: datetime | None
    messages: list[Message]
    decision: Any  # decisions.PartyDecision or None
    appealed: bool


async def respondent_view(token: str) -> tuple[dict, RespondentView]:
    from registry.cases import decisions  # the decisions build on this module

    link = await usable_link(token)
    row = await stages.Case.select().where(
        stages.Case._meta.primary_key == link["case_file"]).first()
    assert row is not None
    case = stages.opened(row)
    purpose = LinkPurpose(link["purpose"])
    deadline = await stages.next_deadline(case)
    evidence = await CaseAttachment.count().where(
        (CaseAttachment.case_file == case.id) & (CaseAttachment.author == "filer"))
    return link, RespondentView(
        reference=case.reference, kind=case.kind, stage=case.stage.value,
        purpose=purpose.value, can_write=case.stage in WRITES_IN[purpose],
        filed_at=case.filed_at, principles=case.principles, account=case.account,
        filer_name=case.filer.get("name") if case.filer_named_to_respondent else None,
        evidence_count=evidence,
        due=stages.shown_due(deadline, _now()),
        messages=messages_for(await case_messages(case), "respondent"),
        decision=await decisions.for_parties(case),
        appealed=await CaseAppeal.exists().where(CaseAppeal.case_file == case.id))


async def respondent_writes(token: str, text: str, *, evidence: Sequence[Evidence] = (),
                            settings: Settings) -> str:
    """The respondent answers, replies, comments or appeals through its link; returns
    what it did ("answer", "reply", "comment", "appeal")."""
    now = _now()
    link = await usable_link(token)
    purpose = LinkPurpose(link["purpose"])
    row = await stages.Case.select(stages.Case.reference).where(
        stages.Case._meta.primary_key == link["case_file"]).first()
    assert row is not None
    async with db.write_transaction():
        case = await stages.locked(row["reference"])
        if case.stage not in WRITES_IN[purpose]:
            raise Conflict(APPEALED if purpose == LinkPurpose.appeal and await
                           CaseAppeal.exists().where(CaseAppeal.case_file == case.id)
                           else NOT_NOW)
        await _take(link, now)
        if purpose == LinkPurpose.appeal:
            await appeal(case, "respondent", text, now=now, actor=audit.ANONYMOUS,
                         settings=settings)
            await keep_evidence(case.id, "respondent", evidence, now)
        else:
            await add_message(case, "respondent", text, evidence=evidence, now=now,
                              actor=audit.ANONYMOUS, what=purpose.value)
            if purpose == LinkPurpose.answer and case.stage == Stage.answer:
                # Answered: the panel need not wait out the rest of the 21 days.
                await stages.move(case, Stage.review, actor=audit.ANONYMOUS, now=now,
                                  settings=settings, details={"answered": True})
    return purpose.value
