"""The .eml files: private whatever the umask, deleted after a short time, and never
written at all by a production registry that forgot its SMTP server."""

import asyncio
import os
import stat
import time
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.deadlines import scheduler
from registry.mail import capability, services
from registry.mail.transport import FileTransport
from tests.conftest import make_settings
from tests.mail.test_outbox import queue_enrolment, status_of


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_files_and_their_folder_are_the_registrys_alone_whatever_the_umask(
        settings, tmp_path):
    folder = tmp_path / "outbox"
    folder.mkdir(mode=0o755)  # made by hand, or by an older version, before
    os.chmod(folder, 0o755)  # noqa: S103 - the wide folder under test
    message_id = await queue_enrolment(settings)
    previous = os.umask(0o000)
    try:
        report = await services.deliver_due(FileTransport(folder), settings=settings)
    finally:
        os.umask(previous)
    assert report.sent == [message_id]
    [written] = folder.glob("*.eml")
    assert mode(written) == 0o600
    assert mode(folder) == 0o700


async def test_a_new_folder_is_private_too_and_files_are_readable_by_their_owner(
        settings, tmp_path):
    folder = tmp_path / "fresh" / "outbox"
    await queue_enrolment(settings)
    previous = os.umask(0o277)  # would leave the file read-only even to its owner
    try:
        await services.deliver_due(FileTransport(folder), settings=settings)
    finally:
        os.umask(previous)
    [written] = folder.glob("*.eml")
    assert mode(written) == 0o600 and mode(folder) == 0o700


def age(path, minutes: float) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def forgetting_job(settings):
    [job] = [job for job in capability.CAPABILITY.jobs(settings)
             if job.name.startswith(capability.FORGET_FILES)]
    return job


async def test_the_scheduler_deletes_files_older_than_the_keep_time(settings, tmp_path):
    keeping = make_settings(tmp_path, settings.database_url, outbox_file_keep_minutes=30)
    folder = keeping.outbox_dir
    folder.mkdir(mode=0o700)
    old, fresh = folder / "old@principles-registry.eml", folder / "fresh@x.eml"
    half_written = folder / ".gone@x.1234abcd.tmp"
    not_ours = folder / "README.txt"
    for path in (old, fresh, half_written, not_ours):
        path.write_text("To: someone@example.org\n")
    for path in (old, half_written, not_ours):
        age(path, 31)
    age(fresh, 29)

    assert await scheduler.run_once([forgetting_job(keeping)], keeping) == [
        forgetting_job(keeping).name]
    assert sorted(p.name for p in folder.iterdir()) == ["README.txt", "fresh@x.eml"]
    # A minute later (the job's period) the next run takes the one that has grown old.
    age(fresh, 31)
    later = datetime.now(UTC) + timedelta(minutes=1, seconds=1)
    assert await scheduler.run_once([forgetting_job(keeping)], keeping, now=later) == [
        forgetting_job(keeping).name]
    assert [p.name for p in folder.iterdir()] == ["README.txt"]


async def test_each_outbox_folder_is_cleaned_by_its_own_job(settings, tmp_path):
    """Hosts share the database (and the job's claim), not their data directories."""
    one = forgetting_job(make_settings(tmp_path / "a", settings.database_url))
    other = forgetting_job(make_settings(tmp_path / "b", settings.database_url))
    assert one.name != other.name and len(one.name) <= 60
    assert forgetting_job(make_settings(tmp_path / "a", settings.database_url)).name == one.name


async def test_the_job_does_without_a_folder(settings, tmp_path):
    keeping = make_settings(tmp_path, settings.database_url)
    assert await scheduler.run_once([forgetting_job(keeping)], keeping) == [
        forgetting_job(keeping).name]
    assert not keeping.outbox_dir.exists()


async def test_an_https_registry_without_smtp_writes_no_file_even_run_without_serve(
        settings, capfd):
    """Defence in depth: the app run by another ASGI server (not `registry serve`, which
    refuses to start) still keeps the mail out of files; the messages wait in the
    outbox, and the log says what to set."""
    common = {"base_url": "https://registry.example", "outbox_poll_seconds": 0.1}
    production = make_settings(settings.data_dir, settings.database_url, **common)
    message_id = await queue_enrolment(production)
    file = settings.outbox_dir / f"{(await status_of(message_id))['message_id'].strip('<>')}.eml"
    said = ""
    async with AsyncTestClient(app=create_app(production, run_scheduler=True)):
        for _ in range(300):  # until the scheduler's first mail pass has said why
            said += capfd.readouterr().err  # the app's logging writes to stderr
            if "mail: nothing is sent" in said:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # more passes: still nothing written
    row = await status_of(message_id)
    assert row["status"] == "pending" and row["attempts"] == 0
    assert not file.exists()
    assert "mail: nothing is sent: REGISTRY_BASE_URL is https://registry.example but " \
        "REGISTRY_SMTP_URL is not set" in said

    allowed = make_settings(settings.data_dir, settings.database_url, **common,
                            mail_file_transport_allowed=True)
    async with AsyncTestClient(app=create_app(allowed, run_scheduler=True)):
        for _ in range(100):
            if (await status_of(message_id))["status"] == "sent":
                break
            await asyncio.sleep(0.05)
    assert (await status_of(message_id))["status"] == "sent"
    assert file.exists()
