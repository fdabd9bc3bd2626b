"""The `registry` command, run as a real subprocess against the test database."""

import shutil
from pathlib import Path

import click
from click.testing import CliRunner

from registry.audit.services import SYSTEM
from registry.cli import main
from registry.principles import services
from registry.principles.tables import PrinciplesText, PrinciplesVersion
from tests.principles.test_sync import edit


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_every_command_has_help():
    runner = CliRunner()
    commands = all_commands(main)
    assert {("serve",), ("migrate",), ("principles", "sync"), ("principles", "list"),
            ("principles", "diff")} <= set(commands)
    for command in commands:
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage: " in result.output


def test_migrate_and_sync_and_list(run_cli):
    assert run_cli("migrate").code == 0
    first = run_cli("principles", "sync")
    assert first.code == 0 and "1.0: added as in_force" in first.out
    again = run_cli("principles", "sync")
    assert again.code == 0 and "Nothing to change." in again.out
    listing = run_cli("principles", "list")
    assert listing.code == 0 and "1.0" in listing.out and "in_force" in listing.out


async def test_sync_refuses_an_edited_published_text_and_changes_nothing(
    run_cli, principles_copy: Path,
):
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    before = (await PrinciplesVersion.select(), await PrinciplesText.select())
    edit(principles_copy / "1.0" / "en.toml", "We consider it unacceptable",
         "We consider it wholly unacceptable")
    result = run_cli("principles", "sync", principles_dir=principles_copy)
    assert result.code == 1
    assert "Error: version 1.0 is published (in_force) and its text is immutable" in result.err
    assert "Principle 6, paragraph 1 (changed)" in result.err
    assert "Traceback" not in result.output
    assert (await PrinciplesVersion.select(), await PrinciplesText.select()) == before


async def test_diff_between_versions_in_the_database_and_in_files(
    run_cli, principles_copy: Path,
):
    new = principles_copy / "1.1"
    shutil.copytree(principles_copy / "1.0", new)
    (new / "version.toml").write_text('version = "1.1"\nstatus = "draft"\n'
                                      'text_of_record = "en"\n')
    edit(new / "en.toml", "make no profit", "make no private profit")
    files = run_cli("principles", "diff", "1.0", "1.1", "--files", principles_dir=principles_copy)
    assert files.code == 0, files.output
    assert "Principle 7, paragraph 1 (changed):" in files.out
    assert "make no{+ private+} profit" in files.out
    await services.sync(principles_copy, actor=SYSTEM)
    stored = run_cli("principles", "diff", "1.0", "1.1")
    assert stored.code == 0 and "make no{+ private+} profit" in stored.out
    same = run_cli("principles", "diff", "1.0", "1.0")
    assert same.out.strip() == "No differences between 1.0 and 1.0."
    unknown = run_cli("principles", "diff", "1.0", "9.9")
    assert unknown.code == 1 and "there is no version '9.9'" in unknown.err


def test_bad_configuration_is_reported_in_words(run_cli, monkeypatch):
    monkeypatch.setenv("REGISTRY_BASE_URL", "not a url")
    result = run_cli("principles", "list")
    assert result.code == 1
    assert "invalid configuration: REGISTRY_BASE_URL" in result.err
    assert "Traceback" not in result.output
