"""Filing a case and following it up with the receipt code: anonymous or named, by the
page (multipart, with evidence) and by the API; sealed in the database; a wrong pair
answered alike whether or not the reference exists, and limited per reference."""

from __future__ import annotations

import io
import json
import re
import statistics
import time

from PIL import Image

from registry.cases.tables import Case, CaseAttachment, CaseMessage
from registry.keys.sealed import unseal
from tests.accessions.test_lifecycle import accepted
from tests.staff.helpers import csrf_token

ACCOUNT = "On 3 May the organisation published the names of two volunteers without consent."


async def respondent(client, synced, **changes) -> str:
    return await accepted(client, synced, **changes)


def _gps_photo() -> bytes:
    image = Image.new("RGB", (64, 48), "green")
    exif = Image.Exif()
    exif[0x0110] = "Camera That Names Its Owner"
    gps = exif.get_ifd(0x8825)
    gps[2] = (53.0, 54.0, 0.0)  # latitude of Minsk
    gps[4] = (27.0, 33.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _file_by_page(client, fields: dict, files: list | None = None):
    page = await client.get("/complaints/new")
    assert page.status_code == 200
    data = {"_csrf_token": csrf_token(page.text), **fields}
    return await client.post("/complaints/new", data=data, files=files or [])


def _pair(page: str) -> tuple[str, str]:
    codes = re.findall(r'<code class="receipt-code">([^<]+)</code>', page)
    assert len(codes) == 2, page[-2000:]
    return codes[0], codes[1]


async def test_an_anonymous_complaint_with_a_photo_is_filed_sealed_and_followed_up(
        client, synced):
    signatory = await respondent(client, synced)
    form = await client.get(f"/complaints/new?respondent={signatory}")
    assert f'<option value="{signatory}" selected>' in form.text
    assert '/principles/1.0/11"' in form.text  # each principle links to its permalink
    filed = await _file_by_page(client, {
        "kind": "complaint", "respondent": signatory, "principles": ["11", "3"],
        "account": ACCOUNT, "identity": "anonymous"},
        files=[("evidence", ("IMG_0042.jpg", _gps_photo(), "image/jpeg"))])
    assert filed.status_code == 200, filed.text[-3000:]
    assert filed.headers["cache-control"] == "no-store"
    reference, code = _pair(filed.text)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)

    # Sealed: neither what happened, nor whom it concerns, nor the photo is readable.
    [row] = await Case.raw("SELECT * FROM case_file WHERE reference = {}", reference)
    raw = json.dumps(row, default=str)
    assert signatory not in raw and "volunteers" not in raw and code.replace(" ", "") not in raw
    [evidence] = await CaseAttachment.select().where(CaseAttachment.case_file == row["id"])
    assert evidence["content"].startswith("enc1:") and evidence["metadata_removed"] is True
    import base64

    photo = base64.b64decode(unseal(CaseAttachment.content, evidence["content"]))
    assert b"Camera That Names" not in photo and not Image.open(io.BytesIO(photo)).getexif()

    # The filer follows it up, with spaces or without.
    page = await client.get("/complaints/follow-up")
    view = await client.post("/complaints/follow-up", data={
        "_csrf_token": csrf_token(page.text), "reference": reference.lower(),
        "receipt_code": code.replace(" ", "")})
    assert view.status_code == 200 and "volunteers without consent" in view.text
    assert "Received" in view.text
    assert '/principles/1.0/3"' in view.text and '/principles/1.0/11"' in view.text
    written = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "text": "One more thing: it happened again on 9 May, see the screenshot."})
    assert written.status_code == 200 and "Your message was added" in written.text
    assert "it happened again on 9 May" in written.text
    [message] = await CaseMessage.raw("SELECT body FROM case_message WHERE case_file = {}",
                                      row["id"])
    assert message["body"].startswith("enc1:") and "9 May" not in message["body"]


async def test_the_api_files_and_refuses_in_words(client, synced):
    signatory = await respondent(client, synced)
    hidden = await respondent(client, synced, public_name="Hidden", legal_name="Hidden",
                              contact_email="hidden@example.org", listing="unlisted")
    good = {"kind": "conflict_of_interest", "respondent": signatory, "principles": [15],
            "account": ACCOUNT, "anonymous": False, "name": "Ales Filer",
            "contact_email": "ales@example.org", "consent_to_identity": True}
    before = await Case.count()
    for changes, field in [
        ({"respondent": hidden}, "respondent"),  # unlisted: not in the public register
        ({"respondent": "no-such-signatory"}, "respondent"),
        ({"principles": [0]}, "principles"), ({"principles": [16]}, "principles"),
        ({"principles": []}, "principles"),
        ({"account": "too short"}, "account"),
        ({"account": ACCOUNT + "\u202e"}, "account"),  # a bidi override
        ({"name": ""}, "name"),
        ({"anonymous": True}, "name"),  # anonymous, yet named
        ({"kind": "gossip"}, "kind"),
    ]:
        response = await client.post("/api/v1/complaints", json={**good, **changes})
        assert response.status_code == 400, (changes, response.text)
        assert field in response.text, (changes, response.text)
    assert await Case.count() == before  # nothing half-written
    filed = await client.post("/api/v1/complaints", json=good)
    assert filed.status_code == 201, filed.text
    pair = {"reference": filed.json()["reference"], "receipt_code": filed.json()["receipt_code"]}
    view = await client.post("/api/v1/complaints/follow-up", json=pair)
    assert view.status_code == 200 and view.json()["kind"] == "conflict_of_interest"
    assert view.json()["respondent"] == "Pravovaya Initsiyatyva"
    written = await client.post("/api/v1/complaints/messages",
                                json={**pair, "text": "A second message for the panel."})
    assert written.status_code == 201
    assert [m["text"] for m in written.json()["messages"]] == ["A second message for the panel."]


async def test_a_wrong_pair_is_answered_alike_and_guessing_is_limited(client, synced):
    signatory = await respondent(client, synced)
    filed = (await client.post("/api/v1/complaints", json={
        "kind": "complaint", "respondent": signatory, "principles": [1],
        "account": ACCOUNT})).json()
    reference, code = filed["reference"], filed["receipt_code"]
    wrong = "1111 2222 3333 4444" if code != "1111 2222 3333 4444" else "9999 2222 3333 4444"

    async def attempt(ref: str, receipt: str) -> tuple[int, str, float]:
        began = time.perf_counter()
        response = await client.post("/api/v1/complaints/follow-up",
                                     json={"reference": ref, "receipt_code": receipt})
        body = response.json()
        return response.status_code, body.get("detail", ""), time.perf_counter() - began

    known = [await attempt(reference, wrong) for _ in range(4)]
    unknown = [await attempt("2026-XXXXXX", wrong) for _ in range(4)]
    assert {(s, d) for s, d, _ in known} == {(s, d) for s, d, _ in unknown} == {
        (404, "This reference and receipt code do not open a case. Check both and try again.")}
    ratio = statistics.median(t for *_, t in known) / statistics.median(t for *_, t in unknown)
    assert 0.5 < ratio < 2, ratio  # the same slow hash either way
    # A fifth wrong code for this reference, then further guesses are refused for a while;
    # the right code still opens the case, so guessing cannot lock its filer out.
    assert (await attempt(reference, wrong))[0] == 404
    status, detail, _ = await attempt(reference, wrong)
    assert status == 429 and "Too many wrong receipt codes" in detail
    refused = await client.post("/api/v1/complaints/follow-up",
                                json={"reference": reference, "receipt_code": wrong})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(synced.case_follow_up_window_minutes * 60)
    assert (await attempt(reference, code))[0] == 200
    # Other references are not affected.
    assert (await attempt("2026-YYYYYY", wrong))[0] == 404
