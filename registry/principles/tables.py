"""Published versions of the Principles and their texts, one row per language."""

from piccolo.columns import Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.principles.document import VersionStatus


class PrinciplesVersion(Table, tablename="principles_version"):
    Status = VersionStatus

    version_id = Varchar(length=20, unique=True)
    status = Varchar(length=20, choices=VersionStatus)
    # The language of the text of record; the version's hash is that text's hash.
    text_of_record = Varchar(length=16)
    content_hash = Varchar(length=64)
    adopted_on = Date(null=True, default=None)
    # When it first came into force, and when a later version replaced it.
    in_force_from = Timestamptz(null=True, default=None)
    superseded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class PrinciplesText(Table, tablename="principles_text"):
    # A text is part of the published record: the version may not be deleted under it.
    version = ForeignKey(PrinciplesVersion, on_delete=OnDelete.restrict, null=False)
    language = Varchar(length=16)
    official = Boolean(default=False)
    title = Varchar(length=300)
    # The canonical JSON exactly as hashed, so anyone can recompute content_hash.
    canonical = Text()
    content_hash = Varchar(length=64)
    created_at = Timestamptz()
