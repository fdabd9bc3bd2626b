"""Where messages go: an SMTP server, or .eml files in the data directory's outbox."""

from __future__ import annotations

import os
import secrets
import stat
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from registry.settings import Settings


class DeliveryError(Exception):
    """The message was not accepted; it stays in the outbox and is tried again."""


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...


class SmtpTransport:
    """smtp://host:25 (plain, for a local relay), smtp+starttls://host:587 (STARTTLS
    required), smtps://host:465 (TLS from the start); user:password@ logs in."""

    def __init__(self, url: str, *, timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
            raise ValueError("REGISTRY_SMTP_URL must look like smtp+starttls://user:pass@host:587")
        self.hostname = parts.hostname
        self.use_tls = parts.scheme == "smtps"
        self.start_tls = parts.scheme == "smtp+starttls"
        self.port = parts.port or (465 if self.use_tls else 587 if self.start_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        # ?cafile=/path trusts a private CA (and the test server's certificate).
        self.cafile = parse_qs(parts.query).get("cafile", [None])[0]
        self.timeout = timeout

    def describe(self) -> str:
        mode = "TLS" if self.use_tls else "STARTTLS" if self.start_tls else "plain"
        return f"SMTP {self.hostname}:{self.port} ({mode})"

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message, hostname=self.hostname, port=self.port, username=self.username,
                password=self.password, use_tls=self.use_tls,
                start_tls=self.start_tls, cert_bundle=self.cafile,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error


class FileTransport:
    """Writes each message as an .eml file: the default, so that the embedded setup
    needs no mail server. An operator (or a tool) reads them from the folder.

    A file is a plaintext copy of the message, live links included, so it is kept no
    longer than needed: mode 0600 in a folder of mode 0700 whatever the umask, and
    `remove_older_than` (a job of the scheduler) deletes what is left after the keep
    time. A tool that delivers the files deletes each one once it has delivered it; the
    registry cannot tell a file that was read from one that was not."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f".eml files in {self.folder}"

    async def send(self, message: EmailMessage) -> None:
        try:
            self._private_folder()
            name = str(message["Message-ID"]).strip("<>").replace("/", "_")
            target = self.folder / f"{name}.eml"
            temporary = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)  # the umask could have taken the owner's bits
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as error:
            raise DeliveryError(f"cannot write the message: {error}") from error

    def _private_folder(self) -> None:
        """The folder, readable by the registry's user alone, also if someone made it
        before with a wider mode."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if stat.S_IMODE(self.folder.stat().st_mode) != 0o700:
            os.chmod(self.folder, 0o700)

    def remove_older_than(self, cutoff: datetime) -> int:
        """Delete the messages (and half-written files) written before `cutoff`; returns
        how many. Other files in the folder are not the registry's and stay."""
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return 0
        for entry in entries:
            ours = entry.name.endswith(".eml") or (
                entry.name.startswith(".") and entry.name.endswith(".tmp"))
            try:
                if not ours or not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_mtime >= cutoff.timestamp():
                    continue
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:  # a tool took it meanwhile
                continue
        return removed


def transport_for(smtp_url: str, outbox_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else FileTransport(outbox_dir)


def file_transport_refusal(settings: Settings) -> str | None:
    """Why the file transport may not be used with these settings, or None.

    A registry with a public https:// address is a production one: its mail must not
    silently land on the server's disk because REGISTRY_SMTP_URL was forgotten."""
    if (settings.smtp_url or settings.mail_file_transport_allowed
            or not settings.base_url.startswith("https://")):
        return None
    return (f"REGISTRY_BASE_URL is {settings.base_url} but REGISTRY_SMTP_URL is not set, so "
            f"every mail would be kept as a plaintext .eml file in {settings.outbox_dir}: "
            "set REGISTRY_SMTP_URL (smtp+starttls://user:password@host:587), or "
            "REGISTRY_MAIL_FILE_TRANSPORT_ALLOWED=true if that is really wanted")

