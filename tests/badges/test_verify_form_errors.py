"""The verification page's two forms refused GOV.UK's way: a badge id with characters
no badge id has, an empty credential; each at its control, the badge id kept."""

from __future__ import annotations

from tests.forms import assert_refused, control, words
from tests.staff.helpers import csrf_token


async def test_a_badge_id_that_cannot_be_one_is_told_at_its_field_and_kept(client, synced):
    refused = await client.get("/verify", params={"badge": "no/such <id>"},
                               headers={"accept-language": "be"})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "badge", language="be")
    assert words("A badge id has only letters, digits, - and _.", "be") in summary
    assert 'value="no/such &lt;id&gt;"' in control(refused.text, "badge")
    assert "aria-invalid" not in control(refused.text, "credential")


async def test_an_empty_credential_is_told_at_its_field(client, synced):
    page = await client.get("/verify")
    assert page.status_code == 200 and "aria-invalid" not in page.text
    assert "<title>Error:" not in page.text
    refused = await client.post("/verify", data={"_csrf_token": csrf_token(page.text),
                                                 "credential": "   "})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "credential")
    assert "Paste a credential, or type a badge id." in summary
    assert "aria-invalid" not in control(refused.text, "badge")
