"""Audit events. Append-only: triggers refuse UPDATE and DELETE (see the migrations)."""

from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    occurred_at = Timestamptz(index=True)
    # Who: "staff:12", "operator:alice" (the CLI), "system", "anonymous". Never an IP.
    actor = Varchar(length=100, index=True)
    tag = Varchar(length=100, index=True)
    subject = Varchar(length=200, null=True, default=None, index=True)
    # Identifiers and reasons only: never a password, a secret or a confidential field.
    details = JSON(default="{}")
