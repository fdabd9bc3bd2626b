"""The rules of accession: submitting, confirming by e-mail, the countersigned receipt.

Every move of an accession is checked against TRANSITIONS; each is one function, one
transaction, with its audit event and its mail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from registry import db, keys, labels
from registry.accessions import statement as statements
from registry.accessions.schemas import AccessionForm
from registry.accessions.tables import (
    Accession,
    AccessionLink,
    AccessionMessage,
    AccessionStatus,
    LinkPurpose,
)
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.keys import signing, tokens
from registry.keys.sealed import seal, unseal
from registry.keys.tokens import MAX_LENGTH, new_token, token_hash
from registry.limits import services as limits
from registry.mail import services as mail
from registry.principles import services as principles
from registry.refusals import Conflict, Gone, Invalid, NotFound
from registry.settings import Settings
from registry.translation import N_

S = AccessionStatus
# Which status an accession may move to from each status. One table, read by every move.
TRANSITIONS: dict[AccessionStatus, frozenset[AccessionStatus]] = {
    S.pending_confirmation: frozenset({S.pending_review}),
    S.pending_review: frozenset({S.active, S.rejected, S.information_requested}),
    S.information_requested: frozenset({S.pending_review, S.rejected}),
    S.active: frozenset({S.withdrawn, S.suspended, S.revoked, S.lapsed, S.superseded}),
    S.suspended: frozenset({S.active, S.superseded, S.revoked}),
    S.superseded: frozenset({S.active, S.lapsed, S.withdrawn, S.suspended, S.revoked}),
    S.lapsed: frozenset({S.active, S.withdrawn, S.revoked}),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
    S.revoked: frozenset(),
}
YEAR = timedelta(days=365)  # an accession is affirmed for a year at a time
RECEIPT_TYPE = "accession-receipt+jwt"
RECEIPT_LINK_DAYS = 30
RESEND_AFTER = timedelta(minutes=10)
_ACCESSION = Accession._meta.primary_key
_LINK = AccessionLink._meta.primary_key


class TransitionRefused(Conflict):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(N_("An accession that is %(current)s cannot become %(wanted)s."),
                         current=labels.ACCESSION_STATUS.words_of(current),
                         wanted=labels.ACCESSION_STATUS.words_of(wanted))


def check_transition(current: str, wanted: AccessionStatus) -> None:
    if wanted not in TRANSITIONS[AccessionStatus(current)]:
        raise TransitionRefused(current, wanted.value)


@dataclass(frozen=True)
class Submitted:
    public_id: str
    statement_sha256: str


@dataclass(frozen=True)
class Confirmed:
    public_id: str
    receipt: str
    receipt_token: str


def _now() -> datetime:
    return datetime.now(UTC)


def email_lookup(email: str) -> str:
    return keys.keyring().lookup_hash(email.casefold(), purpose="accession-email")


async def _version_for(form: AccessionForm) -> principles.VersionInfo:
    """The version acceded to: the one asked for, which must be the one in force."""
    in_force = await principles.version_in_force()
    version = in_force if in_force and form.version in ("", in_force.version_id) else None
    wanted = form.version or (in_force.version_id if in_force else "")
    if version is None:
        if in_force is None:
            raise Invalid(N_("Version %(version)s of the Principles is not in force."),
                          version=wanted[:20] or "(none)")
        raise Invalid(N_("Version %(version)s of the Principles is not in force. Accede to "
                         "version %(in_force)s."),
                      version=wanted[:20] or "(none)", in_force=in_force.version_id)
    return version


def _statement_date(form: AccessionForm, now: datetime) -> date:
    today = now.date()
    if form.date is None:
        return today
    if abs((form.date - today).days) > 1:
        raise Invalid(N_("The statement must be dated today (UTC)."), field="date")
    return form.date


async def preview(form: AccessionForm) -> dict[str, Any]:
    """The canonical statement these answers make: what an applicant signs."""
    version = await _version_for(form)
    return statements.build(form, version=version.version_id,
                            version_hash=version.content_hash,
                            on=_statement_date(form, _now()))


async def _send_confirmation(accession_id: int, *, to: str, language: str, version: str,
                             statement_sha256: str, settings: Settings,
                             now: datetime) -> None:
    """A new confirmation link, mailed (inside the caller's transaction) in the registry's
    own words only: nothing the applicant typed is in it, so that nobody can make the
    registry carry their words to someone else's address. The caller has spent the
    address's allowance of such mails (`limits.mail_allowed_to`)."""
    token = await new_link(accession_id, LinkPurpose.confirm,
                           timedelta(hours=settings.confirmation_link_hours), now)
    await mail.queue(to, "accession_confirm", language=language, context={
        "version": version, "statement_sha256": statement_sha256,
        "hours": settings.confirmation_link_hours,
        "url": f"{settings.base_url}/accede/confirm/{token}"})


async def forget(ids: list[int]) -> None:
    """Delete applications that were never published, with their links and messages."""
    if ids:
        await AccessionLink.delete().where(AccessionLink.accession.is_in(ids))
        await AccessionMessage.delete().where(AccessionMessage.accession.is_in(ids))
        await Accession.delete().where(_ACCESSION.is_in(ids))


async def _replace_unconfirmed(lookup: str) -> None:
    """One application per address waits for confirmation: a new one takes the place of
    the one before, whose link stops working. The address's owner is the one who can
    confirm, so the last application they sent is the one that counts."""
    await forget([r["id"] for r in await Accession.select(_ACCESSION.as_alias("id")).where(
        (Accession.email_lookup == lookup) & (Accession.status == S.pending_confirmation))])


async def submit(form: AccessionForm, *, language: str, settings: Settings) -> Submitted:
    now = _now()
    version = await _version_for(form)
    statement = statements.build(form, version=version.version_id,
                                 version_hash=version.content_hash,
                                 on=_statement_date(form, now))
    if form.applicant_jwk is not None and form.applicant_signature is not None:
        # Refused as Invalid, at the key or the signature (statement.py).
        statements.verify_applicant_signature(statement, form.applicant_jwk,
                                              form.applicant_signature)
    digest = statements.digest(statement)
    lookup = email_lookup(form.contact_email)
    public_id = tokens.public_id(12)
    async with db.write_transaction():
        await db.serialise(f"accessions:submit:{lookup}")
        if await Accession.exists().where(
            (Accession.email_lookup == lookup) & (Accession.statement_hash == digest)
            & Accession.status.is_in([S.pending_confirmation, S.pending_review, S.active])
        ):
            raise Conflict(N_(
                "This application was already received. Check your e-mail for the "
                "confirmation link, including the spam folder, or ask for a new link."))
        await _replace_unconfirmed(lookup)
        rows = await Accession.insert(Accession(
            public_id=public_id,
            version=version.row_id,
            status=S.pending_confirmation,
            email_lookup=lookup,
            application=seal(Accession.application, json.dumps(
                {**form.model_dump(mode="json"), "language": language})),
            statement=seal(Accession.statement, statements.canonical(statement).decode("utf-8")),
            statement_hash=digest,
            applicant_signature=seal(Accession.applicant_signature, json.dumps({
                "jwk": form.applicant_jwk, "jws": form.applicant_signature}))
            if form.applicant_jwk else None,
            submitted_at=now,
            confirmation_sent_at=now,
        ))
        # An address that had its day's confirmation mails gets none, and nobody is told:
        # the answer is the same. The application waits; a link can be asked for tomorrow.
        if await limits.mail_allowed_to(form.contact_email, kind="confirm", settings=settings):
            await _send_confirmation(rows[0]["id"], to=form.contact_email, language=language,
                                     version=version.version_id, statement_sha256=digest,
                                     settings=settings, now=now)
        await audit.record(EventTag.accession_application_submitted, actor=audit.ANONYMOUS,
                           subject=f"accession:{public_id}",
                           details={"version": version.version_id,
                                    "signed_with_own_key": form.applicant_jwk is not None})
    return Submitted(public_id=public_id, statement_sha256=digest)


RESEND_ANSWER = N_("If an application with this address is waiting for confirmation, a new "
                   "link is on its way. A new link can be sent once every 10 minutes.")


async def resend_confirmation(email: str, *, settings: Settings) -> None:
    """A new confirmation link for an unconfirmed application. Says the same thing
    whether or not one exists, so that nobody learns who applied."""
    now = _now()
    lookup = email_lookup(email.strip())
    async with db.write_transaction():
        await db.serialise(f"accessions:submit:{lookup}")
        row = await Accession.select().where(
            (Accession.email_lookup == lookup)
            & (Accession.status == S.pending_confirmation)
        ).order_by(Accession.submitted_at, ascending=False).first()
        if row is None or now - row["confirmation_sent_at"] < RESEND_AFTER:
            return
        application = json.loads(unseal(Accession.application, row["application"]))
        # Over the day's mails, the link already sent keeps working: nothing changes.
        if not await limits.mail_allowed_to(application["contact_email"], kind="confirm",
                                            settings=settings):
            return
        await AccessionLink.update({AccessionLink.expires_at: now}).where(
            (AccessionLink.accession == row["id"]) & (AccessionLink.purpose == LinkPurpose.confirm)
            & AccessionLink.used_at.is_null())
        await Accession.update({Accession.confirmation_sent_at: now}).where(
            _ACCESSION == row["id"])
        statement = json.loads(unseal(Accession.statement, row["statement"]))
        await _send_confirmation(row["id"], to=application["contact_email"],
                                 language=application["language"],
                                 version=statement["principles"]["version"],
                                 statement_sha256=row["statement_hash"],
                                 settings=settings, now=now)
        await audit.record(EventTag.accession_confirmation_resent, actor=audit.ANONYMOUS,
                           subject=f"accession:{row['public_id']}")


# What a person holding a link that no longer works is told: by reason, and for some
# purposes in words of their own.
_LINK_REASONS = {
    "unknown": N_("This link is not valid. Check that it was copied whole."),
    "used": N_("This link was already used."),
    "expired": N_("This link has expired."),
}
LINK_REFUSALS = {
    (LinkPurpose.confirm, "used"): N_("This link was already used: the application is "
                                      "confirmed."),
    (LinkPurpose.confirm, "expired"): N_("This link has expired. Submit the application "
                                         "again to get a new one."),
    (LinkPurpose.receipt, "expired"): N_("This download link has expired. The receipt is "
                                         "still valid: keep the copy you downloaded."),
    (LinkPurpose.withdraw, "expired"): N_("This link has expired. Ask for a new one if you "
                                          "still want to withdraw."),
}


def link_refusal(purpose: LinkPurpose, reason: str) -> NotFound | Gone:
    """An unknown link is not found; a used or expired one is gone."""
    kind = NotFound if reason == "unknown" else Gone
    return kind(LINK_REFUSALS.get((purpose, reason), _LINK_REASONS[reason]))


async def usable_link(token: str, purpose: LinkPurpose, now: datetime) -> dict:
    """The link this token opens, if it is still good; otherwise a refusal in words. Every
    refused link that changes something is audited (without the token)."""
    link = (await AccessionLink.select().where(
        (AccessionLink.token_hash == token_hash(token)) & (AccessionLink.purpose == purpose)
    ).first()) if 10 <= len(token) <= MAX_LENGTH else None
    reason = ("unknown" if link is None else "used" if link["used_at"] is not None
              else "expired" if link["expires_at"] <= now else None)
    if reason is None:
        assert link is not None
        return link
    if purpose != LinkPurpose.receipt:
        tag = (EventTag.accession_confirmation_refused if purpose == LinkPurpose.confirm
               else EventTag.accession_link_refused)
        async with db.write_transaction():
            await audit.record(tag, actor=audit.ANONYMOUS,
                               subject=f"link:{link['id']}" if link else None,
                               details={"reason": reason, "purpose": purpose.value})
    raise link_refusal(purpose, reason)


async def take_link(link: dict, now: datetime) -> None:
    """Use a one-time link, inside the caller's transaction: only one request can."""
    # By its hash too: on SQLite a deleted link's id can be given to a new one.
    taken = await AccessionLink.update({AccessionLink.used_at: now}).where(
        (_LINK == link["id"]) & (AccessionLink.token_hash == link["token_hash"])
        & AccessionLink.used_at.is_null()).returning(_LINK)
    if not taken:
        raise link_refusal(LinkPurpose(link["purpose"]), "used")


async def new_link(accession_id: int, purpose: LinkPurpose, lifetime: timedelta,
                   now: datetime) -> str:
    token, hashed = new_token()
    await AccessionLink.insert(AccessionLink(
        accession=accession_id, purpose=purpose, token_hash=hashed, created_at=now,
        expires_at=now + lifetime))
    return token


def countersign(row: dict, statement: dict[str, Any], *, confirmed_at: datetime) -> str:
    """The registry's signature over an accession's statement: the receipt."""
    applicant = (json.loads(unseal(Accession.applicant_signature, row["applicant_signature"]))
                 if row["applicant_signature"] else None)
    return signing.sign(keys.keyring().signing, {
        "type": "accession-receipt",
        "accession": row["public_id"],
        "statement": statement,
        "statement_sha256": row["statement_hash"],
        "submitted_at": row["submitted_at"].isoformat(),
        "confirmed_at": confirmed_at.isoformat(),
        **({"applicant_signature": applicant} if applicant else {}),
    }, typ=RECEIPT_TYPE)


@dataclass(frozen=True)
class ToConfirm:
    """What a confirmation link would confirm, shown before its button: the address's
    owner sees the application as it was sent, and does not confirm someone else's."""

    kind: str
    public_name: str
    representative_name: str
    listing: str
    version: str
    statement_sha256: str


async def to_confirm(token: str) -> ToConfirm:
    """The application a confirmation link is for, if the link still works."""
    link = await usable_link(token, LinkPurpose.confirm, _now())
    row = await Accession.select().where(_ACCESSION == link["accession"]).first()
    if row is None:
        raise link_refusal(LinkPurpose.confirm, "unknown")
    application = json.loads(unseal(Accession.application, row["application"]))
    statement = json.loads(unseal(Accession.statement, row["statement"]))
    return ToConfirm(kind=application["kind"], public_name=application["public_name"],
                     representative_name=application["representative_name"],
                     listing=application["listing"],
                     version=statement["principles"]["version"],
                     statement_sha256=row["statement_hash"])


async def confirm(token: str, *, settings: Settings) -> Confirmed:
    """Proof of control of the e-mail address; the registry countersigns the statement."""
    now = _now()
    link = await usable_link(token, LinkPurpose.confirm, now)
    async with db.write_transaction():
        # Under the lock a new application to the same address replaces an unconfirmed
        # one with: either this confirmation comes first, or the link is gone.
        owner = await Accession.select(Accession.email_lookup).where(
            _ACCESSION == link["accession"]).first()
        if owner is not None:
            await db.serialise(f"accessions:submit:{owner['email_lookup']}")
        if owner is None or not await AccessionLink.exists().where(
                (_LINK == link["id"]) & (AccessionLink.token_hash == link["token_hash"])):
            raise link_refusal(LinkPurpose.confirm, "unknown")
        await take_link(link, now)
        row = await Accession.select().where(_ACCESSION == link["accession"]).first()
        assert row is not None
        check_transition(row["status"], S.pending_review)
        statement = json.loads(unseal(Accession.statement, row["statement"]))
        receipt = countersign(row, statement, confirmed_at=now)
        await Accession.update({
            Accession.status: S.pending_review, Accession.confirmed_at: now,
            Accession.receipt: seal(Accession.receipt, receipt),
        }).where(_ACCESSION == row["id"])
        receipt_token = await new_link(row["id"], LinkPurpose.receipt,
                                       timedelta(days=RECEIPT_LINK_DAYS), now)
        await audit.record(EventTag.accession_application_confirmed, actor=audit.ANONYMOUS,
                           subject=f"accession:{row['public_id']}")
    return Confirmed(public_id=row["public_id"], receipt=receipt, receipt_token=receipt_token)


async def receipt(token: str) -> tuple[str, str]:
    """The countersigned receipt, for whoever holds the receipt link: (accession, JWS)."""
    link = await usable_link(token, LinkPurpose.receipt, _now())
    row = await Accession.select(Accession.public_id, Accession.receipt).where(
        _ACCESSION == link["accession"]).first()
    assert row is not None and row["receipt"] is not None
    return row["public_id"], unseal(Accession.receipt, row["receipt"])
