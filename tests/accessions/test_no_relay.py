"""Nobody can make the registry carry their words to someone else's address: one
application waits per address, a few mails a day go to one address, a client can make
the registry act only so often, and the confirmation mail holds only the registry's own
words."""

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from registry.accessions import lifecycle
from registry.accessions.services import email_lookup
from registry.accessions.tables import Accession, AccessionLink, AccessionStatus
from registry.app import create_app
from registry.cases.tables import Case
from registry.limits import services as limits
from registry.limits.tables import UseCount
from registry.mail.services import build_message
from registry.mail.tables import OutboxMessage
from registry.translation import gettext, using
from tests.accessions.test_lifecycle import accepted
from tests.accessions.test_submission import FORM
from tests.cases.test_filing import ACCOUNT
from tests.conftest import make_settings
from tests.staff.helpers import csrf_token

VICTIM = "victim@example.org"


@pytest.fixture(autouse=True)
def mid_window(monkeypatch):
    """The allowances' clock in the middle of an hour and of a day: a test that ran over a
    window's end would see its counts start again."""
    noon = datetime.now(UTC).replace(hour=12, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(limits, "_now", lambda: noon)
LURE = "URGENT: re-verify at https://evil.example/login"
POSING = "Secretariat of the Registry"


async def _queued() -> list:
    return [build_message(row, sender="x@example.org")
            for row in await OutboxMessage.select()]


def _whole(message) -> str:
    return "\n".join(part.get_content() for part in message.walk()
                     if part.get_content_maintype() == "text")


async def test_ten_applications_to_one_address_give_one_application_and_three_mails(
        client: AsyncTestClient, synced):
    answers = []
    for n in range(10):
        response = await client.post("/api/v1/accessions", json={
            **FORM, "contact_email": VICTIM, "public_name": f"{LURE} {n}",
            "representative_name": POSING, "signature_name": POSING})
        answers.append(response)
    # Every answer is the same: nothing tells whether the address had its mails.
    assert {r.status_code for r in answers} == {201}, answers[0].text
    assert len({r.json()["message"] for r in answers}) == 1
    waiting = await Accession.select().where(Accession.email_lookup == email_lookup(VICTIM))
    assert len(waiting) == 1 and waiting[0]["status"] == AccessionStatus.pending_confirmation
    assert waiting[0]["public_id"] == answers[-1].json()["id"]  # the last one counts
    mails = await _queued()
    assert len(mails) == synced.asked_mails_per_address_per_day == 3
    # The last application came after the day's mails: it has no link, and none of the
    # links mailed before works (their applications were replaced). The address's owner
    # can ask for a link to it tomorrow.
    assert await AccessionLink.count() == 0
    for message in mails:
        assert message["To"] == VICTIM
        body = _whole(message)
        assert "evil.example" not in body and "URGENT" not in body and POSING not in body
        assert "Secretariat" not in message["Subject"]


async def test_the_confirmation_mail_holds_no_word_the_applicant_typed(
        client: AsyncTestClient, synced):
    response = await client.post("/api/v1/accessions", json={
        **FORM, "public_name": LURE, "representative_name": POSING, "signature_name": POSING,
        "legal_name": "Click https://evil.example now", "city": "https://evil.example"})
    assert response.status_code == 201, response.text
    [message] = await _queued()
    body = _whole(message)
    for typed in (LURE, POSING, "evil.example", FORM["signature_name"]):
        assert typed not in body
    with using("en"):
        assert gettext("Hello,") in body
    # What the mail needs is there: the link, the version, the statement's hash.
    assert f"{synced.base_url}/accede/confirm/" in body
    assert response.json()["statement_sha256"] in body and "1.0" in body


async def test_a_new_application_replaces_the_unconfirmed_one_and_its_link(
        client: AsyncTestClient, synced):
    first = await client.post("/api/v1/accessions", json=FORM)
    [old_link] = await AccessionLink.select()
    second = await client.post("/api/v1/accessions", json={**FORM, "city": "Warsaw"})
    assert first.status_code == second.status_code == 201
    assert first.json()["message"] == second.json()["message"]
    rows = await Accession.select(Accession.public_id)
    assert [r["public_id"] for r in rows] == [second.json()["id"]]
    assert not await AccessionLink.exists().where(
        AccessionLink.token_hash == old_link["token_hash"])
    # The old mail's link is now unknown; the new one confirms.
    old_token, new_token = (m.get_body(("plain",)).get_content().split("/accede/confirm/")[1]
                            .split()[0] for m in await _queued())
    gone = await client.post("/api/v1/accessions/confirm", json={"token": old_token})
    assert gone.status_code == 404
    done = await client.post("/api/v1/accessions/confirm", json={"token": new_token})
    assert done.status_code == 200, done.text
    # A confirmed application is never replaced: the next one waits beside it.
    third = await client.post("/api/v1/accessions", json={**FORM, "city": "Riga"})
    assert third.status_code == 201
    assert await Accession.count() == 2


async def test_resending_counts_against_the_same_daily_mails(client: AsyncTestClient,
                                                             synced):
    await client.post("/api/v1/accessions", json=FORM)
    row = await Accession.select().first()
    for _ in range(5):  # each resend waits out the ten minutes
        await Accession.update({Accession.confirmation_sent_at:
                                datetime.now(UTC) - timedelta(hours=1)}).where(
            Accession.id == row["id"])
        resent = await client.post("/api/v1/accessions/resend",
                                   json={"contact_email": FORM["contact_email"]})
        assert resent.status_code == 202
    assert len(await _queued()) == synced.asked_mails_per_address_per_day


async def test_a_client_that_acts_too_often_is_refused_in_words_and_nothing_is_written(
        synced, data_dir, database_url):
    tight = make_settings(data_dir, database_url, public_actions_per_client_per_hour=3)
    async with AsyncTestClient(app=create_app(tight)) as client:
        respondent = await accepted(client, tight)  # one action: its application
        for n in range(2):
            ok = await client.post("/api/v1/accessions", json={
                **FORM, "contact_email": f"person{n}@example.org"})
            assert ok.status_code == 201
        api = await client.post("/api/v1/accessions", headers={"accept-language": "be"},
                                json={**FORM, "contact_email": "late@example.org"})
        page = await client.get("/accede/resend")
        resend = await client.post("/accede/resend", headers={"accept-language": "ru"}, data={
            "contact_email": "late@example.org", "_csrf_token": csrf_token(page.text)})
        filing = await client.get("/complaints/new")
        filed = await client.post("/complaints/new", data={
            "_csrf_token": csrf_token(filing.text), "kind": "complaint",
            "respondent": respondent, "principles": ["11"], "account": ACCOUNT,
            "identity": "anonymous"})
    assert api.status_code == 429
    # Retry-After: when the hour's window that refused it ends.
    for refused in (api, resend, filed):
        assert 0 < int(refused.headers["retry-after"]) <= 3600, refused.headers
    with using("be"):
        assert api.json()["detail"] == gettext(limits.TOO_OFTEN) != limits.TOO_OFTEN
    assert resend.status_code == 429
    with using("ru"):
        assert gettext(limits.TOO_OFTEN) in resend.text
    # The complaint form comes back with what was written, and the words above it.
    assert filed.status_code == 429 and "Too many requests" in filed.text
    assert ACCOUNT in filed.text
    assert await Accession.count() == 3 and await Case.count() == 0


async def test_a_form_with_mistakes_is_not_counted(synced, data_dir, database_url):
    tight = make_settings(data_dir, database_url, public_actions_per_client_per_hour=1)
    async with AsyncTestClient(app=create_app(tight)) as client:
        for _ in range(4):
            wrong = await client.post("/api/v1/accessions", json={**FORM, "consent": False})
            assert wrong.status_code == 400
        assert (await client.post("/api/v1/accessions", json=FORM)).status_code == 201


async def test_a_resend_over_the_days_mails_leaves_the_link_sent_working(
        client: AsyncTestClient, synced):
    await client.post("/api/v1/accessions", json=FORM)
    row = await Accession.select().first()
    for _ in range(3):  # one mail with the application, two resent: the third is refused
        await Accession.update({Accession.confirmation_sent_at:
                                datetime.now(UTC) - timedelta(hours=1)}).where(
            Accession.id == row["id"])
        resent = await client.post("/api/v1/accessions/resend",
                                   json={"contact_email": FORM["contact_email"]})
        assert resent.status_code == 202
    mails = await _queued()
    assert len(mails) == 3
    last = mails[-1].get_body(("plain",)).get_content().split("/accede/confirm/")[1].split()[0]
    done = await client.post("/api/v1/accessions/confirm", json={"token": last})
    assert done.status_code == 200, done.text


async def test_a_strangers_applications_do_not_use_up_a_signatorys_withdrawal_link(
        client: AsyncTestClient, synced):
    await accepted(client, synced)  # its confirmation: one mail to the address
    for n in range(5):  # a stranger applies with the signatory's address, again and again
        applied = await client.post("/api/v1/accessions", json={**FORM, "city": f"Town {n}"})
        assert applied.status_code == 201, applied.text
    await lifecycle.ask_withdrawal(FORM["contact_email"], settings=synced)
    assert any("/accede/withdraw/" in _whole(m) for m in await _queued())


async def test_one_mailbox_however_its_address_is_written(client: AsyncTestClient, synced):
    for n in range(6):
        await client.post("/api/v1/accessions", json={
            **FORM, "contact_email": f"Victim+{n}@Example.org", "city": f"Town {n}"})
    assert len(await _queued()) == synced.asked_mails_per_address_per_day
    assert limits.mailbox_of(" Victim+tag@Example.ORG ") == "victim@example.org"
    assert limits.mailbox_of("plain@example.org") == "plain@example.org"


def test_a_client_is_its_ipv4_address_or_its_ipv6_64():
    assert limits.client_of("203.0.113.7") == "203.0.113.7"
    assert limits.client_of("::ffff:203.0.113.7") == "203.0.113.7"
    one, other = limits.client_of("2001:db8:1:2::1"), limits.client_of("2001:db8:1:2:ffff::9")
    assert one == other == "2001:db8:1:2::/64"
    assert limits.client_of("2001:db8:1:3::1") != one
    assert limits.client_of(None) == "unknown"


async def test_the_counts_say_neither_whose_nor_for_long(synced):
    today = limits._now()
    assert await limits.spend("mail-to", VICTIM, most=1, per=limits.DAY)
    assert not await limits.spend("mail-to", VICTIM, most=1, per=limits.DAY)
    [row] = await UseCount.select()
    assert row["uses"] == 2 and "victim" not in row["bucket"] and VICTIM not in str(row)
    # Another day is another bucket, unrelated to the first.
    tomorrow = today + limits.DAY
    assert await limits.spend("mail-to", VICTIM, most=1, per=limits.DAY, now=tomorrow)
    assert len({r["bucket"] for r in await UseCount.select()}) == 2
    # Windows that are over are forgotten.
    assert await limits.forget_past(tomorrow) == 1
    assert await UseCount.count() == 1


async def test_the_confirmation_page_shows_what_it_confirms_before_its_button(
        client: AsyncTestClient, synced):
    """The mail says nothing the applicant typed; the page of its link, on the registry's
    own site, shows the application, so that the address's owner does not confirm a
    stranger's."""
    await client.post("/api/v1/accessions", json={
        **FORM, "public_name": "A Stranger's Name", "representative_name": POSING,
        "signature_name": POSING})
    [message] = await _queued()
    token = message.get_body(("plain",)).get_content().split("/accede/confirm/")[1].split()[0]
    page = await client.get(f"/accede/confirm/{token}", headers={"accept-language": "ru"})
    assert page.status_code == 200
    assert "A Stranger&#39;s Name" in page.text and POSING in page.text
    with using("ru"):
        assert gettext("The application this link confirms") in page.text
    assert (await Accession.select(Accession.status).first())["status"] == "pending_confirmation"
    # A link that no longer works says so on opening, not only after the button.
    await client.post("/api/v1/accessions", json={**FORM, "city": "Riga"})
    assert (await client.get(f"/accede/confirm/{token}")).status_code == 404
