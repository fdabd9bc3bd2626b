"""Sync: idempotent, refuses to alter what is published, moves statuses only forward."""

import asyncio
import shutil
from pathlib import Path

import pytest

from registry.audit.services import SYSTEM
from registry.audit.tables import AuditEvent
from registry.principles import services
from registry.principles.document import PrinciplesSourceError, load_all
from registry.principles.tables import PrinciplesText, PrinciplesVersion
from tests.principles.test_document import write_version

pytestmark = pytest.mark.usefixtures("settings")


async def last_event_id() -> int:
    row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    return row["id"] if row else 0


def sync(folder: Path):
    return services.sync(folder, actor=SYSTEM)


async def snapshot() -> tuple[list, list]:
    versions = await PrinciplesVersion.select().order_by(PrinciplesVersion.id)
    texts = await PrinciplesText.select().order_by(PrinciplesText.id)
    return versions, texts


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_status(folder: Path, status: str) -> None:
    path = folder / "version.toml"
    lines = [f'status = "{status}"' if line.startswith("status") else line
             for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")


async def test_sync_loads_version_1_0_once_and_is_idempotent(principles_copy: Path):
    first = await sync(principles_copy)
    file_hash = load_all(principles_copy)[0].record.document.content_hash()
    assert first.changed and first.lines == [f"1.0: added as in_force, SHA-256 {file_hash}"]
    before = await snapshot()
    second = await sync(principles_copy)
    assert not second.changed and second.lines == ["1.0: unchanged"]
    assert await snapshot() == before
    version = await services.version_in_force()
    assert version is not None and version.content_hash == file_hash
    assert version.in_force_from is not None


async def test_editing_a_published_text_is_refused_and_changes_nothing(principles_copy: Path):
    await sync(principles_copy)
    before = await snapshot()
    edit(principles_copy / "1.0" / "en.toml", "focus/ orientation", "focus/orientation")
    with pytest.raises(services.SyncRefused) as refused:
        await sync(principles_copy)
    message = str(refused.value)
    assert "version 1.0 is published (in_force)" in message
    assert "Principle 3, paragraph 2 (changed)" in message
    assert str(principles_copy / "1.0" / "en.toml") in message
    assert before[0][0]["content_hash"] in message
    assert await snapshot() == before


async def test_a_new_version_comes_into_force_and_the_old_one_is_superseded(
    principles_copy: Path,
):
    first_event_id = await last_event_id()
    await sync(principles_copy)
    new = principles_copy / "1.1"
    shutil.copytree(principles_copy / "1.0", new)
    (new / "version.toml").write_text('version = "1.1"\nstatus = "draft"\n'
                                      'text_of_record = "en"\n')
    edit(new / "en.toml", 'title = "Non-violence"', 'title = "Non-violence and peace"')
    report = await sync(principles_copy)
    assert report.lines[0] == "1.0: unchanged"
    assert report.lines[1].startswith("1.1: added as draft")

    # A draft may still change.
    edit(new / "en.toml", "and peace", "and peaceful means")
    assert "1.1: draft text changed" in (await sync(principles_copy)).lines[1]

    set_status(principles_copy / "1.0", "superseded")
    set_status(new, "in_force")
    report = await sync(principles_copy)
    assert report.lines[0] == "1.0: superseded"
    assert report.lines[1].startswith("1.1: now in force")
    assert len(report.lines) == 2
    versions = {v.version_id: v for v in await services.list_versions()}
    assert versions["1.0"].status == "superseded" and versions["1.0"].superseded_at
    assert versions["1.1"].status == "in_force"
    assert (await services.version_in_force()).version_id == "1.1"
    events = await AuditEvent.select(AuditEvent.tag).where(
        AuditEvent.subject.is_in(["principles:1.0", "principles:1.1"])
        & (AuditEvent.id > first_event_id)).order_by(AuditEvent.id)
    assert [e["tag"] for e in events] == [
        "principles:version:added", "principles:version:added",
        "principles:version:superseded", "principles:version:in_force"]

    # Now 1.1 is published too: its text is frozen, and 1.0 cannot come back.
    edit(new / "en.toml", "peaceful means", "peace")
    with pytest.raises(services.SyncRefused, match=r"version 1\.1 is published"):
        await sync(principles_copy)
    edit(new / "en.toml", "and peace", "and peaceful means")
    set_status(principles_copy / "1.0", "in_force")
    set_status(new, "superseded")
    with pytest.raises(services.SyncRefused,
                       match=r"1\.0 is superseded and cannot become in_force"):
        await sync(principles_copy)


async def test_a_published_version_cannot_go_back_to_draft_or_disappear(principles_copy: Path):
    await sync(principles_copy)
    write_version(principles_copy, "2.0", "draft")
    set_status(principles_copy / "2.0", "in_force")
    set_status(principles_copy / "1.0", "draft")
    with pytest.raises(services.SyncRefused, match=r"1\.0 is in_force and cannot become draft"):
        await sync(principles_copy)
    shutil.rmtree(principles_copy / "1.0")
    with pytest.raises(services.SyncRefused, match=r"1\.0 is published .* folder .* is missing"):
        await sync(principles_copy)


async def test_a_draft_whose_folder_is_removed_is_removed(principles_copy: Path):
    write_version(principles_copy, "2.0", "draft")
    await sync(principles_copy)
    assert {v.version_id for v in await services.list_versions()} == {"1.0", "2.0"}
    shutil.rmtree(principles_copy / "2.0")
    assert "2.0: draft removed (its folder is gone)" in (await sync(principles_copy)).lines
    assert {v.version_id for v in await services.list_versions()} == {"1.0"}


async def test_a_translation_can_be_added_to_a_published_version(principles_copy: Path):
    await sync(principles_copy)
    # Test data only: the repository holds no translation we do not have.
    text = (principles_copy / "1.0" / "en.toml").read_text(encoding="utf-8")
    (principles_copy / "1.0" / "be.toml").write_text(
        text.replace('language = "en"', 'language = "be"').replace(
            "official = true", "official = false"), encoding="utf-8")
    report = await sync(principles_copy)
    assert "1.0: be text added" in report.lines
    version = await services.get_version("1.0")
    assert version is not None
    assert version.text("be") is not None and not version.text("be").official
    assert version.content_hash == version.record.content_hash  # still the English text's


async def test_an_invalid_folder_is_refused_before_anything_is_written(principles_copy: Path):
    write_version(principles_copy, "2.0", "draft", text='language = "en"\nofficial = true\n')
    with pytest.raises(PrinciplesSourceError, match=r"2.0/en.toml: not a valid Principles file"):
        await sync(principles_copy)
    assert await snapshot() == ([], [])


async def test_concurrent_syncs_do_not_collide(principles_copy: Path):
    reports = await asyncio.gather(sync(principles_copy), sync(principles_copy))
    assert sorted(r.changed for r in reports) == [False, True]
    assert len(await PrinciplesVersion.select()) == 1


async def test_a_tampered_stored_text_is_detected_when_read(principles_copy: Path):
    await sync(principles_copy)
    services._documents.clear()
    await PrinciplesText.update(
        {PrinciplesText.canonical: PrinciplesText.canonical + " "}, force=True)
    version = await services.get_version("1.0")
    with pytest.raises(services.TextIntegrityError, match="does not match its recorded SHA-256"):
        await services.load_text(version, "en")
