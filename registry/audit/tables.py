"""Audit events. Append-only: triggers refuse UPDATE and DELETE (see the migrations)."""

from piccolo.columns import JSON, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.keys.sealed import sealed


class AuditEvent(Table, tablename="audit_event"):
    occurred_at = Timestamptz(index=True)
    # Who: "staff:12", "operator:alice" (the CLI), "system", "anonymous". Never an IP.
    actor = Varchar(length=100, index=True)
    tag = Varchar(length=100, index=True)
    subject = Varchar(length=200, null=True, default=None, index=True)
    # Identifiers and reasons only: never a password, a secret or a confidential field.
    details = JSON(default="{}")
    # A secret event (the persecuted mark) keeps its tag, subject and details here,
    # sealed; its visible tag is then `audit:event:sealed` and its subject empty.
    sealed_record = sealed(Text(null=True, default=None), append_only=True)
