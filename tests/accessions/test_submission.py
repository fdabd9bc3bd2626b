"""Accession, first part: submit, confirm by e-mail, the countersigned receipt."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws as independent_jws
from joserfc.jwk import ECKey, KeySet
from litestar.testing import AsyncTestClient

from registry.accessions.tables import Accession, AccessionLink
from registry.mail import services as mail
from registry.mail.tables import OutboxMessage
from registry.mail.transport import SmtpTransport
from tests.staff.helpers import csrf_token, events_after, last_event_id

FORM = {
    "kind": "organisation",
    "public_name": "Pravovaya Initsiyatyva",
    "legal_name": "Public Association «Legal Initiative»",
    "country": "LT",
    "city": "Vilnius",
    "registration_status": "in_exile",
    "website": "https://example.org",
    "contact_email": "contact@legal-initiative.example",
    "representative_name": "Alena Test",
    "representative_role": "Chair of the board",
    "head_in_party_body": False,
    "other_interests": "",
    "listing": "public",
    "signature_name": "Alena Test",
    "consent": True,
}


async def deliver(settings, server) -> list:
    await mail.deliver_due(SmtpTransport(server.url()), settings=settings)
    return server.messages()


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"/accede/confirm/(\S+)", body)[1]


async def test_submit_confirm_and_verify_the_receipt_with_the_published_key(
    client: AsyncTestClient, synced, smtp_server,
):
    server = smtp_server()
    response = await client.post("/api/v1/accessions", json=FORM)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending_confirmation" and len(body["statement_sha256"]) == 64

    [message] = await deliver(synced, server)
    assert message["To"] == FORM["contact_email"]
    assert body["statement_sha256"] in message.get_body(("plain",)).get_content()
    token = link_in(message)

    confirmed = await client.post("/api/v1/accessions/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    receipt = confirmed.json()["receipt"]
    row = await Accession.select().where(Accession.public_id == body["id"]).first()
    assert row["status"] == "pending_review" and row["confirmed_at"]

    # Verified with an independent JOSE library and nothing but the published JWKS.
    published = (await client.get("/.well-known/jwks.json")).json()
    assert all("d" not in key for key in published["keys"])
    header = json.loads(base64.urlsafe_b64decode(receipt.split(".")[0] + "=="))
    assert header["alg"] == "ES256" and header["typ"] == "accession-receipt+jwt"
    key_set = KeySet.import_key_set(published)
    verified = independent_jws.deserialize_compact(receipt, key_set.get_by_kid(header["kid"]),
                                                   algorithms=["ES256"])
    payload = json.loads(verified.payload)
    assert payload["accession"] == body["id"]
    assert payload["statement_sha256"] == body["statement_sha256"]
    assert payload["statement"]["principles"]["version"] == "1.0"
    assert payload["statement"]["signatory"]["legal_name"] == FORM["legal_name"]

    download = await client.get(confirmed.json()["receipt_url"])
    assert download.status_code == 200 and download.text == receipt
    assert download.headers["content-type"].startswith("application/jose")


async def test_the_form_page_submits_and_confirmation_needs_a_button(client, synced):
    page = await client.get("/accede")
    assert page.status_code == 200 and "1.0" in page.text
    data = {**{k: str(v) for k, v in FORM.items()}, "head_in_party_body": "no",
            "consent": "on", "_csrf_token": csrf_token(page.text)}
    done = await client.post("/accede", data=data)
    assert done.status_code == 200 and "Check your e-mail" in done.text
    outbox = await OutboxMessage.select().first()
    token = await _token_from_outbox(outbox)
    looked_at = await client.get(f"/accede/confirm/{token}")
    assert looked_at.status_code == 200
    # Opening the link (as a mail scanner would) confirms nothing.
    assert (await Accession.select(Accession.status).first())["status"] == "pending_confirmation"
    pressed = await client.post(f"/accede/confirm/{token}",
                                data={"_csrf_token": csrf_token(looked_at.text)})
    assert pressed.status_code == 200 and "Application confirmed" in pressed.text
    receipt_url = re.search(r'href="(/accede/receipt/[^"]+)"', pressed.text)[1]
    assert (await client.get(receipt_url)).status_code == 200


async def _token_from_outbox(row) -> str:
    from registry.mail.services import build_message

    message = build_message(row, sender="x@example.org")
    return re.search(r"/accede/confirm/(\S+)", message.get_body(("plain",)).get_content())[1]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [({"contact_email": "not an address"}, "contact_email", "Enter an e-mail address such as"),
     ({"public_name": "x" * 201}, "public_name", "Write at most 200 characters."),
     ({"public_name": "<b>Viasna</b>"}, "public_name", "Remove the characters < and >"),
     ({"public_name": ""}, "public_name", "Write at least 2 characters."),
     ({"legal_name": ""}, "legal_name", "Give the organisation's legal name."),
     ({"signature_name": "Someone Else"}, "signature_name", "exactly as above"),
     ({"country": "XX"}, "country", "Choose a country from the list."),
     ({"website": "javascript:alert(1)"}, "website", "https://"),
     ({"consent": False}, "consent", "Tick this box to go on."),
     ({"listing": "secret"}, "listing", "Choose one of the answers."),
     ({"public_name": "Viasna'; DROP TABLE accession; --"}, None, None)],
)
async def test_bad_answers_get_clear_errors_and_write_nothing(client, synced, change, field,
                                                              words):
    response = await client.post("/api/v1/accessions", json={**FORM, **change})
    if field is None:  # an SQL fragment is just a name
        assert response.status_code == 201
        return
    assert response.status_code == 400
    body = response.json()
    assert any(words in str(error) for error in body["errors"]), body
    assert await Accession.count() == 0 and await OutboxMessage.count() == 0


async def test_form_page_errors_are_shown_per_field(client, synced):
    page = await client.get("/accede")
    data = {**{k: str(v) for k, v in FORM.items()}, "head_in_party_body": "no",
            "contact_email": "nobody", "_csrf_token": csrf_token(page.text)}
    data.pop("consent")
    response = await client.post("/accede", data=data)
    assert response.status_code == 400
    assert 'id="contact_email-error"' in response.text
    assert "Enter an e-mail address such as" in response.text
    assert 'value="Pravovaya Initsiyatyva"' in response.text  # answers kept
    assert await Accession.count() == 0


async def test_a_mistake_is_told_in_the_readers_language_field_by_field(client, synced):
    """GOV.UK's pattern, in Belarusian: "Error:" in the title, a summary that names each
    field by its label and links to its first input, and each control marked invalid."""
    from registry.translation import gettext, ngettext, using

    page = await client.get("/accede", headers={"accept-language": "be"})
    data = {**{k: str(v) for k, v in FORM.items()}, "public_name": "x", "_csrf_token":
            csrf_token(page.text)}
    for dropped in ("consent", "kind", "head_in_party_body"):
        data.pop(dropped)
    response = await client.post("/accede", data=data, headers={"accept-language": "be"})
    assert response.status_code == 400
    text = response.text
    with using("be"):
        error, label = gettext("Error:"), gettext("Name to show in the register")
        too_short = ngettext("Write at least %(num)d character.",
                             "Write at least %(num)d characters.", 2) % {"num": 2}
        assert gettext("Tick this box to go on.") != "Tick this box to go on."
    assert re.search(rf"<title>{error} ", text)
    summary = re.search(r'<div class="form-error".*?</div>', text, re.S)[0]
    assert f'<a href="#public_name">{label}: {too_short}</a>' in summary
    for field in ("kind", "head_in_party_body", "consent"):
        assert f'href="#{field}"' in summary and f'id="{field}"' in text
    # Every control of a wrong answer says so, radios and checkboxes included.
    radios = re.findall(r'<input[^>]*name="kind"[^>]*>', text)
    assert len(radios) == 2 and all('aria-invalid="true"' in r and
                                    'aria-describedby="kind-error"' in r for r in radios)
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="consent"[^>]*>', text)[0]
    assert "Field required" not in text and "String should" not in text
    assert 'value="x"' in text  # answers kept


async def test_the_api_says_what_is_wrong_in_the_readers_language(client, synced):
    from registry.translation import gettext, ngettext, using

    response = await client.post("/api/v1/accessions", json={**FORM, "consent": False,
                                                             "public_name": ""},
                                 headers={"accept-language": "ru"})
    assert response.status_code == 400
    with using("ru"):
        expected = {"consent": gettext("Tick this box to go on."),
                    "public_name": ngettext("Write at least %(num)d character.",
                                            "Write at least %(num)d characters.", 2) % {"num": 2}}
    assert {e["key"]: e["message"] for e in response.json()["errors"]} == expected
    assert expected["consent"] != "Tick this box to go on."


async def test_double_submission_and_wrong_version(client, synced):
    assert (await client.post("/api/v1/accessions", json=FORM)).status_code == 201
    again = await client.post("/api/v1/accessions", json=FORM)
    assert again.status_code == 409 and "already received" in again.json()["detail"]
    old = await client.post("/api/v1/accessions", json={**FORM, "version": "0.9"})
    assert old.status_code == 400
    assert old.json()["detail"] == ("Version 0.9 of the Principles is not in force. "
                                    "Accede to version 1.0.")
    assert await Accession.count() == 1


async def test_replayed_expired_and_unknown_confirmation_links(client, synced):
    await client.post("/api/v1/accessions", json=FORM)
    token = await _token_from_outbox(await OutboxMessage.select().first())
    before = await last_event_id()
    assert (await client.post("/api/v1/accessions/confirm", json={"token": token})).is_success
    replay = await client.post("/api/v1/accessions/confirm", json={"token": token})
    assert replay.status_code == 410 and "already used" in replay.json()["detail"]
    unknown = await client.post("/api/v1/accessions/confirm", json={"token": "x" * 40})
    assert unknown.status_code == 404

    await client.post("/api/v1/accessions", json={**FORM, "contact_email": "b@example.org"})
    late = await _token_from_outbox(await OutboxMessage.select().order_by(
        OutboxMessage.id, ascending=False).first())
    await AccessionLink.update({AccessionLink.expires_at: datetime.now(UTC) - timedelta(
        seconds=1)}, force=True).where(AccessionLink.used_at.is_null())
    expired = await client.post("/api/v1/accessions/confirm", json={"token": late})
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    # Opening it says so at once (the page shows what a good link would confirm).
    page = await client.get(f"/accede/confirm/{late}")
    assert page.status_code == 410 and "expired" in page.text
    reasons = [e["details"]["reason"] for e in await events_after(
        before, tag="accession:confirmation:refused")]
    assert reasons == ["used", "unknown", "expired", "expired"]


def _own_key():
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    return key, public


async def test_an_applicant_may_sign_with_their_own_key(client, synced):
    key, public = _own_key()
    today = datetime.now(UTC).date().isoformat()
    preview = (await client.post("/api/v1/accessions/statement",
                                 json={**FORM, "date": today})).json()
    signed = independent_jws.serialize_compact({"alg": "ES256"}, preview["canonical"].encode(),
                                               key)
    head, _, signature = signed.split(".")
    detached = f"{head}..{signature}"
    response = await client.post("/api/v1/accessions", json={
        **FORM, "date": today, "applicant_jwk": public, "applicant_signature": detached})
    assert response.status_code == 201, response.text
    assert response.json()["statement_sha256"] == preview["sha256"]


@pytest.mark.parametrize("attack", ["wrong_key", "tampered", "none", "hs256", "private",
                                    "garbage_jwk", "nested_header", "list_header"])
async def test_bad_applicant_keys_and_signatures_are_refused(client, synced, attack):
    key, public = _own_key()
    today = datetime.now(UTC).date().isoformat()
    preview = (await client.post("/api/v1/accessions/statement",
                                 json={**FORM, "date": today})).json()
    payload = preview["canonical"].encode()
    signed = independent_jws.serialize_compact({"alg": "ES256"}, payload, key)
    head, _, signature = signed.split(".")
    jwk, detached = public, f"{head}..{signature}"
    if attack == "wrong_key":
        jwk = _own_key()[1]
    elif attack == "tampered":
        other = independent_jws.serialize_compact({"alg": "ES256"}, payload + b" ", key)
        detached = f"{other.split('.')[0]}..{other.split('.')[2]}"
    elif attack == "none":
        none_head = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
        detached = f"{none_head}.."
    elif attack == "hs256":
        hs_head = base64.urlsafe_b64encode(b'{"alg":"HS256"}').decode().rstrip("=")
        detached = f"{hs_head}..{signature}"
    elif attack == "private":
        jwk = key.as_dict(private=True)
    elif attack == "garbage_jwk":
        jwk = {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "BBBB"}
    elif attack in ("nested_header", "list_header"):  # python-jose's json.loads chokes
        shape = b"[" * 1100 if attack == "nested_header" else b'["ES256"]'
        detached = f"{base64.urlsafe_b64encode(shape).decode().rstrip('=')}..{signature}"
    response = await client.post("/api/v1/accessions", json={
        **FORM, "date": today, "applicant_jwk": jwk, "applicant_signature": detached})
    assert response.status_code == 400, (attack, response.text)
    # A problem of the key is told at the key, of the signature at the signature.
    at_fault = "applicant_jwk" if attack in ("private", "garbage_jwk") else "applicant_signature"
    assert response.json()["detail"].startswith(f"{at_fault}: "), response.text
    assert await Accession.count() == 0


async def test_no_contact_or_legal_data_in_plaintext(client, synced):
    await client.post("/api/v1/accessions", json={**FORM, "listing": "unlisted"})
    rows = await Accession.raw("SELECT * FROM accession")
    dump = " ".join(str(v) for row in rows for v in row.values())
    for secret in ("legal-initiative", "Legal Initiative", "Alena", "Vilnius",
                   "Pravovaya", "Chair of the board"):
        assert secret not in dump, secret


async def test_a_new_link_can_be_asked_for_at_most_every_ten_minutes(client, synced):
    await client.post("/api/v1/accessions", json=FORM)
    first = await _token_from_outbox(await OutboxMessage.select().first())
    same_answer = None
    for email in (FORM["contact_email"], "never-applied@example.org"):
        response = await client.post("/api/v1/accessions/resend", json={"contact_email": email})
        assert response.status_code == 202
        same_answer = same_answer or response.json()["detail"]
        assert response.json()["detail"] == same_answer  # nothing tells who applied
    assert await OutboxMessage.count() == 1  # too soon: no second mail yet
    await Accession.update({Accession.confirmation_sent_at: datetime.now(UTC) - timedelta(
        minutes=11)}, force=True)
    page = await client.get("/accede/resend")
    done = await client.post("/accede/resend", data={
        "contact_email": FORM["contact_email"], "_csrf_token": csrf_token(page.text)})
    assert done.status_code == 200 and same_answer in done.text
    assert await OutboxMessage.count() == 2
    second = await _token_from_outbox(await OutboxMessage.select().order_by(
        OutboxMessage.id, ascending=False).first())
    old = await client.post("/api/v1/accessions/confirm", json={"token": first})
    assert old.status_code == 410  # the earlier link no longer works
    new = await client.post("/api/v1/accessions/confirm", json={"token": second})
    assert new.status_code == 200
    bad = await client.post("/api/v1/accessions/resend", json={"contact_email": "nope"})
    assert bad.status_code == 400


async def test_an_expired_receipt_link_says_the_receipt_itself_still_holds(client, synced):
    await client.post("/api/v1/accessions", json=FORM)
    token = await _token_from_outbox(await OutboxMessage.select().first())
    receipt_url = (await client.post("/api/v1/accessions/confirm",
                                     json={"token": token})).json()["receipt_url"]
    assert (await client.get(receipt_url)).status_code == 200
    await AccessionLink.update({AccessionLink.expires_at: datetime.now(UTC)}, force=True)
    late = await client.get(receipt_url)
    assert late.status_code == 410 and "The receipt is still valid" in late.text


async def test_the_api_names_the_answers_allowed_where_there_are_few(client, synced):
    """People read the words; a client program reads which answers it may send."""
    response = await client.post("/api/v1/accessions",
                                 json={**FORM, "kind": "cooperative", "listing": 7},
                                 headers={"accept-language": "be"})
    assert response.status_code == 400
    found = {e["key"]: e for e in response.json()["errors"]}
    assert found["kind"]["allowed"] == ["organisation", "individual"]
    assert found["kind"]["source"] == "body" and "Input should" not in found["kind"]["message"]
    assert set(found["listing"]) >= {"key", "message", "source"}
