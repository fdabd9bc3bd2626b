"""Rotating the data key: a new active key, and every encrypted field re-encrypted.

Old keys stay in the key file (backups made before the rotation still need them); the
ciphertexts in the database all move to the new key.
"""

from __future__ import annotations

from registry import db, keys
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.keys.sealed import purpose as purpose_of
from registry.keys.sealed import rotates, sealed_columns
from registry.keys.store import load_data_keys, write_private
from registry.settings import Settings

BATCH = 200


async def rotate_data_key(settings: Settings, *, actor: audit.Actor) -> dict[str, int]:
    """Make a new data key active and re-encrypt every field; returns counts per column."""
    path = settings.data_key_path
    rotated = load_data_keys(path, create=False).with_new_active_key()
    write_private(path, rotated.to_json())
    cipher = keys.configure(settings, create=False).cipher
    counts: dict[str, int] = {}
    # Every column any capability declared sealed, found on the tables themselves.
    # (An append-only table's sealed column keeps its key: its rows cannot be rewritten.)
    for col in filter(rotates, sealed_columns(db.all_tables())):
        table, purpose = col._meta.table, purpose_of(col)
        pk = table._meta.primary_key
        done = 0
        while True:
            async with db.write_transaction():
                rows = await table.select(pk.as_alias("pk"), col.as_alias("value")).where(
                    col.is_not_null() & col.not_like(f"enc1:{rotated.active}:%")
                ).limit(BATCH)
                for row in rows:
                    plaintext = cipher.decrypt(row["value"], purpose=purpose)
                    await table.update({col: cipher.encrypt(plaintext, purpose=purpose)}).where(
                        pk == row["pk"])
            done += len(rows)
            if len(rows) < BATCH:
                break
        counts[purpose] = done
    async with db.write_transaction():
        await audit.record(EventTag.keys_data_key_rotated, actor=actor,
                           subject=f"data-key:{rotated.active}", details={"re_encrypted": counts})
    return counts
