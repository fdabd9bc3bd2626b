"""The audit trail: one append-only table of who did what, written with each change."""
