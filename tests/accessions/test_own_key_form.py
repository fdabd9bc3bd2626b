"""The accession form's advanced part (signing with one's own key): closed until used;
a problem in it opens it, says itself at its control, and keeps what was pasted."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlencode

import pytest
from joserfc import jws as independent_jws
from joserfc.jwk import ECKey
from markupsafe import escape

from registry.accessions.tables import Accession
from registry.mail.tables import OutboxMessage
from tests.accessions.test_submission import FORM, _token_from_outbox
from tests.forms import assert_no_field_marked, assert_refused, control, summary_of, words
from tests.staff.helpers import csrf_token


def _details(html: str) -> str:
    found = re.search(r'<details id="field-own_key"[^>]*>', html)
    assert found, "the form has no advanced part"
    return found[0]


async def _post(client, language: str = "en", **changes: str):
    headers = {"accept-language": language}
    page = await client.get("/accede", headers=headers)
    assert " open" not in _details(page.text)  # closed while nothing is in it
    data = {**{k: str(v) for k, v in FORM.items()}, "head_in_party_body": "no",
            "consent": "on", "_csrf_token": csrf_token(page.text), **changes}
    return await client.post("/accede", data=data, headers=headers)


async def test_a_signature_without_its_key_opens_the_part_and_is_told_at_its_field(
        client, synced):
    response = await _post(client, "be", applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
    assert response.status_code == 400
    assert_refused(response.text, "applicant_signature", language="be")
    assert _details(response.text).endswith(" open>")
    assert ">eyJhbGciOiJFUzI1NiJ9..c2ln</textarea>" in response.text  # kept
    assert "aria-invalid" not in control(response.text, "applicant_jwk")
    assert await Accession.count() == 0


async def test_a_key_that_is_not_a_json_object_is_told_at_its_field(client, synced):
    response = await _post(client, applicant_jwk="not a key",
                           applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
    assert response.status_code == 400
    summary = assert_refused(response.text, "applicant_jwk")
    assert '<a href="#applicant_jwk">Public key (JWK, JSON): ' in summary
    assert _details(response.text).endswith(" open>")
    assert ">not a key</textarea>" in response.text



# --- Signing with one's own key through the form, and pastes that are no key ----------

def _signed(canonical: str) -> tuple[ECKey, dict, str]:
    """A new key, its public JWK, and a detached JWS of the statement made with it."""
    key = ECKey.generate_key("P-256")
    head, _payload, signature = independent_jws.serialize_compact(
        {"alg": "ES256"}, canonical.encode(), key).split(".")
    return key, key.as_dict(private=False), f"{head}..{signature}"


async def test_an_applicant_signs_with_their_own_key_through_the_form(client, synced):
    # The statement to sign, built from the same answers through the API (as the form's
    # hint says), then pasted back into the form with the key.
    preview = (await client.post("/api/v1/accessions/statement", json=FORM)).json()
    _key, public, detached = _signed(preview["canonical"])
    pasted = json.dumps(public, indent=2)  # as a tool prints it: over several lines
    response = await _post(client, applicant_jwk=pasted, applicant_signature=detached)
    assert response.status_code == 200, summary_of(response.text)
    assert "Check your e-mail" in response.text and preview["sha256"] in response.text
    row = await Accession.select().first()
    assert row["statement_hash"] == preview["sha256"]

    # Confirmed, the receipt carries the applicant's own signature, which verifies with
    # their key over the statement the registry countersigned.
    token = await _token_from_outbox(await OutboxMessage.select().first())
    receipt = (await client.post("/api/v1/accessions/confirm", json={"token": token})
               ).json()["receipt"]
    payload = json.loads(base64.urlsafe_b64decode(receipt.split(".")[1] + "=="))
    assert payload["statement_sha256"] == preview["sha256"]
    assert payload["applicant_signature"] == {"jwk": public, "jws": detached}
    head, _empty, signature = detached.split(".")
    attached = ".".join((head, base64.urlsafe_b64encode(
        preview["canonical"].encode()).decode().rstrip("="), signature))
    independent_jws.deserialize_compact(attached, ECKey.import_key(public),
                                        algorithms=["ES256"])


NOT_A_KEY = "Paste the public key as a JWK: a JSON object that begins with { and ends with }."
TOO_LONG = "Write at most 4000 characters."


@pytest.mark.parametrize(("pasted", "said"), [
    ("not a key", NOT_A_KEY),
    ("{'kty': 'EC'}", NOT_A_KEY),  # a Python dict, not JSON
    ('{"kty": "EC",}', NOT_A_KEY),
    ("[1, 2]", NOT_A_KEY),
    ('"{\\"kty\\": \\"EC\\"}"', NOT_A_KEY),  # a string holding JSON
    ("null", NOT_A_KEY),
    ("NaN", NOT_A_KEY),
    ("[" * 1999 + "]" * 1999, NOT_A_KEY),  # nested deeper than can be read, in the bound
    ('{"a":' * 999 + "1" + "}" * 999, TOO_LONG),
    ("[" * 10_000 + "]" * 10_000, TOO_LONG),
    ("{" + " " * 100_000 + "}", TOO_LONG),
    ("\x00{}", NOT_A_KEY),
])
async def test_a_paste_that_is_no_key_is_told_at_its_field_and_kept(client, synced, pasted,
                                                                   said):
    response = await _post(client, applicant_jwk=pasted,
                           applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
    assert response.status_code == 400
    summary = assert_refused(response.text, "applicant_jwk")
    assert f'<a href="#applicant_jwk">Public key (JWK, JSON): {escape(said)}</a>' \
        in summary
    assert "aria-invalid" not in control(response.text, "applicant_signature")
    assert f">{escape(pasted)}</textarea>" in response.text  # kept as pasted
    assert await Accession.count() == 0


async def test_a_broken_key_is_said_with_the_forms_other_problems_at_once(client, synced):
    response = await _post(client, "ru", applicant_jwk="{", public_name="",
                           applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
    assert response.status_code == 400
    summary = assert_refused(response.text, "public_name", "applicant_jwk", language="ru")
    assert words(NOT_A_KEY, "ru") in summary
    assert summary.index("#public_name") < summary.index("#applicant_jwk")  # page order


async def test_objects_that_are_no_usable_key_are_refused_in_words_not_a_500(client, synced):
    for pasted in ('{"a":' * 600 + "1" + "}" * 600,  # deep, but readable and in the bound
                   '{"kty": "EC", "crv": "P-256", "x": [1], "y": {"z": null}}',
                   '{"kty": "EC", "crv": "P-256", "x": "\\ud800", "y": "\\u0000"}',
                   '{"kty": {"kty": "RSA"}}', "{}"):
        response = await _post(client, applicant_jwk=pasted,
                               applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
        assert response.status_code == 400, pasted
        # Each is no key (no kind, or parts no key has): told at the key.
        assert_refused(response.text, "applicant_jwk")
        assert f">{escape(pasted)}</textarea>" in response.text
    assert await Accession.count() == 0


async def test_a_private_key_is_refused_at_its_field_and_never_written_back(client, synced):
    preview = (await client.post("/api/v1/accessions/statement", json=FORM)).json()
    key, _public, detached = _signed(preview["canonical"])
    private = key.as_dict(private=True)
    response = await _post(client, applicant_jwk=json.dumps(private),
                           applicant_signature=detached)
    assert response.status_code == 400
    summary = assert_refused(response.text, "applicant_jwk")
    assert "Paste the public key only" in summary
    assert private["d"] not in response.text
    assert "></textarea>" in response.text.split('id="applicant_jwk"', 1)[1].split("\n")[0]
    assert await Accession.count() == 0


@pytest.mark.parametrize("shape", ["key set", "PEM", "broken JSON", "given twice"])
async def test_a_private_key_pasted_in_any_shape_is_never_written_back(client, synced, shape):
    key = ECKey.generate_key("P-256")
    private = key.as_dict(private=True)
    secret = private["d"]
    pasted = {
        "key set": json.dumps({"keys": [private]}),
        "PEM": key.as_pem(private=True).decode(),
        "broken JSON": json.dumps(private)[:-1] + ",}",
        "given twice": [json.dumps(private), json.dumps(private)],
    }[shape]
    response = await _post(client, applicant_jwk=pasted,
                           applicant_signature="eyJhbGciOiJFUzI1NiJ9..c2ln")
    assert response.status_code == 400
    summary = assert_refused(response.text, "applicant_jwk")
    assert "Paste the public key only" in summary
    pem_body = key.as_pem(private=True).decode().splitlines()[1]
    assert secret not in response.text and pem_body not in response.text
    assert await Accession.count() == 0


async def test_a_key_given_twice_or_not_in_utf_8_is_refused_not_a_500(client, synced):
    page = await client.get("/accede")
    data = {**{k: str(v) for k, v in FORM.items()}, "head_in_party_body": "no",
            "consent": "on", "_csrf_token": csrf_token(page.text),
            "applicant_signature": "eyJhbGciOiJFUzI1NiJ9..c2ln"}
    twice = await client.post("/accede", data={**data, "applicant_jwk": ["{}", "{}"]})
    assert twice.status_code == 400
    assert_refused(twice.text, "applicant_jwk")
    body = urlencode(data).encode() + b"&applicant_jwk=%7B%22kty%22%3A%22%FF%FE%22%7D"
    latin = await client.post("/accede", content=body, headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert latin.status_code == 400
    assert await Accession.count() == 0


@pytest.mark.parametrize("day", ["2020-01-01", "not a day"])
async def test_a_statement_date_has_no_control_and_is_told_for_the_whole_form(
        client, synced, day):
    response = await _post(client, date=day)
    assert response.status_code == 400
    html_ = response.text
    assert "<title>Error: " in html_
    summary = summary_of(html_)
    assert "<a href=" not in summary and "<li>" in summary
    assert_no_field_marked(html_)
    assert await Accession.count() == 0
