"""The accession form's advanced part (signing with one's own key): closed until used;
a problem in it opens it, says itself at its control, and keeps what was pasted."""

from __future__ import annotations

import re

from registry.accessions.tables import Accession
from tests.accessions.test_submission import FORM
from tests.forms import assert_refused, control
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

