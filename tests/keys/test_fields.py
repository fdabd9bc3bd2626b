"""Confidential fields are encrypted with keys kept outside the database."""

import os
import stat

import pytest

from registry import keys
from registry.keys.fields import DecryptionError, FieldCipher
from registry.keys.store import KeyFileError, load_app_secret, load_data_keys
from registry.mail.tables import OutboxMessage
from registry.staff.tables import (
    EnrolmentLink,
    LoginThrottle,
    RecoveryCode,
    StaffMember,
    StaffSession,
)
from tests.conftest import make_settings
from tests.staff.helpers import login_over_http, make_member


def test_a_ciphertext_opens_only_for_its_field_and_untouched(tmp_path):
    cipher = FieldCipher(load_data_keys(tmp_path / "k.json", create=True))
    sealed = cipher.encrypt("Алесь <ales@example.org> 🕊", purpose="staff_member.email")
    assert sealed.startswith(f"enc1:{cipher.keys.active}:") and "ales" not in sealed
    assert cipher.decrypt(sealed, purpose="staff_member.email") == "Алесь <ales@example.org> 🕊"
    assert sealed != cipher.encrypt("Алесь <ales@example.org> 🕊", purpose="staff_member.email")
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, purpose="staff_member.name")  # moved to another column
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, purpose="staff_member.email")
    with pytest.raises(DecryptionError):
        cipher.decrypt("enc1:nokey:AAAA", purpose="staff_member.email")


def test_key_files_are_created_private_and_refused_when_others_can_read_them(tmp_path):
    path = tmp_path / "keys" / "data-keys.json"
    load_data_keys(path, create=True)
    secret = load_app_secret(tmp_path / "keys" / "secret.key", create=True)
    assert len(secret) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    again = load_data_keys(path, create=True)  # a second start reuses, never replaces
    assert again == load_data_keys(path, create=False)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_data_keys(path, create=False)
    with pytest.raises(KeyFileError, match="does not exist"):
        load_data_keys(tmp_path / "missing.json", create=False)
    (tmp_path / "bad.json").write_text("{not json")
    os.chmod(tmp_path / "bad.json", 0o600)
    with pytest.raises(KeyFileError, match="not a data key file"):
        load_data_keys(tmp_path / "bad.json", create=False)


def test_configured_key_paths_are_used(tmp_path, migrated):
    # A database of its own: keys are made only for one that holds nothing sealed.
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
                             data_key_file=tmp_path / "elsewhere" / "data.json",
                             secret_key_file=tmp_path / "elsewhere" / "secret",
                             signing_keys_dir=tmp_path / "elsewhere" / "signing")
    try:
        keys.configure(settings)
        assert (tmp_path / "elsewhere" / "data.json").is_file()
        assert (tmp_path / "elsewhere" / "secret").is_file()
        assert (tmp_path / "elsewhere" / "signing" / "active").is_file()
        assert not (tmp_path / "keys").exists()
    finally:
        keys.configure(migrated)


async def raw_rows(table) -> str:
    """Every value of every row, as the database holds it (what a seizure would get)."""
    rows = await table.raw(f"SELECT * FROM {table._meta.tablename}")  # noqa: S608
    return " ".join(str(value) for row in rows for value in row.values())


async def test_the_database_holds_no_confidential_value_in_plaintext(client, synced):
    from registry.audit.services import SYSTEM
    from registry.staff import services
    from registry.staff.permissions import Role

    member = await make_member(synced, name="Uladzimir Secretname")
    await login_over_http(client, member)
    _, link = await services.create_staff("hidden.person@example.org", "Hanna Hiddenname",
                                          frozenset({Role.panel_member}), actor=SYSTEM,
                                          settings=synced, send_mail=True)
    link_secret = (await services.open_enrolment(link.rsplit("/", 1)[1])).totp_secret
    dump = " ".join([await raw_rows(t) for t in (
        StaffMember, EnrolmentLink, RecoveryCode, StaffSession, LoginThrottle, OutboxMessage)])
    secrets_that_must_not_appear = [
        member.email, "Uladzimir", "Secretname", member.secret,
        "hidden.person", "Hanna", "Hiddenname", link_secret, link.rsplit("/", 1)[1],
        *[code.replace("-", "") for code in member.recovery_codes], *member.recovery_codes,
        "Hello", "enrol/", "staff account",
    ]
    for value in secrets_that_must_not_appear:
        assert value not in dump, value
    assert "enc1:" in dump  # and the ciphertexts are there


async def test_rotating_the_data_key_reencrypts_every_field(settings, run_cli):
    from registry import db
    from registry.keys.sealed import purpose, rotates, sealed_columns

    # Every sealed column, found on the tables themselves: a capability adding one needs
    # to touch nothing here.
    declared = [column for column in sealed_columns(db.all_tables()) if rotates(column)]
    assert {"staff_member.email", "accession.application", "deadline.paused"} <= {
        purpose(column) for column in declared}
    member = await make_member(settings, name="Rotated Person")
    old_key = keys.keyring().cipher.keys.active
    result = run_cli("keys", "rotate-data-key")
    assert result.code == 0, result.output
    assert "New data key active" in result.out
    rotated = keys.configure(settings, create=False)
    assert rotated.cipher.keys.active != old_key and old_key in rotated.cipher.keys.keys
    for sealed_column in declared:
        table, column = sealed_column._meta.table, sealed_column._meta.db_column_name
        rows = await table.raw(f"SELECT {column} AS v FROM {table._meta.tablename} "  # noqa: S608
                               f"WHERE {column} IS NOT NULL")
        for row in rows:
            assert row["v"].startswith(f"enc1:{rotated.cipher.keys.active}:"), (table, column)
    from registry.staff import services

    listing = {a.id: a for a in await services.list_staff()}
    assert listing[member.id].name == "Rotated Person"
