"""The public facts, append-only (triggers refuse UPDATE, DELETE and TRUNCATE), each with
its place in one gap-free sequence: the future transparency log's index."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class PublicFact(Table, tablename="public_fact"):
    seq = Integer(unique=True)  # 0, 1, 2, ... in commit order, never a gap
    kind = Varchar(length=60, index=True)  # "accession:suspended"
    # Whom it concerns: "signatory:<public id>", "principles:<version>", or for an
    # unlisted signatory "commitment:<hex>", which names nobody without the key.
    subject = Varchar(length=100, index=True)
    entry = Text()  # the fact in canonical JSON: exactly what the public may know
    recorded_at = Timestamptz()
