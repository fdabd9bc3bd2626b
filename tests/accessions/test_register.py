"""The public register: search, filters, pages; unlisted and pseudonymous never leak."""

from datetime import UTC, datetime

from registry import keys
from registry.accessions import names, review
from registry.accessions.tables import Signatory
from registry.audit.services import SYSTEM
from registry.mail.tables import OutboxMessage
from tests.accessions.test_review import applied
from tests.accessions.test_submission import FORM


async def three_listings(client, synced) -> dict[str, str]:
    ids = {}
    for listing, name, legal in (("public", "Viasna", "Human Rights Centre Viasna LLC"),
                                 ("pseudonymous", "Defender Seven", "Secret Legal Name One"),
                                 ("unlisted", "Hidden Helpers", "Secret Legal Name Two")):
        accession = await applied(client, listing=listing, public_name=name, legal_name=legal,
                                  contact_email=f"{listing}@secret.example",
                                  city="Vilnius" if listing == "public" else "Secretcity")
        ids[listing] = await review.approve(accession, actor=SYSTEM, settings=synced)
    return ids


async def test_the_register_shows_each_listing_as_chosen(client, synced):
    ids = await three_listings(client, synced)
    page = await client.get("/register")
    assert "Viasna" in page.text and "Defender Seven" in page.text
    assert "Hidden Helpers" not in page.text
    api = (await client.get("/api/v1/signatories")).json()
    assert [s["name"] for s in api["signatories"]] == ["Defender Seven", "Viasna"]
    public = (await client.get(f"/api/v1/signatories/{ids['public']}")).json()
    assert public["legal_name"] == "Human Rights Centre Viasna LLC" and public["country"] == "LT"
    assert public["declarations"] == {"head_in_party_governing_body": False,
                                      "other_interests": ""}
    pseudonymous = (await client.get(f"/api/v1/signatories/{ids['pseudonymous']}")).json()
    assert pseudonymous["name"] == "Defender Seven"
    assert all(pseudonymous[k] is None for k in ("legal_name", "country", "city", "website",
                                                 "kind", "declarations"))
    for path in (f"/api/v1/signatories/{ids['unlisted']}", f"/register/{ids['unlisted']}"):
        response = await client.get(path)
        assert response.status_code == 404 and "Hidden" not in response.text


async def test_no_public_answer_leaks_an_unlisted_or_pseudonymous_secret(client, synced):
    ids = await three_listings(client, synced)
    secrets = ["Secret Legal Name", "pseudonymous@secret", "unlisted@secret", "Hidden Helpers",
               "Secretcity"]
    answers = []
    for path in ["/register", f"/register/{ids['pseudonymous']}", f"/register/{ids['unlisted']}",
                 "/api/v1/signatories", f"/api/v1/signatories/{ids['pseudonymous']}",
                 f"/api/v1/signatories/{ids['unlisted']}", "/register?q=Secret",
                 "/register?q=Hidden", "/api/v1/signatories?q=secret%20legal",
                 "/api/v1/signatories?country=LT", "/api/v1/signatories?kind=organisation",
                 "/register/nope", "/api/v1/signatories?cursor=garbage"]:
        response = await client.get(path)
        answers.append(response.text)
    public_page = await client.get(f"/register/{ids['public']}")
    dump = "\n".join(answers)
    for secret in secrets:
        assert secret not in dump, secret
    assert "Vilnius" in public_page.text  # the public one does show its city
    # The only mails about them went to their own addresses.
    from registry.mail.services import build_message

    for row in await OutboxMessage.select():
        message = build_message(row, sender="x@example.org")
        body = message.get_body(("plain",)).get_content()
        if "Secret Legal Name One" in body or "Defender Seven" in body:
            assert message["To"] == "pseudonymous@secret.example"
        if "Hidden Helpers" in body:
            assert message["To"] == "unlisted@secret.example"


async def test_search_is_case_accent_and_script_insensitive(client, synced):
    await three_listings(client, synced)
    for query in ("viasna", "VIASNA", "Вясна", "вясна", "Víasna", "centre viasna"):
        found = (await client.get("/api/v1/signatories", params={"q": query})).json()
        assert [s["name"] for s in found["signatories"]] == ["Viasna"], query
    none = (await client.get("/api/v1/signatories", params={"q": "Lawtrend"})).json()
    assert none["signatories"] == []


async def bulk_signatories(count: int) -> None:
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        name = f"Organisation {n:03d}"
        rows.append(Signatory(
            public_id=f"bulk{n:05d}", kind="organisation" if n % 2 else "individual",
            listing="public", status="active" if n % 5 else "suspended", version_id="1.0",
            name=keys.keyring().cipher.encrypt(name, purpose="signatory.name"),
            register_name=name,
            register_country="PL" if n % 3 == 0 else "LT",
            search_key=names.spelling_key(name), acceded_at=now, created_at=now))
    await Signatory.insert(*rows)


async def test_filters_and_keyset_pages(client, synced):
    await bulk_signatories(120)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = (await client.get("/api/v1/signatories", params=params)).json()
        seen += [s["name"] for s in page["signatories"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120 and seen == sorted(seen) and len(set(seen)) == 120
    suspended = (await client.get("/api/v1/signatories",
                                  params={"status": "suspended"})).json()["signatories"]
    assert len(suspended) == 24 and all(s["status"] == "suspended" for s in suspended)
    polish = (await client.get("/api/v1/signatories", params={"country": "pl"})).json()
    assert all(s["country"] == "PL" for s in polish["signatories"])
    individuals = (await client.get("/api/v1/signatories", params={"kind": "individual"})).json()
    assert all(s["kind"] == "individual" for s in individuals["signatories"])
    assert (await client.get("/api/v1/signatories", params={"version": "9.9"})).json()[
        "signatories"] == []
    bad = await client.get("/api/v1/signatories", params={"cursor": "!!notacursor"})
    assert bad.status_code == 400 and "cursor is not valid" in bad.json()["detail"]
    page = await client.get("/register", params={"q": "organisation 07"})
    assert page.status_code == 200 and "Organisation 007" in page.text


async def test_unlisted_name_is_not_in_the_database_in_the_clear(client, synced):
    ids = await three_listings(client, synced)
    row = await Signatory.raw("SELECT * FROM signatory WHERE public_id = {}", ids["unlisted"])
    assert "Hidden" not in str(row) and "Secret" not in str(row)
    assert FORM["contact_email"] not in str(await Signatory.raw("SELECT * FROM signatory"))
