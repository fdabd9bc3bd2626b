"""Backup and restore: one consistent archive of the database (and, when asked, the key
files), encrypted with age, written so that an interrupted backup never looks complete;
and its restore into an empty database, checked member by member.

A backup is the thing a hostile state would most like to seize, so there is no
unencrypted backup: every archive is encrypted to a passphrase or to age recipients.
"""


class BackupRefused(Exception):
    """A backup or restore that cannot go on; the message says why, in one line."""
