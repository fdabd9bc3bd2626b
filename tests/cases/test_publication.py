"""The public side of the cases: published decisions on /cases, each case's public record
with its checks (the SHA-256, the countersignature, a hash published before its text),
the decisions on the respondent's register page, and the figures by year.

Facts are recorded as the procedure records them (registry.facts.services.record, inside
a write transaction), against cases filed through the real filing rule. Public facts are
append-only and outlive each test, so every test looks for its own cases by reference.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jws
from litestar.testing import AsyncTestClient

from registry import db, keys
from registry.app import create_app
from registry.canonical import canonical_json
from registry.cases import publication
from registry.cases import services as cases
from registry.cases.public_controllers import PublishedCaseApi, PublishedCasePages
from registry.cases.schemas import ComplaintForm
from registry.cases.tables import Case, CaseStep
from registry.facts import services as facts
from registry.facts.kinds import CaseInadmissible, DecisionDeferred, DecisionPublished
from registry.keys import signing
from registry.refusals import Invalid, NotFound
from tests.accessions.test_lifecycle import accepted

ACCOUNT = "On 3 May the organisation published the names of two volunteers without consent."
TYP = "case-decision+jwt"


@pytest.fixture
async def client(synced):
    """The app, with the published-case routes whether or not the capability lists them
    yet (the other half of the procedure registers them)."""
    app = create_app(synced)
    paths = {route.path for route in app.routes}
    for controller in (PublishedCasePages, PublishedCaseApi):
        if controller.path not in paths:
            app.register(controller)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def _word() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8)).capitalize()


async def signatory(client, synced) -> tuple[str, str]:
    """A listed signatory with a name no other test uses: (public id, name)."""
    name = f"Centre {_word()}"
    public_id = await accepted(client, synced, public_name=name,
                               contact_email=f"{name.split()[1].lower()}@example.org")
    return public_id, name


async def filed(public_id: str, synced, *, at: datetime | None = None) -> str:
    """A complaint against the signatory, filed by the real rule; its reference."""
    form = ComplaintForm(kind="complaint", respondent=public_id, principles=[3, 11],
                         account=ACCOUNT)
    reference = (await cases.file(form, language="en", settings=synced)).reference
    if at is not None:
        await Case.update({Case.filed_at: at}).where(Case.reference == reference)
    return reference


def document(reference: str, *, outcome: str = "public_reprimand", instance: str = "first",
             principles: list[int] | None = None, respondent: tuple[str, str] | None = None,
             filed: date = date(2026, 1, 5), decided: date = date(2026, 3, 6),
             summary: str = "The organisation named two volunteers without their consent.",
             replaces: str | None = None, suspension_until: str | None = None) -> dict:
    return {"type": "case-decision", "registry": "http://127.0.0.1:8000", "case": reference,
            "case_kind": "complaint", "instance": instance, "outcome": outcome,
            "principles_breached": [3, 11] if principles is None else principles,
            "suspension_until": suspension_until, "public_summary": summary,
            "respondent": None if respondent is None else {"signatory": respondent[0],
                                                          "name": respondent[1]},
            "filed": filed.isoformat(), "decided": decided.isoformat(),
            "votes": {"in_favour": 2, "against": 1, "panel": 3}, "replaces": replaces}


def sha(doc: dict) -> str:
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def countersign(doc: dict) -> str:
    return signing.sign(keys.keyring().signing,
                        {"type": "case-decision", "decision": doc, "sha256": sha(doc)}, typ=TYP)


async def publish(doc: dict, *, countersignature: str | None = None) -> str:
    async with db.write_transaction():
        await facts.record(DecisionPublished(
            reference=doc["case"], instance=doc["instance"], document=doc, sha256=sha(doc),
            countersignature=countersignature or countersign(doc)), now=datetime.now(UTC))
    return sha(doc)


async def defer(doc: dict) -> str:
    async with db.write_transaction():
        await facts.record(DecisionDeferred(
            reference=doc["case"], instance=doc["instance"], sha256=sha(doc),
            decided=date.fromisoformat(doc["decided"])), now=datetime.now(UTC))
    return sha(doc)


async def inadmissible(reference: str, *, filed: date, decided: date) -> None:
    async with db.write_transaction():
        await facts.record(CaseInadmissible(
            reference=reference, case_kind="complaint", reason="out_of_scope", filed=filed,
            decided=decided), now=datetime.now(UTC))


def text(page) -> str:
    """The words of a page, tags gone."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.text)))


def item(listing, reference: str) -> str:
    """One case's entry in the list on /cases (other tests' cases are there too)."""
    found = re.search(rf'<li>\s*<p><a href="/cases/{reference}">.*?</li>', listing.text, re.S)
    assert found is not None, reference
    return found[0]


async def ok(client, path: str):
    response = await client.get(path)
    assert response.status_code == 200, response.text[-3000:]
    return response


# --- Published decisions ---------------------------------------------------------------

async def test_a_published_decision_is_on_the_list_its_page_and_the_api(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    doc = document(reference, respondent=(public_id, name))
    digest = await publish(doc)

    listing = await ok(client, "/cases")
    assert f'href="/cases/{reference}"' in listing.text
    assert f'href="/register/{public_id}"' in listing.text and name in listing.text
    assert "upheld: public reprimand" in listing.text
    assert 'href="/principles/1.0/3"' in listing.text and digest in listing.text
    assert "private" in listing.headers["cache-control"]
    assert "max-age=60" in listing.headers["cache-control"]

    page = await ok(client, f"/cases/{reference}")
    assert 'href="/principles/1.0/3"' in page.text and 'href="/principles/1.0/11"' in page.text
    assert f'<a href="/register/{public_id}">{name}</a>' in page.text
    assert f"<code>{digest}</code>" in page.text
    assert f"<code>{doc_token(page.text)}</code>" in page.text
    words = text(page)
    assert "The SHA-256 of this text is the one stated." in words
    assert "countersignature over this text and its SHA-256 verifies" in words
    assert "2 in favour, 1 against, of a panel of 3" in words
    assert "named two volunteers" in words
    assert "check-failed" not in page.text

    api = (await ok(client, "/api/v1/cases")).json()
    [mine] = [case for case in api["cases"] if case["reference"] == reference]
    assert mine["outcome"] == "public_reprimand" and mine["state"] == "published"
    assert mine["respondent"] == {"signatory": public_id, "name": name,
                                  "url": f"/register/{public_id}"}
    assert mine["sha256"] == digest and mine["principles_breached"] == [3, 11]
    assert mine["filed"] == "2026-01-05" and mine["decided"] == "2026-03-06"
    record = (await ok(client, f"/api/v1/cases/{reference}")).json()
    [decision] = record["decisions"]
    assert decision["document"] == doc and decision["sha256"] == digest
    assert decision["sha256_check"] == {"ok": True, "problem": None}
    assert decision["countersignature_check"] == {"ok": True, "problem": None}
    # Anyone can check the countersignature with the published keys.
    assert signing.verify(keys.keyring().signing, decision["countersignature"],
                          typ=TYP)["decision"] == doc
    assert [fact["kind"] for fact in record["facts"]] == ["case:decision_published"]

    schema = (await ok(client, "/schema/openapi.json")).json()
    assert schema["paths"]["/api/v1/cases"]["get"]["tags"] == ["cases"]
    assert "/api/v1/cases/{reference}" in schema["paths"]
    assert not any(path.startswith("/cases") for path in schema["paths"])


def doc_token(page: str) -> str:
    [token] = re.findall(r"<code>([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)</code>", page)
    return token


async def test_a_not_upheld_decision_names_nobody(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    await publish(document(reference, outcome="not_upheld", principles=[], respondent=None))

    for path in ("/cases", f"/cases/{reference}", "/api/v1/cases",
                 f"/api/v1/cases/{reference}", f"/register/{public_id}",
                 f"/api/v1/signatories/{public_id}"):
        response = await ok(client, path)
        if "cases" in path:
            assert reference in response.text, path
            assert name not in response.text and public_id not in response.text, path
    assert "not upheld" in text(await ok(client, f"/cases/{reference}"))
    register_page = await ok(client, f"/register/{public_id}")
    assert reference not in register_page.text and "Decisions" not in text(register_page)
    assert (await ok(client, f"/api/v1/signatories/{public_id}")).json()["decisions"] == []
    assert await publication.for_respondent(public_id) == []


async def test_a_not_upheld_text_that_names_the_respondent_is_not_shown_naming_it(
        client, synced):
    """Defence in depth: whatever a not-upheld document says, the views name nobody."""
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    await publish(document(reference, outcome="not_upheld", principles=[],
                           respondent=(public_id, name)))
    [summary] = [case for case in (await publication.published()).cases
                 if case.reference == reference]
    assert summary.respondent is None
    assert name not in (await ok(client, f"/cases/{reference}")).text
    assert await publication.for_respondent(public_id) == []


async def test_an_inadmissible_case_shows_its_reason(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    await inadmissible(reference, filed=date(2026, 2, 1), decided=date(2026, 2, 20))
    page = await ok(client, f"/cases/{reference}")
    words = text(page)
    assert "inadmissible" in words and "it is outside the scope of the Principles" in words
    assert name not in page.text and public_id not in page.text
    record = (await ok(client, f"/api/v1/cases/{reference}")).json()
    assert record["summary"]["outcome"] == "inadmissible"
    assert record["summary"]["reason"] == "out_of_scope" and record["decisions"] == []


# --- A hash first, the text later ------------------------------------------------------

async def test_a_deferred_hash_is_shown_then_matched_by_the_text(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    doc = document(reference, respondent=(public_id, name))
    digest = await defer(doc)

    listing = await ok(client, "/cases")
    assert f'href="/cases/{reference}"' in listing.text and digest in listing.text
    assert "decision deferred" in text(listing)
    page = await ok(client, f"/cases/{reference}")
    assert f"<code>{digest}</code>" in page.text
    assert "Its text is not published yet." in text(page)
    # The outcome and whom it concerns stay out of every public answer until then.
    for path in ("/cases", f"/cases/{reference}", f"/api/v1/cases/{reference}",
                 "/api/v1/cases", "/api/v1/cases/statistics"):
        body = (await ok(client, path)).text
        assert name not in body and public_id not in body, path
    [mine] = [case for case in (await ok(client, "/api/v1/cases")).json()["cases"]
              if case["reference"] == reference]
    assert "public_reprimand" not in json.dumps(mine) and "reprimand" not in text(page)
    assert await publication.for_respondent(public_id) == []
    api = (await ok(client, f"/api/v1/cases/{reference}")).json()
    assert api["summary"]["state"] == "deferred" and api["summary"]["outcome"] == "deferred"
    assert api["deferred"][0]["status"] == "pending" and api["deferred"][0]["sha256"] == digest

    await publish(doc)
    page = await ok(client, f"/cases/{reference}")
    words = text(page)
    assert "The text published later matches this hash." in words
    assert "does NOT match" not in words
    assert name in page.text
    api = (await ok(client, f"/api/v1/cases/{reference}")).json()
    assert api["deferred"][0]["status"] == "matches"
    assert api["summary"]["state"] == "published" and api["summary"]["deferred"] is None
    assert [fact["kind"] for fact in api["facts"]] == ["case:decision_deferred",
                                                       "case:decision_published"]


async def test_a_text_that_differs_from_its_deferred_hash_is_reported(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    promised = document(reference, respondent=(public_id, name))
    await defer(promised)
    await publish({**promised, "public_summary": "Another text altogether."})

    page = await ok(client, f"/cases/{reference}")
    assert "The text published later does NOT match this hash." in text(page)
    assert "check-failed" in page.text
    record = await publication.find(reference)
    assert [d.status for d in record.deferrals] == ["differs"]
    # The published text itself is consistent with its own hash and countersignature.
    assert record.decisions[0].hash_check.ok and record.decisions[0].signature_check.ok


async def test_a_bad_countersignature_is_reported_not_raised(client, synced):
    public_id, name = await signatory(client, synced)
    first, second, third = [await filed(public_id, synced) for _ in range(3)]
    other = document(first, summary="Some other decision.")
    await publish(document(first, respondent=(public_id, name)),
                  countersignature=countersign(other))
    await publish(document(second, respondent=(public_id, name)), countersignature="garbage")
    # A signature of the right form by a key that is not the registry's.
    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    third_doc = document(third, respondent=(public_id, name))
    forged = jws.sign(json.dumps({"type": "case-decision", "decision": third_doc,
                                  "sha256": sha(third_doc)}).encode(), stranger,
                      headers={"kid": keys.keyring().signing.active().kid, "typ": TYP},
                      algorithm="ES256")
    await publish(third_doc, countersignature=forged)

    expected = {first: "The countersignature is valid, but over another text or hash.",
                second: "The countersignature does not verify with the registry's keys.",
                third: "The countersignature does not verify with the registry's keys."}
    for reference, words in expected.items():
        page = await ok(client, f"/cases/{reference}")
        assert words in text(page) and "check-failed" in page.text, reference
        check = (await ok(client, f"/api/v1/cases/{reference}")).json()[
            "decisions"][0]["countersignature_check"]
        assert check == {"ok": False, "problem": words}
        assert (await publication.find(reference)).decisions[0].hash_check.ok


async def test_a_stated_hash_that_is_not_the_texts_is_reported(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    doc = document(reference, respondent=(public_id, name))
    async with db.write_transaction():
        await facts.record(DecisionPublished(
            reference=reference, instance="first", document=doc, sha256="0" * 64,
            countersignature=countersign(doc)), now=datetime.now(UTC))
    record = await publication.find(reference)
    assert not record.decisions[0].hash_check.ok
    assert not record.decisions[0].signature_check.ok  # it signed the true hash
    assert "is not the one stated beside it" in text(await ok(client, f"/cases/{reference}"))


# --- Appeals and the respondent's page -------------------------------------------------

async def test_the_register_page_lists_the_decisions_naming_the_signatory(client, synced):
    public_id, name = await signatory(client, synced)
    other_id, other_name = await signatory(client, synced)
    named = await filed(public_id, synced)
    cleared = await filed(public_id, synced)
    elsewhere = await filed(other_id, synced)
    appealed = await filed(public_id, synced)
    await publish(document(named, outcome="upheld_with_recommendation",
                           respondent=(public_id, name), decided=date(2026, 3, 1)))
    await publish(document(cleared, outcome="not_upheld", principles=[]))
    await publish(document(elsewhere, respondent=(other_id, other_name)))
    first = await publish(document(appealed, respondent=(public_id, name),
                                   decided=date(2026, 2, 1)))
    await publish(document(appealed, instance="appeal", outcome="suspension",
                           suspension_until="2027-03-01", respondent=(public_id, name),
                           decided=date(2026, 5, 4), replaces=first))

    page = await ok(client, f"/register/{public_id}")
    assert "Decisions" in text(page)
    assert f'href="/cases/{named}"' in page.text and f'href="/cases/{appealed}"' in page.text
    assert cleared not in page.text and elsewhere not in page.text
    assert page.text.count(f'href="/cases/{appealed}"') == 1  # the appeal replaced the first
    assert "upheld: accession suspended" in page.text and "on appeal" in page.text
    api = (await ok(client, f"/api/v1/signatories/{public_id}")).json()
    assert [(d["reference"], d["outcome"]) for d in api["decisions"]] == [
        (appealed, "suspension"), (named, "upheld_with_recommendation")]
    assert api["decisions"][0]["url"] == f"/cases/{appealed}"
    other = await ok(client, f"/register/{other_id}")
    assert f'href="/cases/{elsewhere}"' in other.text and named not in other.text

    # The case page shows both decisions, the first marked as replaced.
    record = await publication.find(appealed)
    assert [(d.instance, d.replaced) for d in record.decisions] == [("first", True),
                                                                    ("appeal", False)]
    assert record.summary.instance == "appeal" and record.summary.replaced
    assert record.summary.outcome == "suspension"
    words = text(await ok(client, f"/cases/{appealed}"))
    assert "The decision on appeal replaced this decision." in words
    assert "until 1 March 2027" in words  # British English: day, month, year


async def test_a_deferred_appeal_leaves_the_first_decision_shown(client, synced):
    public_id, name = await signatory(client, synced)
    reference = await filed(public_id, synced)
    first = await publish(document(reference, respondent=(public_id, name)))
    appeal = document(reference, instance="appeal", outcome="revocation",
                      respondent=(public_id, name), decided=date(2026, 6, 1), replaces=first)
    digest = await defer(appeal)
    [summary] = [case for case in (await publication.published()).cases
                 if case.reference == reference]
    assert summary.instance == "first" and summary.outcome == "public_reprimand"
    assert summary.deferred is not None and summary.deferred.sha256 == digest
    assert not summary.replaced
    body = item(await ok(client, "/cases"), reference) + (
        await ok(client, f"/cases/{reference}")).text
    assert "revocation" not in body and "accession revoked" not in body
    assert "upheld: public reprimand" in body and digest in body


# --- Lists, pages, refusals ------------------------------------------------------------

async def test_the_list_pages_newest_first_with_a_cursor(client, synced):
    public_id, name = await signatory(client, synced)
    older, newer = await filed(public_id, synced), await filed(public_id, synced)
    await publish(document(older, respondent=(public_id, name)))
    await publish(document(newer, respondent=(public_id, name)))
    page = await publication.published(limit=1)
    assert [case.reference for case in page.cases] == [newer] and page.next_cursor
    following = await publication.published(cursor=page.next_cursor, limit=1)
    assert [case.reference for case in following.cases] == [older]
    api = (await ok(client, f"/api/v1/cases?cursor={page.next_cursor}")).json()
    assert api["cases"][0]["reference"] == older
    # A newer fact about the older case brings it back to the top.
    await defer(document(older, instance="appeal", decided=date(2026, 7, 1)))
    assert [c.reference for c in (await publication.published(limit=2)).cases] == [older, newer]


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "Wy0xXQ", "e30"])
async def test_a_bad_cursor_is_refused(client, synced, cursor):
    with pytest.raises(Invalid):
        await publication.published(cursor=cursor)
    api = await client.get(f"/api/v1/cases?cursor={cursor}")
    assert api.status_code == 400 and "cursor" in api.json()["detail"]
    page = await client.get(f"/cases?cursor={cursor}")
    assert page.status_code == 400 and "The page cursor is not valid" in page.text


async def test_an_unknown_case_is_not_found(client, synced):
    public_id, _ = await signatory(client, synced)
    unpublished = await filed(public_id, synced)  # filed, but nothing about it is public
    for reference in ("2026-NOPE00", unpublished):
        with pytest.raises(NotFound):
            await publication.find(reference)
        page = await client.get(f"/cases/{reference}")
        assert page.status_code == 404 and "There is no published case" in page.text
        assert "text/html" in page.headers["content-type"]
        api = await client.get(f"/api/v1/cases/{reference}")
        assert api.status_code == 404
        assert api.json()["detail"] == "There is no published case with this reference."
    assert (await client.get(f"/api/v1/cases/{'A' * 41}")).status_code == 400


# --- Statistics ------------------------------------------------------------------------

async def _fresh_year() -> int:
    """A year of filing that no public fact of any earlier test (kept) has used."""
    taken = {figures.year for figures in await publication.statistics()}
    return next(year for year in range(2000, 1900, -1) if year not in taken)


async def test_statistics_by_year_of_filing(client, synced):
    public_id, name = await signatory(client, synced)
    year = await _fresh_year()

    def day(month: int, day_: int) -> date:
        return date(year, month, day_)

    def at(when: date) -> datetime:
        return datetime(when.year, when.month, when.day, 12, tzinfo=UTC)

    upheld = await filed(public_id, synced, at=at(day(1, 10)))
    appealed = await filed(public_id, synced, at=at(day(2, 1)))
    deferred = await filed(public_id, synced, at=at(day(3, 1)))
    refused = await filed(public_id, synced, at=at(day(4, 1)))
    await filed(public_id, synced, at=at(day(5, 1)))  # received, nothing more yet
    await filed(public_id, synced, at=at(day(5, 1)) - timedelta(days=400))  # the year before
    rows = {row["reference"]: row["id"] for row in await Case.select(Case.id, Case.reference)}
    async with db.write_transaction():
        for reference, stages in ((upheld, ["admissibility", "answer", "review"]),
                                  (appealed, ["answer"]), (deferred, ["review"]),
                                  (refused, ["admissibility"])):
            for stage in stages:
                await CaseStep.insert(CaseStep(case_file=rows[reference], stage=stage,
                                               at=datetime.now(UTC)))

    await publish(document(upheld, respondent=(public_id, name), principles=[3, 11],
                           filed=day(1, 10), decided=day(1, 10) + timedelta(days=60)))
    first = await publish(document(appealed, outcome="suspension", principles=[11],
                                   respondent=(public_id, name), filed=day(2, 1),
                                   decided=day(2, 21)))
    await publish(document(appealed, instance="appeal", outcome="not_upheld", principles=[],
                           filed=day(2, 1), decided=day(2, 1) + timedelta(days=120),
                           replaces=first))
    await defer(document(deferred, outcome="revocation", principles=[1, 2],
                         respondent=(public_id, name), filed=day(3, 1), decided=day(3, 5)))
    await inadmissible(refused, filed=day(4, 1), decided=day(4, 20))

    [figures] = [y for y in await publication.statistics() if y.year == year]
    assert (figures.received, figures.admissible, figures.inadmissible) == (5, 3, 1)
    assert (figures.decided, figures.upheld) == (2, 1)
    assert figures.by_principle == {**dict.fromkeys(range(1, 16), 0), 3: 1, 11: 1}
    assert figures.median_days == 90  # of 60 and 120: the appeal's date counts
    [before] = [y for y in await publication.statistics() if y.year == year - 1]
    assert (before.received, before.admissible, before.decided) == (1, 0, 0)

    api = (await ok(client, "/api/v1/cases/statistics")).json()
    [mine] = [y for y in api if y["year"] == year]
    assert mine["upheld"] == 1 and mine["median_days"] == 90 and mine["by_principle"]["3"] == 1
    page = await ok(client, "/cases")
    row = re.search(rf"<tr><th scope=\"row\">{year}</th>(.*?)</tr>", page.text)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row[1])
    assert cells[:6] == ["5", "3", "1", "2", "1", "90"]
    assert 'href="/principles/1.0/3"' in cells[6] and 'href="/principles/1.0/1"' not in cells[6]
