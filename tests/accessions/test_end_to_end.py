"""Accession end to end over HTTP: submit, mail through a real SMTP server, confirm,
approve from the command line and from the staff page, find the signatory in the
register, and check the countersigned receipt with nothing but the published keys."""

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest
from joserfc import jws as independent_jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.mail import services as mail
from registry.mail.transport import SmtpTransport, transport_for
from registry.settings import Settings
from tests.accessions.test_submission import FORM
from tests.conftest import make_settings
from tests.smtp import SmtpServer
from tests.staff.helpers import csrf_token, login_over_http, make_member

# Not the default address: links in mails must be built from the configuration.
BASE_URL = "http://registry.example"

# Two public organisations: one applies on the page, the other through the API.
PAGE_APPLICANT = {**FORM, "public_name": "Pravovaya Initsiyatyva",
                  "contact_email": "contact@legal-initiative.example"}
API_APPLICANT = {**FORM, "public_name": "Lawtrend", "legal_name": "Lawtrend Foundation",
                 "country": "PL", "city": "Warsaw", "registration_status": "registered",
                 "contact_email": "office@lawtrend.example",
                 "representative_name": "Siarhei Test", "signature_name": "Siarhei Test"}


@pytest.fixture
def server(smtp_server) -> SmtpServer:
    return smtp_server()


@pytest.fixture
def mailing(synced: Settings, server: SmtpServer, monkeypatch) -> Settings:
    """The test database, with mail going to the SMTP server process; the `registry`
    command run by `run_cli` reads the same configuration from its environment."""
    monkeypatch.setenv("REGISTRY_SMTP_URL", server.url())
    monkeypatch.setenv("REGISTRY_BASE_URL", BASE_URL)
    return make_settings(synced.data_dir, synced.database_url, smtp_url=server.url(),
                         base_url=BASE_URL)


@pytest.fixture
async def web(mailing: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(mailing)) as test_client:
        yield test_client


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def addressed_to(messages: list[EmailMessage], subject: str) -> dict[str, EmailMessage]:
    found = {str(m["To"]): m for m in messages if m["Subject"] == subject}
    assert len(found) == len([m for m in messages if m["Subject"] == subject]), "one each"
    return found


def confirmation_path(message: EmailMessage) -> str:
    """The link in the mail, which must point at the configured public address."""
    found = re.search(re.escape(BASE_URL) + r"(/accede/confirm/[A-Za-z0-9_\-]+)\s",
                      text_of(message))
    assert found, text_of(message)
    assert f'href="{BASE_URL}{found[1]}"' in html_of(message)
    return found[1]


def rfc8785(value: object) -> bytes:
    # Enough of RFC 8785 for a statement of strings, booleans and objects with ASCII keys.
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


async def listed(web: AsyncTestClient, name: str) -> list[str]:
    found = await web.get("/api/v1/signatories", params={"q": name})
    assert found.status_code == 200
    return [signatory["name"] for signatory in found.json()["signatories"]]


async def in_review_queue(web: AsyncTestClient, accession: str) -> bool:
    """Whether the staff queue, as a logged-in member sees it, lists the application."""
    queue = await web.get("/staff/accessions")
    assert queue.status_code == 200
    return f"/staff/accessions/{accession}" in queue.text


async def test_an_accession_travels_from_the_form_to_the_register(
    web: AsyncTestClient, mailing: Settings, server: SmtpServer, run_cli,
):
    # Submit: one organisation on the /accede page, the other through the API.
    form_page = await web.get("/accede")
    submitted = await web.post("/accede", data={
        **{key: str(value) for key, value in PAGE_APPLICANT.items()},
        "head_in_party_body": "no", "consent": "on", "_csrf_token": csrf_token(form_page.text)})
    assert submitted.status_code == 200 and "Check your e-mail" in submitted.text
    page_hash = re.search(r'<code class="hash">([0-9a-f]{64})</code>', submitted.text)[1]

    answer = await web.post("/api/v1/accessions", json=API_APPLICANT)
    assert answer.status_code == 201, answer.text
    api_id, api_hash = answer.json()["id"], answer.json()["statement_sha256"]
    assert answer.json()["status"] == "pending_confirmation" and api_hash != page_hash

    assert not await listed(web, "Pravovaya") and not await listed(web, "Lawtrend")

    # The confirmation mails leave through the outbox, for the SMTP server process.
    assert server.messages() == []  # queued only: nothing leaves before the sender runs
    transport = transport_for(mailing.smtp_url, mailing.outbox_dir)
    assert isinstance(transport, SmtpTransport)
    report = await mail.deliver_due(transport, settings=mailing)
    assert len(report.sent) == 2 and report.retrying == [] and report.failed == []
    confirmations = addressed_to(server.messages(), "Confirm your accession to the Principles")
    assert set(confirmations) == {PAGE_APPLICANT["contact_email"], API_APPLICANT["contact_email"]}
    page_mail = confirmations[PAGE_APPLICANT["contact_email"]]
    api_mail = confirmations[API_APPLICANT["contact_email"]]
    assert page_mail["From"] == mailing.mail_from
    assert page_hash in text_of(page_mail) and api_hash in text_of(api_mail)
    # Only the registry's own words: nothing the applicant typed travels in the mail.
    assert PAGE_APPLICANT["public_name"] not in text_of(page_mail)
    page_link, api_link = confirmation_path(page_mail), confirmation_path(api_mail)
    assert page_link != api_link

    # Confirm. Opening the link only shows a button (mail scanners open links) ...
    looked_at = await web.get(page_link)
    assert looked_at.status_code == 200 and f'action="{page_link}"' in looked_at.text
    assert (await web.get(page_link)).status_code == 200  # ... so the link still works
    pressed = await web.post(page_link, data={"_csrf_token": csrf_token(looked_at.text)})
    assert pressed.status_code == 200 and "Application confirmed" in pressed.text
    page_receipt_url = re.search(r'href="(/accede/receipt/[^"]+)"', pressed.text)[1]
    again = await web.post(page_link, data={"_csrf_token": csrf_token(looked_at.text)})
    assert again.status_code == 410  # a link confirms once

    confirmed = await web.post("/api/v1/accessions/confirm",
                               json={"token": api_link.rsplit("/", 1)[1]})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["id"] == api_id and confirmed.json()["status"] == "pending_review"
    api_receipt, api_receipt_url = confirmed.json()["receipt"], confirmed.json()["receipt_url"]
    # Confirmed is not accepted: still nothing in the register.
    assert not await listed(web, "Pravovaya") and not await listed(web, "Lawtrend")

    # The receipts, checked by an independent JOSE library with only the published keys.
    published = await web.get("/.well-known/jwks.json")
    assert published.status_code == 200
    assert published.headers["content-type"].startswith("application/jwk-set+json")
    assert published.json()["keys"] and all("d" not in key for key in published.json()["keys"])
    key_set = KeySet.import_key_set(published.json())
    kids = {key["kid"] for key in published.json()["keys"]}

    receipts = {}
    for url, statement_hash in ((page_receipt_url, page_hash), (api_receipt_url, api_hash)):
        download = await web.get(url)
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith("application/jose")
        jws_text = download.text.strip()
        header = json.loads(base64.urlsafe_b64decode(jws_text.split(".")[0] + "=="))
        assert header["alg"] == "ES256" and header["typ"] == "accession-receipt+jwt"
        assert header["kid"] in kids
        verified = independent_jws.deserialize_compact(
            jws_text, key_set.get_by_kid(header["kid"]), algorithms=["ES256"])
        payload = json.loads(verified.payload)
        assert payload["type"] == "accession-receipt"
        assert payload["statement_sha256"] == statement_hash
        assert hashlib.sha256(rfc8785(payload["statement"])).hexdigest() == statement_hash
        accession = payload["accession"]
        assert f'filename="accession-{accession}.jws"' in download.headers["content-disposition"]
        receipts[accession] = payload
        # A changed payload under the same signature does not verify.
        head, _, signature = jws_text.split(".")
        forged = json.dumps({**payload, "accession": "someone-else"}).encode()
        forged_body = base64.urlsafe_b64encode(forged).decode().rstrip("=")
        with pytest.raises(BadSignatureError):
            independent_jws.deserialize_compact(f"{head}.{forged_body}.{signature}",
                                                key_set.get_by_kid(header["kid"]),
                                                algorithms=["ES256"])

    assert api_id in receipts and (await web.get(api_receipt_url)).text.strip() == api_receipt
    [page_id] = set(receipts) - {api_id}
    assert receipts[page_id]["statement"]["signatory"]["public_name"] == "Pravovaya Initsiyatyva"
    assert receipts[api_id]["statement"]["signatory"]["legal_name"] == "Lawtrend Foundation"
    assert receipts[api_id]["statement"]["principles"]["version"] == "1.0"

    # The secretariat accepts the page applicant from the command line. Ids may begin
    # with "-" (one in 64), which the command would take for an option without the "--".
    approved = run_cli("accessions", "approve", "--", page_id)
    assert approved.code == 0, approved.output
    page_signatory = re.fullmatch(rf"Accepted {page_id}: signatory (\S+)\.\n", approved.out)[1]

    # ... and the API applicant from the staff page, after logging in. Not before.
    anonymous = await web.get(f"/staff/accessions/{api_id}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/staff/login?next=/staff/accessions/{api_id}"
    member = await make_member(mailing, "secretariat")
    await login_over_http(web, member)
    assert await in_review_queue(web, api_id)
    assert not await in_review_queue(web, page_id)  # already accepted
    detail = await web.get(f"/staff/accessions/{api_id}")
    assert detail.status_code == 200 and API_APPLICANT["contact_email"] in detail.text
    accepted = await web.post(f"/staff/accessions/{api_id}/approve",
                              data={"_csrf_token": csrf_token(detail.text)},
                              follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/staff/accessions"
    assert not await in_review_queue(web, api_id)

    # The acceptance mails, sent this time by `registry outbox send` (with the notice
    # of the reviewer's enrolment, queued when the account was made above).
    before = len(server.messages())
    sent = run_cli("outbox", "send")
    assert sent.code == 0, sent.output
    assert sent.out == "3 sent, 0 to retry later, 0 given up; 0 pending.\n"
    assert sorted(str(m["To"]) for m in server.messages()[before:]) == sorted(
        [PAGE_APPLICANT["contact_email"], API_APPLICANT["contact_email"], member.email])
    acceptances = addressed_to(server.messages(), "Your accession to the Principles is accepted")
    assert set(acceptances) == {PAGE_APPLICANT["contact_email"], API_APPLICANT["contact_email"]}
    register_link = re.escape(BASE_URL) + r"/register/(\S+)"
    assert re.search(register_link, text_of(
        acceptances[PAGE_APPLICANT["contact_email"]]))[1] == page_signatory
    api_signatory = re.search(register_link,
                              text_of(acceptances[API_APPLICANT["contact_email"]]))[1]
    assert api_signatory != page_signatory
    assert '"Lawtrend"' in text_of(acceptances[API_APPLICANT["contact_email"]])

    # Both are in the register: the page, the search API and the signatory's record.
    for applicant, signatory, query in (
            (PAGE_APPLICANT, page_signatory, "Правовая"),  # any script
            (API_APPLICANT, api_signatory, "LAWTREND")):  # any case
        page = await web.get("/register", params={"q": query})
        assert page.status_code == 200
        assert f'<a href="/register/{signatory}">{applicant["public_name"]}</a>' in page.text
        found = await web.get("/api/v1/signatories", params={"q": query})
        assert [(s["id"], s["name"]) for s in found.json()["signatories"]] == [
            (signatory, applicant["public_name"])]
        record = await web.get(f"/api/v1/signatories/{signatory}")
        assert record.status_code == 200
        shown = record.json()
        assert shown["status"] == "active" and shown["listing"] == "public"
        assert shown["version"] == "1.0" and shown["kind"] == "organisation"
        assert shown["legal_name"] == applicant["legal_name"]
        assert shown["country"] == applicant["country"] and shown["city"] == applicant["city"]
        assert shown["url"] == f"/register/{signatory}"
        assert applicant["contact_email"] not in record.text  # never public
        assert (await web.get(f"/register/{signatory}")).status_code == 200
