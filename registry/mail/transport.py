"""Where messages go: an SMTP server, or .eml files in the data directory's outbox."""

from __future__ import annotations

import os
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


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
    needs no mail server. An operator (or a test) reads them from the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f".eml files in {self.folder}"

    async def send(self, message: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            name = str(message["Message-ID"]).strip("<>").replace("/", "_")
            target = self.folder / f"{name}.eml"
            temporary = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as error:
            raise DeliveryError(f"cannot write the message: {error}") from error


def transport_for(smtp_url: str, outbox_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else FileTransport(outbox_dir)
