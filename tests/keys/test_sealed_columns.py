"""What a seized database shows: every column that a table declares sealed, found from the
tables themselves, holds only ciphertexts after the registry has really been used, the
persecuted mark and the pause of a persecuted signatory's deadlines included."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, datetime, timedelta

from joserfc import jws as independent_jws
from joserfc.jwk import ECKey
from PIL import Image

from registry import db
from registry.accessions import lifecycle, review
from registry.accessions.tables import Signatory
from registry.audit.services import SYSTEM
from registry.audit.tables import AuditEvent
from registry.keys.sealed import purpose, sealed_columns, unseal
from registry.mail import services as mail
from registry.mail.transport import SmtpTransport
from registry.staff import services as staff
from registry.staff.permissions import Role
from tests.accessions.test_lifecycle import accepted, last_link, mails, press, text
from tests.accessions.test_review import applied
from tests.accessions.test_submission import FORM
from tests.staff.helpers import last_event_id, make_member

# Words that the use below puts into sealed columns, and must appear nowhere raw.
SECRETS = ["Interest Secret Org", "Recusal Secret", "Note Secret", "Reasoning Secret",
           "Summary Secret", "Dissent Secret", "Appeal Secret", "Interim Secret",
           "Answer Secret", "Case Account Secret", "Case Filer Secretname",
           "case.filer@example.org", "case-evidence-secret", "Case Message Secret", "Secretname",
           "hidden.person@example.org", "Hanna Hiddenname", "Prove it please",
           "We are independent", "Too close to the ministry", FORM["contact_email"],
           FORM["representative_name"], "Marked Org", "marked@example.org", "Quiet Org"]


async def test_every_sealed_column_is_unreadable_in_the_raw_rows(client, synced, smtp_server):
    first_event = await last_event_id()  # the audit trail is kept from test to test
    # Staff: an enrolled member and a pending enrolment (e-mail, name, TOTP secrets).
    await make_member(synced, name="Uladzimir Secretname")
    await staff.create_staff("hidden.person@example.org", "Hanna Hiddenname",
                             frozenset({Role.panel_member}), actor=SYSTEM, settings=synced,
                             send_mail=True)
    # Accessions: accepted (a receipt, an own signature is optional), a question and its
    # answer, a rejection with its reason, an unlisted signatory.
    asked = await applied(client, public_name="Asked Org", legal_name="Asked Org",
                          contact_email="asked@example.org")
    await review.ask(asked, "Prove it please", actor=SYSTEM, settings=synced)
    await press(client, await last_link("answer", to="asked@example.org"),
                answer="We are independent")
    await review.reject(asked, "Too close to the ministry", actor=SYSTEM, settings=synced)
    await signed_by_own_key(client)
    plain = await accepted(client, synced)
    await accepted(client, synced, public_name="Quiet Org", legal_name="Quiet Org",
                   contact_email="quiet@example.org", listing="unlisted")
    # The persecuted mark, with a withdrawal paused under it.
    marked = await accepted(client, synced, public_name="Marked Org", legal_name="Marked Org",
                            contact_email="marked@example.org")
    await lifecycle.mark_persecuted(marked, True, actor=SYSTEM, settings=synced)
    await client.post("/api/v1/accessions/withdrawal", json={"contact_email": "marked@example.org"})
    await press(client, await last_link("withdraw", to="marked@example.org"))
    # A case: what happened, who filed, a message and a photo of evidence.
    await filed_case(client, marked)
    # And one heard by the panel to its appeal: interests, seats and a recusal, a note,
    # the respondent's answer, a draft, votes with a dissent, an interim measure.
    await heard_case(synced, plain)
    # Mail that could not be delivered keeps the server's words (they may name the address).
    await mail.deliver_due(SmtpTransport(smtp_server(start=False).url()), settings=synced)

    columns = sealed_columns(db.all_tables())
    assert {purpose(c) for c in columns} >= {
        "staff_member.email", "staff_member.name", "staff_member.totp_secret",
        "staff_enrolment_link.totp_secret", "mail_outbox.recipient", "mail_outbox.body_text",
        "mail_outbox.last_error", "accession.application", "accession.statement",
        "accession.receipt", "accession.decision_reason", "accession_message.body",
        "signatory.name", "signatory.persecution", "deadline.paused",
        "audit_event.sealed_record", "case_file.complaint", "case_file.filer",
        "case_message.body", "case_attachment.name", "case_attachment.content"}
    dump = []
    for column in columns:
        table, name = column._meta.table, column._meta.db_column_name
        values = [row["v"] for row in await table.raw(
            f"SELECT {name} AS v FROM {table._meta.tablename} "  # noqa: S608 - our names
            f"WHERE {name} IS NOT NULL")]
        assert values, f"{purpose(column)} was never written: the use above must reach it"
        assert all(value.startswith("enc1:") for value in values), purpose(column)
        dump += values
    everything = json.dumps(dump)
    for secret in SECRETS:
        assert secret not in everything, secret

    # The mark: one length whether set or not, and no trace of it in the audit trail.
    marks = [row["persecution"] for row in await Signatory.raw("SELECT persecution FROM signatory")]
    assert len({len(mark) for mark in marks}) == 1 and len(marks) == 3
    events = json.dumps(await AuditEvent.raw(
        "SELECT tag, subject, details FROM audit_event WHERE id > {}", first_event),
        default=str)
    assert "persecution" not in events and f"signatory:{marked}" in events
    await lifecycle.mark_persecuted(marked, False, actor=SYSTEM, settings=synced)
    sealed = await AuditEvent.select(AuditEvent.subject, AuditEvent.sealed_record).where(
        (AuditEvent.tag == "audit:event:sealed") & (AuditEvent.id > first_event))
    assert all(row["subject"] is None for row in sealed)
    marks = [row for row in sealed if json.loads(unseal(
        AuditEvent.sealed_record, row["sealed_record"]))["tag"].startswith(
        "accession:persecution:")]
    assert len(marks) == 2
    # Marked or unmarked (or a case's sanction), every sealed record has one length: they
    # cannot be told apart.
    assert len({len(row["sealed_record"]) for row in sealed}) == 1
    # Staff still read it.
    opened = await review_audit()
    assert any(e["tag"] == "accession:persecution:marked" and e["subject"] ==
               f"signatory:{marked}" for e in opened)


async def filed_case(client, respondent: str) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(photo, "PNG")
    filed = await client.post("/api/v1/complaints", json={
        "kind": "complaint", "respondent": respondent, "principles": [11],
        "account": "Case Account Secret: they published our volunteers' names.",
        "anonymous": False, "name": "Case Filer Secretname",
        "contact_email": "case.filer@example.org", "consent_to_identity": False,
        "evidence": [{"name": "case-evidence-secret.png",
                      "content_base64": base64.b64encode(photo.getvalue()).decode()}]})
    assert filed.status_code == 201, filed.text
    written = await client.post("/api/v1/complaints/messages", json={
        "reference": filed.json()["reference"], "receipt_code": filed.json()["receipt_code"],
        "text": "Case Message Secret: and again on Monday."})
    assert written.status_code == 201, written.text


async def heard_case(settings, respondent: str) -> None:
    from registry.audit.services import staff_actor
    from registry.cases import decisions, panel, parties, services
    from registry.cases.schemas import ComplaintForm
    from tests.factories import fall_due

    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[11], anonymous=True,
        account="Case Account Secret: the names of our volunteers again."),
        language="en", settings=settings)
    ref = filed.reference
    chair, one, two, recusing = [await make_member(settings, role) for role in (
        "panel_chair", "panel_member", "panel_member", "panel_member")]
    await panel.declare_interest(one.id, "name", "Interest Secret Org", "board member",
                                 actor=staff_actor(one.id))
    await decisions.acknowledge(ref, actor=SYSTEM, settings=settings)
    for member in (chair, one, two, recusing):
        await panel.assign(ref, member.id, actor=staff_actor(chair.id), settings=settings)
        await panel.confirm(ref, member.id, actor=staff_actor(member.id))
    await panel.recuse(ref, recusing.id, "Recusal Secret: I know the filer.",
                       actor=staff_actor(recusing.id), settings=settings)
    await decisions.add_note(ref, one.id, "Note Secret: check the archive.",
                             actor=staff_actor(one.id))
    await decisions.decide_admissibility(ref, one.id, admissible=True, reason=None,
                                         actor=staff_actor(one.id), settings=settings)
    await decisions.propose_interim(ref, chair.id,
                                    until=datetime.now(UTC).date() + timedelta(days=10),
                                    reason="Interim Secret: threats continue.",
                                    actor=staff_actor(chair.id), settings=settings)
    await decisions.confirm_interim(ref, one.id, actor=staff_actor(one.id), settings=settings)
    [link] = [re.search(r"/complaints/respond/(\S+)", text(m))[1]
              for m in await mails(FORM["contact_email"]) if "/complaints/respond/" in text(m)]
    await parties.respondent_writes(link, "Answer Secret: we apologised.", settings=settings)
    await decisions.save_draft(ref, one.id, {
        "outcome": "public_reprimand", "principles_breached": [11],
        "reasoning": "Reasoning Secret: the names were published.",
        "public_summary": "Summary Secret: personal data were published.",
        "names_respondent": True}, actor=staff_actor(one.id))
    await decisions.share_draft(ref, one.id, actor=staff_actor(one.id), settings=settings)
    await fall_due(ref, "case:comments")
    await decisions.vote(ref, two.id, in_favour=False, dissent="Dissent Secret: too mild.",
                         actor=staff_actor(two.id), settings=settings)
    await decisions.vote(ref, one.id, in_favour=True, actor=staff_actor(one.id),
                         settings=settings)
    assert await decisions.vote(ref, chair.id, in_favour=True, actor=staff_actor(chair.id),
                                settings=settings) == "adopted"
    await decisions.publish(ref, defer=False, actor=staff_actor(chair.id), settings=settings)
    await services.filer_appeals(ref, filed.receipt_code, "Appeal Secret: far too mild.",
                                 settings=settings)


async def signed_by_own_key(client) -> None:
    """An application signed with the applicant's own key (the signature is kept sealed)."""
    key = ECKey.generate_key("P-256")
    form = {**FORM, "contact_email": "own.key@example.org",
            "date": datetime.now(UTC).date().isoformat()}
    preview = (await client.post("/api/v1/accessions/statement", json=form)).json()
    head, _, signature = independent_jws.serialize_compact(
        {"alg": "ES256"}, preview["canonical"].encode(), key).split(".")
    response = await client.post("/api/v1/accessions", json={
        **form, "applicant_jwk": key.as_dict(private=False),
        "applicant_signature": f"{head}..{signature}"})
    assert response.status_code == 201, response.text


async def review_audit() -> list[dict]:
    from registry.audit import services as audit

    return await audit.list_events(audit.EventFilter(tag_prefix="accession:persecution"))
