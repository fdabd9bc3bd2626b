"""The applicant's small forms refused GOV.UK's way: a new confirmation link, a link to
withdraw (an address that is no address), the answer to the secretariat's question (too
short); each problem at its control, what was typed kept."""

from __future__ import annotations

import pytest

from registry.accessions import review
from registry.accessions.tables import Accession
from registry.audit.services import SYSTEM
from registry.mail.tables import OutboxMessage
from tests.accessions.test_lifecycle import last_link
from tests.accessions.test_review import applied
from tests.forms import assert_refused, control, words
from tests.staff.helpers import csrf_token


@pytest.mark.parametrize("path", ["/accede/resend", "/accede/withdraw"])
async def test_an_address_that_is_no_address_is_told_at_its_field_and_kept(client, synced,
                                                                           path):
    headers = {"accept-language": "ru"}
    page = await client.get(path, headers=headers)
    assert "aria-invalid" not in page.text and 'value=""' in control(page.text,
                                                                     "contact_email")
    mailed = await OutboxMessage.count()
    refused = await client.post(path, headers=headers, data={
        "_csrf_token": csrf_token(page.text), "contact_email": "not an <address>"})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "contact_email", language="ru")
    assert f'<a href="#contact_email">{words("Contact e-mail address", "ru")}: ' in summary
    assert 'value="not an &lt;address&gt;"' in control(refused.text, "contact_email")
    assert await OutboxMessage.count() == mailed  # nothing sent


async def test_an_answer_too_short_is_told_at_its_field_and_kept(client, synced):
    accession = await applied(client)
    await review.ask(accession, "Is Viasna a partner of yours?", actor=SYSTEM,
                     settings=synced)
    path = await last_link("answer")
    page = await client.get(path, headers={"accept-language": "be"})
    assert "aria-invalid" not in page.text
    refused = await client.post(path, headers={"accept-language": "be"}, data={
        "_csrf_token": csrf_token(page.text), "answer": "No."})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "answer", language="be")
    assert words("Write the answer (5 to 4000 characters).", "be") in summary
    assert ">No.</textarea>" in refused.text
    row = await Accession.select(Accession.status).where(
        Accession.public_id == accession).first()
    assert row["status"] == "information_requested"
    # The link still works: the answer can be sent again, and is taken.
    answered = await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "answer": "No, we are independent."})
    assert answered.status_code == 200 and "<title>Error:" not in answered.text
