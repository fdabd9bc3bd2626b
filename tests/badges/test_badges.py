"""Badges: credentials checked with an independent JOSE library and the published keys
only, status bits decoded independently, QR codes read by a real decoder, attacks
refused with their reasons, key rotation, and the truth within one request."""

import base64
import gzip
import hashlib
import hmac
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws as independent_jws
from joserfc import jwt as independent_jwt
from joserfc.jwk import ECKey, KeySet
from PIL import Image

from registry import keys
from registry.accessions import lifecycle
from registry.audit.services import SYSTEM
from registry.badges import credentials
from registry.badges import services as badge_services
from registry.badges.tables import Badge, BadgeImage, CredentialIssue
from tests.accessions.test_lifecycle import accepted, last_link, press
from tests.accessions.test_submission import FORM
from tests.factories import run_deadlines, signatory_row
from tests.staff.helpers import csrf_token


async def badge_of(client, signatory: str) -> dict:
    row = await Badge.select(Badge.badge_id).where(
        Badge.signatory.public_id == signatory).first()
    response = await client.get(f"/api/v1/badges/{row['badge_id']}")
    assert response.status_code == 200, response.text
    return response.json()


async def published_jwks(client) -> KeySet:
    response = await client.get("/.well-known/jwks.json")
    assert response.headers["access-control-allow-origin"] == "*"
    return KeySet.import_key_set(response.json())


def b64(data: bytes | dict) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return (json.loads(base64.urlsafe_b64decode(header + "==")),
            json.loads(base64.urlsafe_b64decode(payload + "==")))


async def verdict(client, **body) -> dict:
    response = await client.post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def failed(result: dict) -> dict[str, str]:
    return {c["name"]: c["reason"] for c in result["checks"] if c["ok"] is False}


def independent_bit(list_token: str, jwks: KeySet, index: int) -> bool:
    """Decode a status list as the Recommendation says, without any registry code."""
    payload = json.loads(independent_jws.deserialize_compact(
        list_token, jwks, algorithms=["ES256"]).payload)
    encoded = payload["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # Multibase base64url, no padding
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) * 8 >= 131_072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# --- The credential, checked independently --------------------------------------------

async def test_the_credential_verifies_with_an_independent_library_and_the_jwks_only(
        client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    token = badge["credential"]
    jwks = await published_jwks(client)
    assert all("d" not in key.as_dict(private=False) for key in jwks.keys)

    header, _ = parts(token)
    assert header == {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": header["kid"]}
    verified = independent_jws.deserialize_compact(token, jwks, algorithms=["ES256"])
    vc = json.loads(verified.payload)
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["type"] == ["VerifiableCredential", "PrinciplesAccessionCredential"]
    assert vc["issuer"]["id"] == synced.base_url.rstrip("/")
    subject = vc["credentialSubject"]
    assert subject["name"] == FORM["public_name"] and subject["signatoryId"] == signatory
    version = (await client.get("/api/v1/principles/1.0")).json()
    assert subject["principles"]["version"] == "1.0"
    assert subject["principles"]["sha256"] == version["content_hash"]
    valid_from = datetime.fromisoformat(vc["validFrom"].replace("Z", "+00:00"))
    valid_until = datetime.fromisoformat(vc["validUntil"].replace("Z", "+00:00"))
    assert timedelta(days=365) <= valid_until - valid_from <= timedelta(days=365 + 31)
    # The JWT claims repeat the dates, so a plain JWT library checks them too.
    claims = independent_jwt.decode(token, jwks, algorithms=["ES256"]).claims
    independent_jwt.JWTClaimsRegistry(iss={"essential": True, "value": vc["issuer"]["id"]}
                                      ).validate(claims)

    # Both status entries point into published lists; the bits are clear.
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    assert set(entries) == {"revocation", "suspension"}
    for purpose, entry in entries.items():
        assert entry["type"] == "BitstringStatusListEntry"
        url = entry["statusListCredential"]
        assert url == f"{synced.base_url.rstrip('/')}/status/{purpose}"
        listed = await client.get(f"/status/{purpose}")
        assert listed.headers["content-type"].startswith("application/vc+jwt")
        assert "max-age=300" in listed.headers["cache-control"]
        assert independent_bit(listed.text, jwks, int(entry["statusListIndex"])) is False

    result = await verdict(client, credential=token)
    assert result["valid"] is True and result["status"] == "active"
    assert [c["name"] for c in result["checks"]] == [
        "format", "algorithm", "key", "signature", "type", "issuer", "not_before", "expiry",
        "revocation", "suspension", "status"]


async def test_indexes_are_random_and_distinct(client, synced):
    for n in range(6):
        await accepted(client, synced, public_name=f"Organisation {n}", legal_name=f"Org {n}",
                       contact_email=f"o{n}@example.org")
    rows = await Badge.select(Badge.revocation_index, Badge.suspension_index)
    revocation = [r["revocation_index"] for r in rows]
    assert len(set(revocation)) == 6
    assert revocation != sorted(revocation) or max(revocation) > 1000  # not a sequence


# --- Attacks ---------------------------------------------------------------------------

def _forged(header: dict, payload: dict, signature: bytes = b"") -> str:
    return f"{b64(header)}.{b64(payload)}.{b64(signature) if signature else ''}"


async def _signed_by_registry(payload: dict) -> str:
    token, _ = credentials.sign(keys.keyring().signing, payload)
    return token


@pytest.mark.parametrize("attack", ["none", "hs256", "unknown_kid", "tampered", "expired",
                                    "not_yet_valid", "wrong_issuer", "garbage"])
async def test_attacks_are_refused_with_a_clear_reason(client, synced, attack):
    signatory = await accepted(client, synced)
    token = (await badge_of(client, signatory))["credential"]
    header, payload = parts(token)
    now = datetime.now(UTC)
    if attack == "none":
        forged, where, words = _forged({**header, "alg": "none"}, payload), "algorithm", \
            "The algorithm is none; only ES256 is accepted."
    elif attack == "hs256":
        # The classic confusion: HMAC keyed with the registry's public key.
        pem = keys.keyring().signing.active().public.to_pem()
        signing_input = f"{b64({**header, 'alg': 'HS256'})}.{b64(payload)}".encode()
        mac = hmac.new(pem, signing_input, hashlib.sha256).digest()
        forged, where, words = _forged({**header, "alg": "HS256"}, payload, mac), "algorithm", \
            "The algorithm is HS256; only ES256 is accepted."
    elif attack == "unknown_kid":
        key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        forged = independent_jws.serialize_compact(
            {**header, "kid": "attacker"}, json.dumps(payload), key, algorithms=["ES256"])
        where, words = "key", "is not one of the registry's published keys"
    elif attack == "tampered":
        _, _, signature = token.split(".")
        changed = {**payload, "credentialSubject": {**payload["credentialSubject"],
                                                    "name": "Someone else"}}
        forged = f"{token.split('.')[0]}.{b64(changed)}.{signature}"
        where, words = "signature", "does not match the content"
    elif attack == "expired":
        forged = await _signed_by_registry({**payload, "validUntil": credentials.iso(
            now - timedelta(days=1)), "validFrom": credentials.iso(now - timedelta(days=400))})
        where, words = "expiry", "Expired on"
    elif attack == "not_yet_valid":
        forged = await _signed_by_registry({**payload, "validFrom": credentials.iso(
            now + timedelta(days=3))})
        where, words = "not_before", "Not valid yet"
    elif attack == "wrong_issuer":
        forged = await _signed_by_registry({**payload, "issuer": {"id": "https://evil.example"},
                                            "iss": "https://evil.example"})
        where, words = "issuer", "Issued by https://evil.example, not by"
    else:
        forged, where, words = "<script>alert(1)</script>.' OR 1=1 --", "format", \
            "This is not a credential"
    result = await verdict(client, credential=forged)
    assert result["valid"] is False
    assert words in failed(result)[where], result["checks"]
    # The page says the same, in words.
    page = await client.get("/verify")
    shown = await client.post("/verify", data={"_csrf_token": csrf_token(page.text),
                                               "credential": forged})
    assert shown.status_code == 200 and "Not valid." in shown.text
    assert "<script>alert(1)</script>" not in shown.text


async def test_no_private_key_in_any_response(client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    private = keys.keyring().signing.active().private.to_dict()
    secret_d = private["d"]
    for path in ["/.well-known/jwks.json", f"/api/v1/badges/{badge['badge_id']}",
                 f"/verify/{badge['badge_id']}", "/status/revocation", "/status/suspension",
                 f"/register/{signatory}", f"/badges/{badge['badge_id']}.svg"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode("utf-8", "replace")
        assert secret_d not in text and "PRIVATE KEY" not in text and '"d":' not in text


# --- Images ----------------------------------------------------------------------------

async def test_images_carry_the_qr_code_of_the_verification_page(client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    png = await client.get(badge["images"]["png"].removeprefix(synced.base_url.rstrip("/")))
    assert png.headers["content-type"] == "image/png"
    assert png.headers["cross-origin-resource-policy"] == "cross-origin"
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert code.text == badge["verify_url"]
    assert code.text.endswith(f"/verify/{badge['badge_id']}")
    page = await client.get(code.text.removeprefix(synced.base_url.rstrip("/")))
    assert page.status_code == 200 and FORM["public_name"] in page.text

    svg = await client.get(f"/badges/{badge['badge_id']}.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)  # noqa: S314 - our own output: must be well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert FORM["public_name"] in title.text and "active" in title.text
    assert "set-cookie" not in svg.headers


async def test_etag_and_304_and_rendered_once_per_change(client, synced):
    signatory = await accepted(client, synced, public_name="Вясна <b>&</b>"[:5] + " Viasna")
    badge = await badge_of(client, signatory)
    path = f"/badges/{badge['badge_id']}.svg"
    first = await client.get(path)
    etag = first.headers["etag"]
    assert "max-age=60" in first.headers["cache-control"]
    again = await client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    rendered = {r["language"]: r["rendered_at"] for r in await BadgeImage.select(
        BadgeImage.language, BadgeImage.rendered_at)}
    assert set(rendered) == {"en", "be", "ru"}  # every language, before any request
    for _ in range(3):
        for language in ("", "?lang=en", "?lang=be", "?lang=ru"):
            await client.get(path + language)
            await client.get(path.replace(".svg", ".png") + language)
    assert {r["language"]: r["rendered_at"] for r in await BadgeImage.select(
        BadgeImage.language, BadgeImage.rendered_at)} == rendered
    # A status change renders again, once, in every language; the old ETag no longer
    # matches.
    await lifecycle.suspend(signatory, until=datetime.now(UTC) + timedelta(days=30),
                            decision="P-1", actor=SYSTEM, settings=synced)
    changed = await client.get(path, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    after = await BadgeImage.select(BadgeImage.language, BadgeImage.rendered_at)
    assert len(after) == 3
    assert all(r["rendered_at"] > rendered[r["language"]] for r in after)


async def test_an_unlisted_badge_names_nobody(client, synced):
    signatory = await accepted(client, synced, listing="unlisted")
    badge = await badge_of(client, signatory)
    _, vc = parts(badge["credential"])
    assert "name" not in vc["credentialSubject"] and "id" not in vc["credentialSubject"]
    assert badge["signatory_url"] is None
    for path in [f"/badges/{badge['badge_id']}.svg", f"/verify/{badge['badge_id']}",
                 f"/api/v1/badges/{badge['badge_id']}"]:
        text = (await client.get(path)).text
        assert FORM["public_name"] not in text and FORM["legal_name"] not in text
        assert FORM["contact_email"] not in text
    assert "Unlisted signatory" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text
    assert (await verdict(client, badge_id=badge["badge_id"]))["valid"] is True


# --- The truth, within one request ----------------------------------------------------

async def test_suspension_shows_at_once_and_flips_the_bit(client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    old_token = badge["credential"]
    index = badge["status_list_entries"]["suspension"]
    jwks = await published_jwks(client)
    assert "ACTIVE" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text
    until = datetime.now(UTC) + timedelta(days=30)
    await lifecycle.suspend(signatory, until=until,
                            decision="P-2026/9", actor=SYSTEM, settings=synced)
    # The very next request of each kind tells the truth.
    assert "SUSPENDED" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text
    assert (await badge_of(client, signatory))["status"] == "suspended"
    page = await client.get(f"/verify/{badge['badge_id']}")
    assert "suspended" in page.text and "Not valid." in page.text
    # The verdict comes first, with when the suspension ends; the checks after it.
    from babel.dates import format_date
    ends = f"The suspension runs until {format_date(until.date(), 'long', locale='en_GB')}."
    assert page.text.index("Not valid.") < page.text.index(ends) < page.text.index(
        'class="checks"')
    result = await verdict(client, credential=old_token)
    assert result["valid"] is False
    assert result["suspended_until"][:10] == until.date().isoformat()
    assert failed(result)["suspension"] == "Suspended: the status list says so."
    listed = (await client.get("/status/suspension")).text
    assert independent_bit(listed, jwks, index) is True
    assert independent_bit((await client.get("/status/revocation")).text, jwks,
                           badge["status_list_entries"]["revocation"]) is False
    # A later decision moves the end: the next verification says the new one at once,
    # though the badge itself (its credential, image and bits) does not change.
    assert (await verdict(client, badge_id=badge["badge_id"]))["suspended_until"][:10] == (
        until.date().isoformat())
    later = until + timedelta(days=60)
    await lifecycle.suspend(signatory, until=later,
                            decision="P-2026/10", actor=SYSTEM, settings=synced)
    for asked in ({"badge_id": badge["badge_id"]}, {"credential": old_token}):
        assert (await verdict(client, **asked))["suspended_until"][:10] == (
            later.date().isoformat())

    await lifecycle.reinstate(signatory, decision="P-2026/10", actor=SYSTEM, settings=synced)
    assert independent_bit((await client.get("/status/suspension")).text, jwks, index) is False
    assert (await verdict(client, credential=old_token))["valid"] is True
    assert "ACTIVE" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text


async def test_revocation_and_withdrawal_set_the_revocation_bit(client, synced):
    revoked = await accepted(client, synced)
    await lifecycle.revoke(revoked, decision="P-3", actor=SYSTEM, settings=synced)
    result = await verdict(client, badge_id=(await badge_of(client, revoked))["badge_id"])
    assert failed(result)["revocation"] == "Revoked: the status list says so."
    assert "is revoked now" in failed(result)["status"]

    leaving = await accepted(client, synced, public_name="Human Constanta",
                             legal_name="Human Constanta", contact_email="hc@example.org")
    await client.post("/api/v1/accessions/withdrawal", json={"contact_email": "hc@example.org"})
    await press(client, await last_link("withdraw", to="hc@example.org"))
    badge = await badge_of(client, leaving)
    assert (await verdict(client, credential=badge["credential"]))["valid"] is True  # pending
    await run_deadlines(synced, now=datetime.now(UTC) + timedelta(days=15))
    result = await verdict(client, credential=badge["credential"])
    assert failed(result)["revocation"] == "Revoked: the status list says so."
    assert "WITHDRAWN" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text


async def test_reaffirmation_renews_and_a_lapse_suspends(client, synced):
    signatory = await accepted(client, synced)
    before = await badge_of(client, signatory)
    due = (await signatory_row(signatory))["reaffirm_due"]
    await run_deadlines(synced, now=due - timedelta(days=29))  # the reminder
    await press(client, await last_link("reaffirm"))
    renewed = await badge_of(client, signatory)
    assert renewed["credential"] != before["credential"]
    assert datetime.fromisoformat(renewed["valid_until"]) - datetime.fromisoformat(
        before["valid_until"]) == timedelta(days=365)  # one more year
    assert (await verdict(client, credential=renewed["credential"]))["valid"] is True

    due = (await signatory_row(signatory))["reaffirm_due"]
    await run_deadlines(synced, now=due + timedelta(days=31))
    result = await verdict(client, credential=renewed["credential"])
    assert failed(result)["suspension"] == "Suspended: the status list says so."
    assert "is lapsed now" in failed(result)["status"]
    assert "LAPSED" in (await client.get(f"/badges/{renewed['badge_id']}.svg")).text
    await press(client, await last_link("reaffirm"))
    assert (await badge_of(client, signatory))["status"] == "active"
    assert (await verdict(client, badge_id=renewed["badge_id"]))["valid"] is True


# --- Keys ------------------------------------------------------------------------------

async def test_after_rotation_old_credentials_verify_and_new_ones_carry_the_new_kid(
        client, synced, run_cli):
    signatory = await accepted(client, synced)
    old = (await badge_of(client, signatory))["credential"]
    old_kid = parts(old)[0]["kid"]
    rotated = run_cli("keys", "rotate")
    assert rotated.code == 0, rotated.output
    assert "1 badge credential(s) issued" in rotated.out
    new = (await badge_of(client, signatory))["credential"]
    new_kid = parts(new)[0]["kid"]
    assert new_kid != old_kid and new_kid in rotated.out
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert {old_kid, new_kid} <= {key["kid"] for key in jwks["keys"]}
    assert all(key["alg"] == "ES256" and key["use"] == "sig" for key in jwks["keys"])
    assert (await verdict(client, credential=old))["valid"] is True
    assert (await verdict(client, credential=new))["valid"] is True
    shown = run_cli("keys", "show")
    assert f"{new_kid}  active, published" in shown.out
    assert f"{old_kid}  published (signed credentials still valid)" in shown.out
    # Once nothing the old key signed is still valid, it leaves the JWKS.
    await CredentialIssue.update({CredentialIssue.valid_until: datetime.now(UTC)}).where(
        CredentialIssue.kid == old_kid)
    # (The endpoint caches the set for a minute; the function itself is asked here.)
    assert old_kid not in {key["kid"] for key in await badge_services.published_keys()}
    assert f"{old_kid}  retired" in run_cli("keys", "show").out
    # Receipts signed with it can still be checked; badges cannot use it.
    retired = (await client.get("/.well-known/retired-keys.json")).json()
    assert [key["kid"] for key in retired["keys"]] == [old_kid]
    assert all("d" not in key for key in retired["keys"])


# --- Offline ---------------------------------------------------------------------------

async def test_offline_verification_from_files(client, synced, run_cli, tmp_path):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    files = {"credential.jwt": badge["credential"],
             "jwks.json": (await client.get("/.well-known/jwks.json")).text,
             "revocation.jwt": (await client.get("/status/revocation")).text,
             "suspension.jwt": (await client.get("/status/suspension")).text}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = ["verify", str(tmp_path / "credential.jwt"), "--jwks", str(tmp_path / "jwks.json"),
            "--status-list", str(tmp_path / "revocation.jwt"),
            "--status-list", str(tmp_path / "suspension.jwt")]
    good = run_cli(*args)
    assert good.code == 0, good.output
    assert good.out.strip().endswith("VALID") and "ok   signature" in good.out

    await lifecycle.suspend(signatory, until=datetime.now(UTC) + timedelta(days=9),
                            decision="P-4", actor=SYSTEM, settings=synced)
    (tmp_path / "suspension.jwt").write_text((await client.get("/status/suspension")).text)
    bad = run_cli(*args)
    assert bad.code == 1 and "FAIL suspension: Suspended" in bad.out
    assert bad.out.strip().endswith("NOT VALID")
    # A key set without the signing key: refused, with the reason.
    (tmp_path / "jwks.json").write_text('{"keys": []}')
    assert "is not one of the registry's published keys" in run_cli(*args).out
    missing = run_cli("verify", badge["credential"], "--jwks", str(tmp_path / "nope.json"))
    assert missing.code != 0 and "cannot read the key set" in missing.output


# --- Found in review -------------------------------------------------------------------

async def test_concurrent_revocations_all_reach_the_signed_list(client, synced):
    import asyncio

    people = [await accepted(client, synced, public_name=f"Revoked {n}", legal_name=f"R {n}",
                             contact_email=f"r{n}@example.org") for n in range(4)]
    await asyncio.gather(*(lifecycle.revoke(p, decision=f"P-{n}", actor=SYSTEM,
                                            settings=synced) for n, p in enumerate(people)))
    jwks = await published_jwks(client)
    listed = (await client.get("/status/revocation")).text
    for person in people:
        index = (await badge_of(client, person))["status_list_entries"]["revocation"]
        assert independent_bit(listed, jwks, index) is True


async def test_ugly_credentials_get_reasons_not_errors(client, synced):
    deep = b64(b"[" * 100_000 + b"]" * 100_000)
    for token in [f"{deep}.{deep}.", "", "a.b", "." * 3, "🕊.🕊.🕊", "x" * 25_000]:
        response = await client.post("/api/v1/verify", json={"credential": token or "x"})
        assert response.status_code in (200, 400), (token[:20], response.text)
        if response.status_code == 200:
            assert response.json()["valid"] is False
    assert (await client.post("/api/v1/verify", json={"badge_id": "../../x"})).status_code == 400
    neither = await client.post("/api/v1/verify", json={})
    assert neither.status_code == 400 and "Send a credential or a badge id." in neither.text
    bad = await client.get("/verify?badge=..%2f..%2fstaff", follow_redirects=False)
    assert bad.status_code == 400 and "letters, digits" in bad.text


async def test_badges_of_superseded_and_persecuted_signatories_stay_valid(
        client, synced, principles_copy, run_cli):
    from registry.badges import verification

    superseded = await accepted(client, synced)
    persecuted = await accepted(client, synced, public_name="Marked", legal_name="Marked",
                                contact_email="m@example.org")
    await lifecycle.mark_persecuted(persecuted, True, actor=SYSTEM, settings=synced)
    from tests.accessions.test_lifecycle import add_version, supersede_in_background

    add_version(principles_copy)
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    await supersede_in_background(synced)
    row = await signatory_row(superseded)
    badge = await badge_of(client, superseded)
    assert datetime.fromisoformat(badge["valid_until"]) >= row["grace_until"]

    # Long after the year, the persecuted signatory's badge is renewed by the daily pass.
    later = datetime.now(UTC) + timedelta(days=420)
    report = await run_deadlines(synced, now=later)
    assert report.renewed == 1
    renewed = await badge_of(client, persecuted)
    assert datetime.fromisoformat(renewed["valid_until"]) > later + timedelta(days=30)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    result = verification.verify(renewed["credential"], jwks=jwks, issuer=synced.base_url,
                                 now=later + timedelta(days=1),
                                 status_lists=lambda purpose, url: bytes(16384))
    assert result.valid, [c.text for c in result.checks if not c.ok]


async def test_a_configured_key_file_signs_and_is_kept_after_replacement(
        client, synced, run_cli, tmp_path, monkeypatch):
    """REGISTRY_SIGNING_KEY_FILE: a key made elsewhere becomes the signing key; when the
    file is replaced, what the old one signed still verifies."""
    def new_pem(path):
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)

    key_file = tmp_path / "issuer.pem"
    new_pem(key_file)
    monkeypatch.setenv("REGISTRY_SIGNING_KEY_FILE", str(key_file))
    signatory = await accepted(client, synced)
    shown = run_cli("keys", "show")
    assert shown.code == 0, shown.output
    configured_kid = re.search(r"^(f-[0-9a-f]{16})  active", shown.out, re.M)[1]
    refused = run_cli("keys", "rotate")
    assert refused.code != 0 and "REGISTRY_SIGNING_KEY_FILE" in refused.output
    key_file.chmod(0o644)
    assert "readable by others" in run_cli("keys", "show").output
    key_file.chmod(0o600)

    # The service picks the file's key up when it starts (here: configured again).
    keys.configure(synced.model_copy(update={"signing_key_file": key_file}))
    await badge_services.reissue_all(synced)
    old = (await badge_of(client, signatory))["credential"]
    assert parts(old)[0]["kid"] == configured_kid
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert configured_kid in {key["kid"] for key in jwks["keys"]}

    new_pem(key_file)  # replaced
    keys.configure(synced.model_copy(update={"signing_key_file": key_file}))
    await badge_services.reissue_all(synced)
    new = (await badge_of(client, signatory))["credential"]
    assert parts(new)[0]["kid"] != configured_kid
    assert (await verdict(client, credential=old))["valid"] is True
    assert (await verdict(client, credential=new))["valid"] is True
