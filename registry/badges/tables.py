"""Badges, their images, every credential signed for them, and the published status
lists.

A badge's images are rows of their own, one per language, rendered when what they show
changes: serving a badge never renders and, with the in-process cache, never queries
the database.
"""

from piccolo.columns import Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.accessions.tables import Signatory


class Badge(Table, tablename="badge"):
    badge_id = Varchar(length=32, unique=True)  # public and random
    signatory = ForeignKey(Signatory, on_delete=OnDelete.restrict, null=False, unique=True)
    # Positions in the two status lists, drawn at random: neighbours tell nothing.
    revocation_index = Integer(unique=True)
    suspension_index = Integer(unique=True)
    revoked = Boolean(default=False)
    suspended = Boolean(default=False)
    credential = Text()  # the current credential (compact JWS): public by design
    claims_digest = Varchar(length=64)  # what it states, to know when to issue anew
    issued_at = Timestamptz()
    valid_until = Timestamptz()
    shown = Varchar(length=64)  # digest of what the images are drawn from


class BadgeImage(Table, tablename="badge_image"):
    """A badge's two images in one language (`?lang=`), one row per badge and language
    (a unique index in a migration). Drawn in every language when what they show
    changes; drawn again, on the next request for it, when its language's words or the
    layout (`wording`) are not those this process would draw."""

    badge = ForeignKey(Badge, on_delete=OnDelete.restrict, null=False)
    language = Varchar(length=8)  # en, be, ru
    shown = Varchar(length=64)  # the badge's `shown` it was drawn from
    wording = Varchar(length=64)  # images.wording(language) it was drawn with
    svg = Text()
    png = Bytea()
    etag = Varchar(length=40)
    rendered_at = Timestamptz()


class CredentialIssue(Table, tablename="credential_issue"):
    """Every credential ever signed, by which key and until when: a key leaves the JWKS
    only when nothing it signed is still valid."""

    badge = ForeignKey(Badge, on_delete=OnDelete.restrict, null=True, default=None)
    what = Varchar(length=20)  # "badge" or "status_list"
    kid = Varchar(length=64, index=True)
    issued_at = Timestamptz()
    valid_until = Timestamptz(index=True)


class StatusList(Table, tablename="status_list"):
    purpose = Varchar(length=20, unique=True)  # revocation, suspension
    credential = Text()
    etag = Varchar(length=40)
    issued_at = Timestamptz()
    valid_until = Timestamptz()
