"""Badges follow their signatory: `refresh` (inside the transaction of every status
change) issues the credential when what it states changes, flips the status bits and
publishes the status lists again, and renders the images once, in every language.
An image whose language's words changed since it was drawn (a catalogue translated
later, a new layout; and every image of a badge made before images had languages) is
drawn again by the first request for it, once, and kept.

Serving images and status lists reads a per-process cache keyed on the `badges` change
counter (registry/changes/counters.py), which every change moves as it commits: a
changed badge is served fresh on the next request by the process that changed it and,
on PostgreSQL, by every process of every host sharing the database; on SQLite, or if a
notice is missed, within a second. An unchanged badge costs no database query. The
cache holds at most CACHE_BYTES of what it keeps (the images, mostly), least recently
used out first: one worker's memory stays bounded however many badges are drawn.

A version coming into force moves the counter too: until the background job reaches
each accession to an older version, its badge already shows it superseded
(registry/accessions/supersession.py), drawn so by the first request for it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import escape

from registry import db, keys, labels, runtime
from registry.accessions import supersession
from registry.accessions.holders import LAPSE, SUPERSESSION, SUSPENSION_END, subject_of
from registry.accessions.services import YEAR
from registry.accessions.tables import Signatory
from registry.badges import bitstring, credentials, images, verification
from registry.badges.tables import Badge, BadgeImage, CredentialIssue, StatusList
from registry.changes import counters
from registry.deadlines import services as deadlines
from registry.facts import services as public
from registry.facts.kinds import AccessionFact, BadgeIssued, BadgeRevoked, Party, VersionInForce
from registry.keys import tokens
from registry.principles.tables import PrinciplesVersion
from registry.settings import Settings
from registry.translation import DEFAULT, N_

STATUS_LIST_VALIDITY = timedelta(days=7)
# Signed anew this often (the job runs hourly): a list the registry serves is at most
# about seven hours old, so one fetched is good for `registry verify`'s day for 17 more.
STATUS_LIST_RESIGN = timedelta(hours=6)
# What each status does to the two lists. Revocation is final (withdrawn and revoked
# never come back); suspension can be lifted (reinstated, re-affirmed).
REVOKING = frozenset({"revoked", "withdrawn"})
SUSPENDING = frozenset({"suspended", "lapsed"})
GOOD = frozenset({"active", "superseded"})
_BADGE = Badge._meta.primary_key
_SIGNATORY = Signatory._meta.primary_key
CACHE_BYTES = 8 * 1024 * 1024  # of what the cache below holds, in one process
CHANGES = "badges"  # the change counter that every cache below is keyed on
PERSECUTED_AHEAD = timedelta(days=30)


def _now() -> datetime:
    return datetime.now(UTC)


ENTRY_BYTES = 512  # what an entry costs besides its bytes and text (key, tuple, object)


def _size(value: Any) -> int:
    """About how many bytes a cached value holds: its bytes and text, and a little for
    the rest (a record, the JWKS)."""
    if isinstance(value, bytes | str):
        return len(value) + ENTRY_BYTES
    if isinstance(value, Images):
        return len(value.svg) + len(value.png) + ENTRY_BYTES
    if isinstance(value, PublishedList):
        return len(value.credential) + ENTRY_BYTES
    if isinstance(value, BadgeRecord):
        return len(value.credential) + 2 * ENTRY_BYTES
    return 4 * ENTRY_BYTES


class _Cache:
    """Least recently used out first, once what it holds passes `limit` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.bytes = 0
        self.entries: OrderedDict[str, tuple[Any, Any, int]] = OrderedDict()

    def get(self, key: str, current: Any) -> Any:
        entry = self.entries.get(key)
        if entry is None or entry[0] != current:
            return None
        self.entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, current: Any, value: Any) -> None:
        size = _size(value)
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old[2]
        if size > self.limit:
            return  # never kept: it alone would push everything else out
        self.entries[key] = (current, value, size)
        self.bytes += size
        while self.bytes > self.limit:
            _key, (_current, _value, dropped) = self.entries.popitem(last=False)
            self.bytes -= dropped


_cache = _Cache()


# --- Issuing and refreshing ------------------------------------------------------------

def verify_url(settings: Settings, badge_id: str) -> str:
    return f"{credentials.issuer_id(settings.base_url)}/verify/{badge_id}"


def _shown(settings: Settings, badge_id: str, sig: dict,
           in_force: supersession.InForce | None) -> images.Shown:
    """What a badge's images show, from its signatory's row (`register_name`,
    `version_id`, `status`): the status it has now (superseded already, if a newer
    version is in force and the job has not reached it yet)."""
    return images.Shown(name=sig["register_name"], version=sig["version_id"],
                        status=supersession.shown(sig["status"], sig["version_id"], in_force),
                        verify_url=verify_url(settings, badge_id))


def _images_lock(badge_id: str) -> str:
    return f"badges:images:{badge_id}"


async def _draw(badge: int, shown: images.Shown, languages: tuple[str, ...],
                now: datetime) -> None:
    """Draw and keep a badge's images in these languages (inside a write transaction
    holding `_images_lock`)."""
    for language in languages:
        svg, png = images.svg(shown, language), images.png(shown, language)
        values: dict[Any, Any] = {
            BadgeImage.shown: shown.digest(), BadgeImage.wording: images.wording(language),
            BadgeImage.svg: svg, BadgeImage.png: png, BadgeImage.rendered_at: now,
            BadgeImage.etag: hashlib.sha256(svg.encode() + png).hexdigest()[:32]}
        where = (BadgeImage.badge == badge) & (BadgeImage.language == language)
        if await BadgeImage.exists().where(where):
            await BadgeImage.update(values).where(where)
        else:
            await BadgeImage.insert(BadgeImage(badge=badge, language=language,
                                               **{c._meta.name: v for c, v in values.items()}))


async def _free_index(column: Any) -> int:
    while True:
        index = secrets.randbelow(bitstring.SIZE)
        if not await Badge.exists().where(column == index):
            return index


async def _validity(sig: dict, badge: dict, settings: Settings, now: datetime) -> datetime:
    """Valid for the year of the accession and the grace period after it (the lapse
    deadline); a superseded accession at least until its grace period ends; while those
    deadlines are paused (a persecuted signatory), always at least a month ahead,
    renewed by the daily job."""
    subject = subject_of(sig["public_id"])
    running = await deadlines.open_for(subject)
    lapse = running.get(LAPSE) or await deadlines.last(subject, LAPSE)
    until = lapse.due_at if lapse else now + YEAR + timedelta(
        days=settings.reaffirm_grace_days)
    grace = running.get(SUPERSESSION)
    if sig["status"] == "superseded" and grace is not None:
        until = max(until, grace.due_at)
    governing = running.get(LAPSE) or grace
    if governing is not None and governing.paused_since is not None:
        held = badge.get("valid_until")
        until = max(until, held if held and held > now + PERSECUTED_AHEAD
                    else now + 2 * PERSECUTED_AHEAD)
    return until


async def renew_expiring(settings: Settings, now: datetime | None = None) -> int:
    """The daily job: every badge whose credential expires within a month is brought in
    line. A credential that should run longer (its signatory's deadlines are paused, or
    moved on when a pause ended) is issued anew; the others are left as they are.
    Returns how many were issued."""
    now = now or _now()
    rows = await Badge.select(Badge.signatory, Badge.signatory.public_id.as_alias("public_id")
                              ).where((Badge.valid_until < now + PERSECUTED_AHEAD)
                                      & Badge.signatory.status.is_in(list(GOOD)))
    issued = 0
    for row in rows:
        async with db.write_transaction():
            await db.serialise(subject_of(row["public_id"]))
            issued += await refresh(row["signatory"], settings=settings, now=now)
    return issued


async def follow(fact: AccessionFact, now: datetime) -> None:
    """A signatory's public fact: its badge follows, in the same transaction. What a
    verification says may change even where the badge does not (a suspension's new
    end): every cache keyed on the counter starts again."""
    await refresh(fact.party.row_id, settings=runtime.settings(), now=now)
    await counters.bump(CHANGES)


async def follow_version(fact: VersionInForce, now: datetime) -> None:
    """A new version in force: every badge of an older version's accession shows it
    superseded from its commit on (before the job reaches it), so nothing kept from
    before may be served."""
    await counters.bump(CHANGES)


async def refresh(signatory_id: int, *, settings: Settings,
                  now: datetime | None = None) -> bool:
    """Bring a signatory's badge in line with it, inside the caller's write transaction;
    the first call for an active signatory creates the badge. A credential issued and a
    badge revoked are public facts. Returns whether a credential was issued."""
    now = now or _now()
    sig = await Signatory.select().where(_SIGNATORY == signatory_id).first()
    assert sig is not None
    badge = await Badge.select().where(Badge.signatory == signatory_id).first()
    if badge is None:
        if sig["status"] not in GOOD:
            return False
        badge = {"id": None, "badge_id": tokens.public_id(12), "claims_digest": "",
                 "shown": "", "revoked": False, "suspended": False,
                 "revocation_index": await _free_index(Badge.revocation_index),
                 "suspension_index": await _free_index(Badge.suspension_index)}
    version = await PrinciplesVersion.select(PrinciplesVersion.content_hash).where(
        PrinciplesVersion.version_id == sig["version_id"]).first()
    assert version is not None
    status = sig["status"]
    subject = credentials.Subject(
        signatory_id=sig["public_id"], name=sig["register_name"],
        listed=sig["register_name"] is not None, version=sig["version_id"],
        version_sha256=version["content_hash"], acceded_on=sig["acceded_at"].date().isoformat())
    valid_until = await _validity(sig, badge, settings, now)
    digest = hashlib.sha256(json.dumps([asdict(subject), credentials.iso(valid_until)],
                                       sort_keys=True).encode()).hexdigest()
    changes: dict[str, Any] = {}
    if status not in REVOKING and badge["claims_digest"] != digest:
        payload = credentials.badge_credential(
            base_url=settings.base_url, badge_id=badge["badge_id"], subject=subject,
            indexes={"revocation": badge["revocation_index"],
                     "suspension": badge["suspension_index"]},
            valid_from=now, valid_until=valid_until)
        token, kid = credentials.sign(keys.keyring().signing, payload)
        changes.update(credential=token, claims_digest=digest, issued_at=now,
                       valid_until=valid_until)
    shown = _shown(settings, badge["badge_id"], sig, await supersession.in_force())
    redraw = badge["shown"] != shown.digest()
    if redraw:
        # Before the badge's row is written: a request drawing a stale image holds this
        # lock, then writes that row too.
        await db.serialise(_images_lock(badge["badge_id"]))
        changes.update(shown=shown.digest())
    flags = {"revocation": status in REVOKING, "suspension": status in SUSPENDING}
    flipped = [purpose for purpose, column in (("revocation", "revoked"),
                                               ("suspension", "suspended"))
               if badge[column] != flags[purpose]]
    if badge["id"] is not None and not changes and not flipped:
        return False  # in line already: no write, and no process's cache is disturbed
    changes.update(revoked=flags["revocation"], suspended=flags["suspension"])

    created = badge["id"] is None
    if created:
        inserted = await Badge.insert(Badge(
            badge_id=badge["badge_id"], signatory=signatory_id,
            revocation_index=badge["revocation_index"],
            suspension_index=badge["suspension_index"], **changes))
        badge["id"] = inserted[0]["id"]
    else:
        await Badge.update({getattr(Badge, k): v for k, v in changes.items()}).where(
            _BADGE == badge["id"])
    if redraw:
        await _draw(badge["id"], shown, images.LANGUAGES, now)
    party = Party(row_id=signatory_id, public_id=sig["public_id"],
                  listed=sig["register_name"] is not None, name=sig["register_name"])
    if "credential" in changes:
        await CredentialIssue.insert(CredentialIssue(
            badge=badge["id"], what="badge", kid=kid, issued_at=now, valid_until=valid_until))
    # A new badge is a public fact; its later credentials are not (what they state is in
    # the accession's own facts), nor is their validity: a persecuted signatory's badge is
    # renewed more often, and the log must not show it.
    if created:
        await public.record(BadgeIssued(party=party, badge_id=badge["badge_id"]), now=now)
    if "revocation" in flipped and flags["revocation"]:
        await public.record(BadgeRevoked(party=party, badge_id=badge["badge_id"]), now=now)
    published = {row["purpose"] for row in await StatusList.select(StatusList.purpose)}
    for purpose in credentials.PURPOSES:
        if purpose in flipped or purpose not in published:
            await publish_status_list(purpose, settings=settings, now=now)
    await counters.bump(CHANGES)
    return "credential" in changes


async def publish_status_list(purpose: str, *, settings: Settings,
                              now: datetime | None = None) -> None:
    """Sign the list again from the badges' flags (inside the caller's transaction)."""
    now = now or _now()
    # Two changes at once must not each publish a list without the other's bit.
    await db.serialise("badges:status_lists")
    flag, index = ((Badge.revoked, Badge.revocation_index) if purpose == "revocation"
                   else (Badge.suspended, Badge.suspension_index))
    set_indexes = [row["i"] for row in await Badge.select(index.as_alias("i")).where(
        flag.eq(True))]
    valid_until = now + STATUS_LIST_VALIDITY
    payload = credentials.status_list_credential(
        base_url=settings.base_url, purpose=purpose, encoded=bitstring.encode(set_indexes),
        valid_from=now, valid_until=valid_until)
    token, kid = credentials.sign(keys.keyring().signing, payload)
    values: dict[Any, Any] = {StatusList.credential: token, StatusList.issued_at: now,
              StatusList.valid_until: valid_until,
              StatusList.etag: hashlib.sha256(token.encode()).hexdigest()[:32]}
    if await StatusList.exists().where(StatusList.purpose == purpose):
        await StatusList.update(values).where(StatusList.purpose == purpose)
    else:
        await StatusList.insert(StatusList(purpose=purpose, **{c._meta.name: v
                                                              for c, v in values.items()}))
    await CredentialIssue.insert(CredentialIssue(what="status_list", kid=kid, issued_at=now,
                                                 valid_until=valid_until))
    await counters.bump(CHANGES)


async def keep_status_lists_fresh(settings: Settings, *, force: bool = False) -> int:
    """Sign again every list older than a day (the daily pass; and the first request on
    a new installation), or every list (`force`). Returns how many were signed."""
    now = _now()
    signed = 0
    async with db.write_transaction():
        await db.serialise("badges:status_lists")
        for purpose in credentials.PURPOSES:
            row = await StatusList.select(StatusList.issued_at).where(
                StatusList.purpose == purpose).first()
            if force or row is None or row["issued_at"] <= now - STATUS_LIST_RESIGN:
                await publish_status_list(purpose, settings=settings, now=now)
                signed += 1
    return signed


async def reissue_all(settings: Settings) -> int:
    """After `registry keys rotate`: every badge gets a credential from the new key."""
    count = 0
    for row in await Badge.select(Badge.signatory, Badge.badge_id,
                                  Badge.signatory.public_id.as_alias("public_id")):
        async with db.write_transaction():
            await db.serialise(subject_of(row["public_id"]))
            await Badge.update({Badge.claims_digest: ""}).where(
                Badge.badge_id == row["badge_id"])
            await refresh(row["signatory"], settings=settings)
            count += 1
    await keep_status_lists_fresh(settings, force=True)
    async with db.write_transaction():
        await counters.bump(CHANGES)  # the JWKS has a new key
    return count


# --- Reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Images:
    svg: bytes
    png: bytes
    etag: str
    language: str


_IMAGE = (BadgeImage.svg, BadgeImage.png, BadgeImage.etag, BadgeImage.shown,
          BadgeImage.wording)


# What an image shows of its signatory, read with it (a version in force may have
# superseded the signatory before the job reached it: see badge_images).
_OF_SIGNATORY: Any = BadgeImage.badge.signatory
_SIGNATORY_SHOWN = (_OF_SIGNATORY.status.as_alias("status"),
                    _OF_SIGNATORY.version_id.as_alias("version_id"),
                    _OF_SIGNATORY.register_name.as_alias("register_name"))


def _fresh(row: dict | None, language: str, shown: str) -> bool:
    return (row is not None and row["shown"] == shown
            and row["wording"] == images.wording(language))


async def badge_images(badge_id: str, settings: Settings,
                       language: str = DEFAULT) -> Images | None:
    """A badge's images in a language (`images.language_of`: English unless `be` or
    `ru`): from memory while no change has been committed since, else one query; drawn
    only if the stored ones are not what this process would draw."""
    language, badge_id = images.language_of(language), badge_id[:32]
    key = f"img:{language}:{badge_id}"
    current = await counters.current(CHANGES)
    cached = _cache.get(key, current)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    row = await BadgeImage.select(
        *_IMAGE, BadgeImage.badge.shown.as_alias("current"), *_SIGNATORY_SHOWN).where(
        (BadgeImage.badge.badge_id == badge_id) & (BadgeImage.language == language)).first()
    if row is None and not await Badge.exists().where(Badge.badge_id == badge_id):
        return None  # no badge: never a write for an address made up
    if row is not None and supersession.pending(row["status"], row["version_id"],
                                                in_force := await supersession.in_force()):
        # Superseded by a version the job has not reached it for yet: drawn so now.
        row["current"] = _shown(settings, badge_id, row, in_force).digest()
    if row is None or not _fresh(row, language, row["current"]):
        row = await _draw_stale(badge_id, language, settings)
        if row is None:
            return None
    found = Images(svg=row["svg"].encode("utf-8"), png=bytes(row["png"]), etag=row["etag"],
                   language=language)
    _cache.put(key, current, found)
    return found


async def _draw_stale(badge_id: str, language: str, settings: Settings) -> dict | None:
    """Draw a badge's images in a language whose stored ones are missing or stale, and
    keep them (None: no such badge). If what they show changed without them, every
    language is drawn and every process told. Only a stale language leads here: a new
    base URL alone is drawn at the badge's next change, not on a request."""
    async with db.write_transaction():
        await db.serialise(_images_lock(badge_id))
        badge = await Badge.select(
            _BADGE.as_alias("id"), Badge.shown,
            Badge.signatory.register_name.as_alias("register_name"),
            Badge.signatory.version_id.as_alias("version_id"),
            Badge.signatory.status.as_alias("status")).where(
            Badge.badge_id == badge_id).first()
        if badge is None:
            return None
        shown = _shown(settings, badge_id, badge, await supersession.in_force())
        where = (BadgeImage.badge == badge["id"]) & (BadgeImage.language == language)
        row = await BadgeImage.select(*_IMAGE).where(where).first()
        if _fresh(row, language, shown.digest()) and badge["shown"] == shown.digest():
            return row  # drawn meanwhile, by another request
        if badge["shown"] != shown.digest():
            await Badge.update({Badge.shown: shown.digest()}).where(_BADGE == badge["id"])
            await _draw(badge["id"], shown, images.LANGUAGES, _now())
            await counters.bump(CHANGES)
        else:
            await _draw(badge["id"], shown, (language,), _now())
        return await BadgeImage.select(*_IMAGE).where(where).first()


@dataclass(frozen=True)
class PublishedList:
    credential: str
    etag: str
    issued_at: datetime


async def status_list(purpose: str, settings: Settings) -> PublishedList | None:
    if purpose not in credentials.PURPOSES:
        return None
    current = await counters.current(CHANGES)
    cached = _cache.get(f"list:{purpose}", current)
    if cached is not None and cached.issued_at > _now() - STATUS_LIST_RESIGN:
        return cached  # type: ignore[no-any-return]
    row = await StatusList.select().where(StatusList.purpose == purpose).first()
    if row is None or row["issued_at"] <= _now() - STATUS_LIST_RESIGN:
        await keep_status_lists_fresh(settings)  # the first request of the day signs anew
        current = await counters.current(CHANGES)
        row = await StatusList.select().where(StatusList.purpose == purpose).first()
        assert row is not None
    found = PublishedList(row["credential"], row["etag"], row["issued_at"])
    _cache.put(f"list:{purpose}", current, found)
    return found


@dataclass(frozen=True)
class BadgeRecord:
    badge_id: str
    credential: str
    issued_at: datetime
    valid_until: datetime
    status: str
    signatory_id: str
    listed: bool
    name: str | None
    version: str
    revocation_index: int
    suspension_index: int


async def find(badge_id: str, settings: Settings | None = None) -> BadgeRecord | None:
    """A badge and its signatory's status now; with settings, from the cache while no
    change has been committed since."""
    current = await counters.current(CHANGES) if settings else None
    if settings and (cached := _cache.get(f"find:{badge_id}", current)) is not None:
        return cached  # type: ignore[no-any-return]
    row = await Badge.select(
        *Badge.all_columns(), Badge.signatory.status.as_alias("status"),
        Badge.signatory.public_id.as_alias("signatory_id"),
        Badge.signatory.register_name.as_alias("name"),
        Badge.signatory.version_id.as_alias("version"),
    ).where(Badge.badge_id == badge_id[:32]).first()
    if row is None:
        return None
    # The status it has now: superseded, if the job has not reached it yet.
    status = supersession.shown(row["status"], row["version"], await supersession.in_force())
    record = BadgeRecord(
        badge_id=row["badge_id"], credential=row["credential"], issued_at=row["issued_at"],
        valid_until=row["valid_until"], status=status,
        signatory_id=row["signatory_id"], listed=row["name"] is not None, name=row["name"],
        version=row["version"], revocation_index=row["revocation_index"],
        suspension_index=row["suspension_index"])
    if settings:
        _cache.put(f"find:{badge_id}", current, record)
    return record


def image_path(badge_id: str, kind: str = "svg", language: str = DEFAULT, *,
               explicit: bool = False) -> str:
    """The address of a badge image on this site: in English without `?lang=` (unless
    `explicit`), in another language with it."""
    language = images.language_of(language)
    asked = f"?lang={language}" if explicit or language != DEFAULT else ""
    return f"/badges/{badge_id}.{kind}{asked}"


def image_urls(settings: Settings, badge_id: str) -> dict[str, dict[str, str]]:
    """Each language's image addresses, `?lang=` in each."""
    base = credentials.issuer_id(settings.base_url)
    return {language: {kind: base + image_path(badge_id, kind, language, explicit=True)
                       for kind in ("svg", "png")} for language in images.LANGUAGES}


EMBED_ALT = N_("%(name)s: accedes to the Principles of Human Rights Work in Belarus. "
               "Verify this badge.")


def embed_html(settings: Settings, badge_id: str, name: str, language: str = DEFAULT) -> str:
    """The HTML a signatory pastes into its website: the image, linked to verification,
    in a language (the image's `?lang=`, always written, so that it can be changed; and
    its alternative text). Nothing else is loaded from the registry, and nothing runs."""
    language = images.language_of(language)
    base = credentials.issuer_id(settings.base_url)
    alt = images.say(language, EMBED_ALT, name=name)
    src = base + image_path(badge_id, "svg", language, explicit=True)
    return (f'<a href="{base}/verify/{badge_id}"><img src="{escape(src)}" '
            f'alt="{escape(alt)}" width="400" height="132"></a>')


async def badge_of_signatory(signatory_public_id: str) -> str | None:
    row = await Badge.select(Badge.badge_id).where(
        Badge.signatory.public_id == signatory_public_id[:40]).first()
    return row["badge_id"] if row else None


async def published_keys(now: datetime | None = None,
                         settings: Settings | None = None) -> list[dict[str, str]]:
    """The JWKS: the active key, and every key that signed something still valid. With
    settings, cached for a minute at most, and never across a committed change."""
    now = now or _now()
    current = ((await counters.current(CHANGES), int(now.timestamp()) // 60) if settings
               else None)
    if settings and (cached := _cache.get("jwks", current)) is not None:
        return cached  # type: ignore[no-any-return]
    signing = keys.keyring().signing
    needed = {row["kid"] for row in await CredentialIssue.select(CredentialIssue.kid).where(
        CredentialIssue.valid_until > now).distinct()}
    needed.add(signing.active().kid)
    found = [key.public_jwk() for key in signing.all() if key.kid in needed]
    if settings:
        _cache.put("jwks", current, found)
    return found


async def trusted_bits(purpose: str, settings: Settings) -> bytes | str:
    """Online: the current list as the registry holds it (no need to verify our own)."""
    published = await status_list(purpose, settings)
    if published is None:
        return "the status list has not been published yet"
    current = await counters.current(CHANGES)
    if (cached := _cache.get(f"bits:{purpose}", (current, published.etag))) is not None:
        return cached  # type: ignore[no-any-return]
    body = published.credential.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    with contextlib.suppress(bitstring.BadList):
        bits = bitstring.decode(payload["credentialSubject"]["encodedList"])
        _cache.put(f"bits:{purpose}", (current, published.etag), bits)
        return bits
    return "the status list is damaged"


@dataclass(frozen=True)
class Verified:
    result: verification.Result
    badge_id: str | None
    status: str | None  # the accession's status now
    record: BadgeRecord | None
    suspended_until: datetime | None = None  # the end the panel set, while suspended


async def verify_online(token: str, settings: Settings) -> Verified:
    """The offline checks, with the registry's own keys and lists, and the live status."""
    now = _now()
    jwks = {"keys": await published_keys(now, settings)}
    bits = {purpose: await trusted_bits(purpose, settings) for purpose in credentials.PURPOSES}

    def lists(purpose: str, url: str) -> bytes | str:
        if url != credentials.status_list_url(settings.base_url, purpose):
            return f"{url} is not the registry's {purpose} list"
        return bits[purpose]

    result = verification.verify(token, jwks=jwks, issuer=settings.base_url, now=now,
                                 status_lists=lists)
    stated = (result.credential or {}).get("id", "")
    prefix = f"{credentials.issuer_id(settings.base_url)}/badges/"
    record = await find(stated.removeprefix(prefix), settings) if isinstance(stated, str) and (
        stated.startswith(prefix)) else None
    if record is not None:
        good = record.status in GOOD
        result.add("status", good, N_("The accession is %(status)s.") if good else
                   N_("The accession is %(status)s now: the badge no longer stands."),
                   status=labels.ACCESSION_STATUS.coded(record.status))
    elif result.credential is not None:
        result.add("status", False, N_("The registry holds no badge for this credential."))
    until = None
    if record is not None and record.status == "suspended":
        due = (await deadlines.open_for(subject_of(record.signatory_id))).get(SUSPENSION_END)
        until = due.due_at if due is not None else None
    return Verified(result=result, badge_id=record.badge_id if record else None,
                    status=record.status if record else None, record=record,
                    suspended_until=until)
