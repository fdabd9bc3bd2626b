"""The rules of the Principles: loading versions from files, and reading published texts.

The files under principles/ are the source of truth; `sync` brings the database in
line with them, once, idempotently, and refuses to alter a published text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from registry import db
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.changes import counters
from registry.facts import services as public
from registry.facts.kinds import VersionInForce, VersionPublished, VersionSuperseded
from registry.principles.diff import compare
from registry.principles.document import (
    Document,
    VersionSource,
    VersionStatus,
    load_all,
    version_sort_key,
)
from registry.principles.tables import PrinciplesText, PrinciplesVersion
from registry.refusals import Conflict
from registry.translation import N_

# Which status a version may move to at the next sync. A published text never returns
# to draft, and a superseded version never comes back into force: a new version does.
TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.draft: frozenset({VersionStatus.draft, VersionStatus.in_force}),
    VersionStatus.in_force: frozenset({VersionStatus.in_force, VersionStatus.superseded}),
    VersionStatus.superseded: frozenset({VersionStatus.superseded}),
}
PUBLISHED = frozenset({VersionStatus.in_force, VersionStatus.superseded})
_VERSION_PK = PrinciplesVersion._meta.primary_key
_TEXT_PK = PrinciplesText._meta.primary_key


class SyncRefused(Conflict):
    """The files would change something that must not change; nothing was written."""


class TextIntegrityError(RuntimeError):
    """A stored text no longer matches its recorded hash: the database was altered."""


@dataclass(frozen=True)
class TextInfo:
    language: str
    official: bool
    title: str
    content_hash: str


@dataclass(frozen=True)
class VersionInfo:
    row_id: int
    version_id: str
    status: VersionStatus
    text_of_record: str
    content_hash: str
    adopted_on: date | None
    in_force_from: datetime | None
    superseded_at: datetime | None
    texts: tuple[TextInfo, ...]

    @property
    def record(self) -> TextInfo:
        return self.text(self.text_of_record)  # type: ignore[return-value]

    def text(self, language: str) -> TextInfo | None:
        return next((text for text in self.texts if text.language == language), None)

    @property
    def published(self) -> bool:
        return self.status in PUBLISHED


@dataclass
class SyncReport:
    lines: list[str]
    changed: bool


def _what_differs(published: Document, candidate: Document) -> str:
    changed = [diff for diff in compare(published, candidate) if diff.changed]
    described = [f"{diff.label} ({diff.status})" for diff in changed[:5]]
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    return "; ".join(described) + more if described else "formatting of the canonical form"


def _check_published(source: VersionSource, row: dict, stored: dict[str, dict]) -> None:
    version_id = source.version_id
    if source.text_of_record != row["text_of_record"]:
        raise SyncRefused(
            N_("version %(version)s is published with text of record %(stored)r; "
               "version.toml now says %(now)r. A published version's text of record cannot "
               "change."),
            version=version_id, stored=row["text_of_record"], now=source.text_of_record)
    for language, text in stored.items():
        candidate = source.texts.get(language)
        if candidate is None:
            raise SyncRefused(
                N_("version %(version)s is published with a %(language)r text, but %(path)s is "
                   "missing. Published texts cannot be removed."),
                version=version_id, language=language, path=f"{source.folder}/{language}.toml")
        new_hash = candidate.document.content_hash()
        if new_hash != text["content_hash"]:
            published = Document.from_canonical(text["canonical"])
            raise SyncRefused(
                N_("version %(version)s is published (%(status)s) and its text is immutable, "
                   "but %(path)s differs from the published text: %(differences)s. Published "
                   "SHA-256 %(published)s, file SHA-256 %(file)s. Restore the file, and put "
                   "changed wording in a new version folder."),
                version=version_id, status=row["status"], path=candidate.path,
                differences=_what_differs(published, candidate.document),
                published=text["content_hash"], file=new_hash)


CHANGES = "principles"  # the change counter the rendered pages are kept on (web/rendered.py)


async def sync(source_dir: Path, *, actor: audit.Actor) -> SyncReport:
    """Bring the database in line with the version folders, or refuse and change nothing.

    A version published, in force or superseded is a public fact, recorded in the same
    transaction; whoever follows it (accessions to an older version become superseded)
    does so there too, and what they report is reported."""
    sources = load_all(source_dir)
    on_disk = {source.version_id for source in sources}
    now = datetime.now(UTC)
    lines: dict[str, list[str]] = {source.version_id: [] for source in sources}
    async with db.write_transaction():
        await db.serialise("principles:sync")
        versions = {row["version_id"]: row for row in await PrinciplesVersion.select()}
        stored: dict[str, dict[str, dict]] = {version_id: {} for version_id in versions}
        for text in await PrinciplesText.select(
            *PrinciplesText.all_columns(), PrinciplesText.version.version_id.as_alias("vid")
        ):
            stored[text["vid"]][text["language"]] = text

        # First every check, so that a refusal leaves nothing half-written.
        for version_id, existing in versions.items():
            if version_id not in on_disk and existing["status"] in PUBLISHED:
                raise SyncRefused(
                    N_("version %(version)s is published (%(status)s) but its folder %(folder)s "
                       "is missing. Published versions cannot be removed."),
                    version=version_id, status=existing["status"],
                    folder=f"{source_dir}/{version_id}")
        for source in sources:
            if (row := versions.get(source.version_id)) is None:
                continue
            if source.status not in TRANSITIONS[VersionStatus(row["status"])]:
                raise SyncRefused(
                    N_("version %(version)s is %(current)s and cannot become %(wanted)s."),
                    version=source.version_id, current=row["status"], wanted=source.status)
            if row["status"] in PUBLISHED:
                _check_published(source, row, stored[source.version_id])

        # Then the writes, the old version leaving force before the new one enters it.
        for source in sources:
            stored_row = versions.get(source.version_id)
            if stored_row and stored_row["status"] == "in_force" and source.status == "superseded":
                await PrinciplesVersion.update(
                    {PrinciplesVersion.status: source.status,
                     PrinciplesVersion.superseded_at: now}
                ).where(_VERSION_PK == stored_row["id"])
                lines[source.version_id].append(f"{source.version_id}: superseded")
                await audit.record(EventTag.principles_version_superseded, actor=actor,
                                   subject=f"principles:{source.version_id}")
                await public.record(VersionSuperseded(version=source.version_id), now=now)
        for version_id, row in versions.items():
            if version_id not in on_disk:
                await PrinciplesText.delete().where(PrinciplesText.version == row["id"])
                await PrinciplesVersion.delete().where(_VERSION_PK == row["id"])
                lines[version_id] = [f"{version_id}: draft removed (its folder is gone)"]
        for source in sources:
            lines[source.version_id] += await _write_version(
                source, versions.get(source.version_id), stored.get(source.version_id, {}), now,
                actor=actor)
            lines[source.version_id] += await _announce(
                source, versions.get(source.version_id), now)
        if any(lines.values()):
            await counters.bump(CHANGES)  # the pages kept rendered are old now
    changed = any(lines.values())
    return SyncReport(
        lines=[line for version_id, said in lines.items()
               for line in said or [f"{version_id}: unchanged"]],
        changed=changed,
    )


async def _announce(source: VersionSource, before: dict | None, now: datetime) -> list[str]:
    """The public facts of a version entering the published record or coming into force;
    returns what their followers report."""
    was = VersionStatus(before["status"]) if before else VersionStatus.draft
    sha256 = source.record.document.content_hash()
    said = []
    if source.status in PUBLISHED and was == VersionStatus.draft:
        said += await public.record(VersionPublished(
            version=source.version_id, sha256=sha256, status=source.status.value), now=now)
    if source.status == VersionStatus.in_force and was != VersionStatus.in_force:
        said += await public.record(VersionInForce(version=source.version_id, sha256=sha256),
                                    now=now)
    return [f"{source.version_id}: {line}" for line in said]


async def _write_version(
    source: VersionSource, row: dict | None, stored: dict[str, dict], now: datetime,
    *, actor: audit.Actor,
) -> list[str]:
    existing: dict | None
    version_id = source.version_id
    record_hash = source.record.document.content_hash()
    lines = []
    if row is None:
        inserted = await PrinciplesVersion.insert(PrinciplesVersion(
            version_id=version_id,
            status=source.status,
            text_of_record=source.text_of_record,
            content_hash=record_hash,
            adopted_on=source.adopted_on,
            in_force_from=now if source.status == "in_force" else None,
            created_at=now,
        ))
        row_id = inserted[0]["id"]
        lines.append(f"{version_id}: added as {source.status}, SHA-256 {record_hash}")
        await audit.record(EventTag.principles_version_added, actor=actor,
                           subject=f"principles:{version_id}",
                           details={"status": source.status.value, "sha256": record_hash})
    else:
        row_id = row["id"]
        values: dict = {}
        if row["status"] == "draft" and source.status == "in_force":
            values.update({PrinciplesVersion.status: source.status,
                           PrinciplesVersion.in_force_from: now})
            lines.append(f"{version_id}: now in force, SHA-256 {record_hash}")
            await audit.record(EventTag.principles_version_in_force, actor=actor,
                               subject=f"principles:{version_id}",
                               details={"sha256": record_hash})
        if row["content_hash"] != record_hash:
            values[PrinciplesVersion.content_hash] = record_hash
            lines.append(f"{version_id}: draft text changed, SHA-256 {record_hash}")
        if row["adopted_on"] != source.adopted_on:
            values[PrinciplesVersion.adopted_on] = source.adopted_on
            lines.append(f"{version_id}: adoption date set to {source.adopted_on}")
        if row["text_of_record"] != source.text_of_record:
            values[PrinciplesVersion.text_of_record] = source.text_of_record
        if values:
            await PrinciplesVersion.update(values).where(_VERSION_PK == row_id)

    for language, text in source.texts.items():
        canonical = text.document.canonical_json().decode("utf-8")
        content_hash = text.document.content_hash()
        existing = stored.get(language)
        if existing is None:
            await PrinciplesText.insert(PrinciplesText(
                version=row_id, language=language, official=text.official,
                title=text.document.title, canonical=canonical, content_hash=content_hash,
                created_at=now,
            ))
            if row is not None:
                lines.append(f"{version_id}: {language} text added")
        elif existing["content_hash"] != content_hash or existing["official"] != text.official:
            # Only a draft's words reach here changed; _check_published refused the rest.
            await PrinciplesText.update({
                PrinciplesText.official: text.official,
                PrinciplesText.title: text.document.title,
                PrinciplesText.canonical: canonical,
                PrinciplesText.content_hash: content_hash,
            }).where(_TEXT_PK == existing["id"])
            lines.append(f"{version_id}: {language} text updated")
    for language, existing in stored.items():
        if language not in source.texts:
            await PrinciplesText.delete().where(_TEXT_PK == existing["id"])
            lines.append(f"{version_id}: {language} draft text removed")
    return lines


async def list_versions() -> list[VersionInfo]:
    """Every version, newest first."""
    rows = await PrinciplesVersion.select()
    texts = await PrinciplesText.select(
        PrinciplesText.version, PrinciplesText.language, PrinciplesText.official,
        PrinciplesText.title, PrinciplesText.content_hash,
    )
    by_version: dict[int, list[TextInfo]] = {}
    for text in sorted(texts, key=lambda t: t["language"]):
        by_version.setdefault(text["version"], []).append(TextInfo(
            language=text["language"], official=text["official"], title=text["title"],
            content_hash=text["content_hash"]))
    versions = [
        VersionInfo(
            row_id=row["id"],
            version_id=row["version_id"],
            status=VersionStatus(row["status"]),
            text_of_record=row["text_of_record"],
            content_hash=row["content_hash"],
            adopted_on=row["adopted_on"],
            in_force_from=row["in_force_from"],
            superseded_at=row["superseded_at"],
            texts=tuple(by_version.get(row["id"], ())),
        )
        for row in rows
    ]
    return sorted(versions, key=lambda v: version_sort_key(v.version_id), reverse=True)


async def get_version(version_id: str) -> VersionInfo | None:
    return next((v for v in await list_versions() if v.version_id == version_id), None)


async def version_in_force() -> VersionInfo | None:
    return next((v for v in await list_versions() if v.status == "in_force"), None)


# Texts are immutable per hash, so a parsed document can be kept for as long as the
# process lives, keyed by its hash. Drafts change hash when they change.
_documents: dict[str, Document] = {}


async def load_text(version: VersionInfo, language: str) -> Document:
    info = version.text(language)
    if info is None:
        raise LookupError(f"version {version.version_id} has no {language!r} text")
    cached = _documents.get(info.content_hash)
    if cached is not None:
        return cached
    row = await PrinciplesText.select(PrinciplesText.canonical).where(
        (PrinciplesText.version.version_id == version.version_id)
        & (PrinciplesText.language == language)
    ).first()
    canonical = row["canonical"].encode("utf-8") if row else b""
    if hashlib.sha256(canonical).hexdigest() != info.content_hash:
        raise TextIntegrityError(
            f"the stored {language} text of version {version.version_id} does not match its "
            "recorded SHA-256; the database has been altered"
        )
    document = Document.from_canonical(canonical)
    if document.canonical_json() != canonical:
        raise TextIntegrityError(f"the stored text of version {version.version_id} "
                                 "is not in canonical form")
    if len(_documents) > 256:
        _documents.clear()
    _documents[info.content_hash] = document
    return document
