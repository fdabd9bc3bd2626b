"""`registry verify --status-list FILE` says how fresh each list is, and a list too old
(downloaded before a revocation, say) or from the future makes the verdict UNKNOWN,
never VALID. The lists are real ones, signed by the registry at the moment given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from registry import db
from registry.accessions import lifecycle
from registry.audit.services import SYSTEM
from registry.badges import credentials
from registry.badges import services as badge_services
from registry.badges.tables import StatusList
from tests.accessions.test_lifecycle import accepted
from tests.badges.test_badges import badge_of

UNKNOWN_EXIT = 3


async def lists_signed_at(settings, when: datetime, folder: Path) -> list[str]:
    """Both status lists as the registry signs them at `when`, saved as a holder would
    have downloaded them then; the `--status-list` arguments for them."""
    async with db.write_transaction():
        for purpose in credentials.PURPOSES:
            await badge_services.publish_status_list(purpose, settings=settings, now=when)
    arguments = []
    for row in await StatusList.select(StatusList.purpose, StatusList.credential):
        path = folder / f"{row['purpose']}.jwt"
        path.write_text(row["credential"])
        arguments += ["--status-list", str(path)]
    return arguments


async def verify_files(client, settings, tmp_path: Path) -> tuple[str, list[str]]:
    """A badge, and the arguments of `registry verify` for its credential and the JWKS."""
    signatory = await accepted(client, settings)
    badge = await badge_of(client, signatory)
    (tmp_path / "credential.jwt").write_text(badge["credential"])
    (tmp_path / "jwks.json").write_text((await client.get("/.well-known/jwks.json")).text)
    return signatory, ["verify", str(tmp_path / "credential.jwt"),
                       "--jwks", str(tmp_path / "jwks.json")]


async def test_a_list_downloaded_before_a_revocation_is_too_old_to_say_valid(
        client, synced, run_cli, tmp_path):
    signatory, args = await verify_files(client, synced, tmp_path)
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2, hours=3)
    old_lists = await lists_signed_at(synced, issued, tmp_path)
    await lifecycle.revoke(signatory, decision="P-3", actor=SYSTEM, settings=synced)

    stale = run_cli(*args, *old_lists)
    assert stale.code == UNKNOWN_EXIT, stale.output
    assert stale.out.strip().endswith("UNKNOWN: status list too old")
    assert "VALID" not in stale.out.replace("UNKNOWN", "")
    for purpose in credentials.PURPOSES:
        assert (f"Status list {purpose}: issued {issued.isoformat()} (2 d 3 h ago; "
                f"maximum age 1 d)") in stale.out, stale.out
        assert (f"FAIL {purpose}: The {purpose} status could not be checked: the status "
                f"list was issued at {issued.isoformat()}, 2 d 3 h ago, longer than the "
                f"maximum age of 1 d: fetch a fresh one from "
                f"{credentials.status_list_url(synced.base_url, purpose)}") in stale.out
    assert "ok   signature" in stale.out  # everything else still holds

    # Trusting an older list is the verifier's choice, said on the command line.
    for allowed in ("3d", "72h", "52", "3200m"):
        trusted = run_cli(*args, *old_lists, "--max-age", allowed)
        assert trusted.code == 0, (allowed, trusted.output)
        assert trusted.out.strip().endswith("VALID")
    assert run_cli(*args, *old_lists, "--max-age", "2d").code == UNKNOWN_EXIT

    # A fresh list tells the truth.
    fresh = await lists_signed_at(synced, datetime.now(UTC), tmp_path)
    revoked = run_cli(*args, *fresh)
    assert revoked.code == 1 and "FAIL revocation: Revoked" in revoked.out
    assert revoked.out.strip().endswith("NOT VALID")
    assert "Status list revocation: issued " in revoked.out and "s ago;" in revoked.out


async def test_a_list_from_the_future_is_refused_beyond_a_small_skew(
        client, synced, run_cli, tmp_path):
    _, args = await verify_files(client, synced, tmp_path)
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    future = run_cli(*args, *await lists_signed_at(synced, ahead, tmp_path))
    assert future.code == UNKNOWN_EXIT, future.output
    assert future.out.strip().endswith("UNKNOWN: status list issued in the future")
    assert f"issued {ahead.isoformat()} (1 h 59 min from now;" in future.out, future.out
    assert "check this computer's clock" in future.out

    slightly = datetime.now(UTC) + timedelta(minutes=1)  # two clocks a little apart
    skewed = run_cli(*args, *await lists_signed_at(synced, slightly, tmp_path))
    assert skewed.code == 0, skewed.output


async def test_a_maximum_age_that_is_not_one_is_refused_in_words(client, synced, run_cli,
                                                                  tmp_path):
    _, args = await verify_files(client, synced, tmp_path)
    for given, words in (("soon", "'soon' is not a duration: give a number and a unit"),
                         ("0", "the maximum age must be more than zero"),
                         ("-3h", "is not a duration"), ("1w", "is not a duration")):
        refused = run_cli(*args, "--max-age", given)
        assert refused.code == 2, refused.output
        assert words in refused.err and "Traceback" not in refused.output
