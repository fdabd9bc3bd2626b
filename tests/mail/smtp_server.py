"""A real SMTP server for the tests (aiosmtpd), run as its own process.

    python -m tests.mail.smtp_server PORT MAILDIR [--tls CERT KEY] [--login USER PASSWORD]

Every message it accepts is written to MAILDIR as one .eml file. With --tls it offers
STARTTLS (and requires it before login); with --login it requires that login.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = self.folder / f"{time.time_ns()}.eml"
        name.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("maildir", type=Path)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--login", nargs=2, metavar=("USER", "PASSWORD"))
    args = parser.parse_args()
    args.maildir.mkdir(parents=True, exist_ok=True)

    options: dict = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        options.update(tls_context=context, require_starttls=True)
    if args.login:
        user, password = args.login

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok)

        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=bool(args.tls))
    controller = Controller(SaveToFolder(args.maildir), hostname="127.0.0.1", port=args.port,
                            **options)
    controller.start()
    print("READY", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
