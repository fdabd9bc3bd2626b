"""Review by the secretariat: look-alikes flagged, accept or reject, from the page or CLI."""

import pytest

from registry.accessions import names, review
from registry.accessions.services import TransitionRefused
from registry.accessions.tables import Accession, Signatory
from registry.audit.services import SYSTEM
from registry.mail.tables import OutboxMessage
from registry.refusals import Invalid
from tests.accessions.test_submission import FORM, _token_from_outbox
from tests.staff.helpers import (
    csrf_token,
    events_after,
    last_event_id,
    login_over_http,
    make_member,
)


async def applied(client, **changes) -> str:
    """Submit and confirm an application; returns its id."""
    form = {**FORM, **changes}
    response = await client.post("/api/v1/accessions", json=form)
    assert response.status_code == 201, response.text
    row = await OutboxMessage.select().order_by(OutboxMessage.id, ascending=False).first()
    token = await _token_from_outbox(row)
    assert (await client.post("/api/v1/accessions/confirm", json={"token": token})).is_success
    return response.json()["id"]


@pytest.mark.parametrize(
    ("existing", "candidate"),
    [("Viasna", "Viаsna"),  # the second has a Cyrillic а
     ("Belarusian Helsinki Committee", "Belarussian Helsinki Committe"),
     ("Viasna", "Вясна"),
     ("Human Rights Centre Viasna", "Viasna Human Rights Centre")],
)
async def test_look_alikes_are_flagged_to_the_reviewer(client, synced, existing, candidate):
    first = await applied(client, public_name=existing, contact_email="one@example.org")
    await review.approve(first, actor=SYSTEM, settings=synced)
    second = await applied(client, public_name=candidate, contact_email="two@example.org")
    item = await review.find(second)
    assert [alike.name for alike in item.look_alikes] == [existing]
    assert item.look_alikes[0].why


async def test_an_unlisted_look_alike_is_flagged_too(client, synced):
    first = await applied(client, public_name="Viasna", listing="unlisted",
                          contact_email="one@example.org")
    await review.approve(first, actor=SYSTEM, settings=synced)
    second = await applied(client, public_name="Viаsna", contact_email="two@example.org")
    assert [a.name for a in (await review.find(second)).look_alikes] == ["Viasna"]


def test_unalike_names_are_not_flagged():
    assert names.why_alike("Lawtrend", "Viasna") is None
    assert names.why_alike("Legal Initiative", "Lawtrend") is None
    assert names.skeleton("Viаsna") == names.skeleton("Viasna")  # TR39 on its own


async def test_the_secretariat_accepts_from_the_staff_page(client, synced):
    accession = await applied(client, head_in_party_body=True)
    member = await make_member(synced, "secretariat")
    await login_over_http(client, member)
    queue = await client.get("/staff/accessions")
    assert "Pravovaya Initsiyatyva" in queue.text and "Principle 14" in queue.text
    detail = await client.get(f"/staff/accessions/{accession}")
    assert FORM["contact_email"] in detail.text  # staff see everything
    before = await last_event_id()
    accepted = await client.post(f"/staff/accessions/{accession}/approve",
                                 data={"_csrf_token": csrf_token(detail.text)},
                                 follow_redirects=False)
    assert accepted.status_code == 303
    row = await Accession.select().where(Accession.public_id == accession).first()
    assert row["status"] == "active" and row["signatory"]
    signatory = await Signatory.select().where(Signatory.id == row["signatory"]).first()
    assert signatory["register_name"] == FORM["public_name"]
    assert signatory["register_legal_name"] == FORM["legal_name"]
    [event] = await events_after(before, tag="accession:status:activated")
    assert event["actor"] == f"staff:{member.id}"
    mails = await OutboxMessage.select().where(OutboxMessage.template == "accession_accepted")
    assert len(mails) == 1
    again = await client.post(f"/staff/accessions/{accession}/approve",
                              data={"_csrf_token": csrf_token(detail.text)})
    assert again.status_code == 409 and "cannot become active" in again.text


async def test_reject_needs_a_reason_and_tells_the_applicant(client, synced):
    accession = await applied(client)
    with pytest.raises(Invalid, match="reason"):
        await review.reject(accession, "  ", actor=SYSTEM, settings=synced)
    await review.reject(accession, "We could not verify that the organisation exists.",
                        actor=SYSTEM, settings=synced)
    row = await Accession.select().where(Accession.public_id == accession).first()
    assert row["status"] == "rejected" and row["decision_reason"].startswith("enc1:")
    assert await OutboxMessage.count().where(OutboxMessage.template == "accession_rejected") == 1
    with pytest.raises(TransitionRefused, match="cannot become active"):
        await review.approve(accession, actor=SYSTEM, settings=synced)


async def test_listing_decides_what_the_database_holds_in_the_clear(client, synced):
    shown = {}
    for listing in ("public", "pseudonymous", "unlisted"):
        accession = await applied(client, listing=listing, public_name=f"Name {listing}",
                                  contact_email=f"{listing}@example.org")
        signatory_id = await review.approve(accession, actor=SYSTEM, settings=synced)
        shown[listing] = await Signatory.select().where(
            Signatory.public_id == signatory_id).first()
    assert shown["public"]["register_country"] == "LT"
    pseudonymous = shown["pseudonymous"]
    assert pseudonymous["register_name"] == "Name pseudonymous"
    assert pseudonymous["register_legal_name"] is None and pseudonymous["register_city"] is None
    unlisted = shown["unlisted"]
    assert all(unlisted[column] is None for column in unlisted if column.startswith(
        "register_")) and unlisted["search_key"] is None
    assert "Name unlisted" not in str(unlisted)


async def test_review_from_the_command_line(client, synced, run_cli):
    accession = await applied(client)
    listed = run_cli("accessions", "list")
    assert listed.code == 0 and accession in listed.out and "Pravovaya" in listed.out
    shown = run_cli("accessions", "show", accession)
    assert shown.code == 0 and FORM["contact_email"] in shown.out
    approved = run_cli("accessions", "approve", accession)
    assert approved.code == 0 and f"Accepted {accession}" in approved.out
    again = run_cli("accessions", "approve", accession)
    assert again.code == 1 and "cannot become active" in again.err
    other = await applied(client, contact_email="other@example.org", public_name="Other Org")
    rejected = run_cli("accessions", "reject", other, "--reason", "Not a human rights group.")
    assert rejected.code == 0
    missing = run_cli("accessions", "show", "nope")
    assert missing.code == 1 and "There is no application" in missing.err
