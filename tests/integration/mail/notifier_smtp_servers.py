"""In-process SMTP servers for the notifier's delivery tests (aiosmtpd on loopback).

`ScriptedServer` accepts mail like a relay, but answers from a script first: a list of replies
for successive RCPT commands and another for DATA ("421 ...", "550 ..."; None accepts), and can
hold its reply to a message's end of DATA (or to RCPT) until the test releases it, so a test can
kill a worker while the server has the message but the worker has not heard the 250.
"""

from __future__ import annotations

import asyncio
import email
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=default_policy)


class ScriptedHandler:
    def __init__(
        self,
        rcpt_replies: list[str | None] | None = None,
        data_replies: list[str | None] | None = None,
        hold_after_data: bool = False,
        hold_at_rcpt: bool = False,
    ) -> None:
        self.rcpt_replies = list(rcpt_replies or [])
        self.data_replies = list(data_replies or [])
        self.hold_after_data = hold_after_data
        self.hold_at_rcpt = hold_at_rcpt
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.mail_options: list[list[str]] = []  # each message's MAIL FROM parameters
        self.logins: list[str] = []
        self.connections = 0
        self.rcpt_commands = 0
        self.data_commands = 0
        self.holding = threading.Event()  # set when a reply is being held
        self.release = threading.Event()  # set by the test to let held replies go

    @property
    def messages(self) -> list[EmailMessage]:
        return [parse(raw) for raw in self.raw]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpt_commands += 1
        if self.hold_at_rcpt:
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
        reply = self.rcpt_replies.pop(0) if self.rcpt_replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.data_commands += 1
        reply = self.data_replies.pop(0) if self.data_replies else None
        if reply:
            return reply
        # The server has the message from here on: a relay would queue it now.
        self.raw.append(envelope.original_content or envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.mail_options.append(list(envelope.mail_options))
        if self.hold_after_data:
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
        return "250 Message accepted for delivery"


class _CountingController(Controller):
    def factory(self):
        self.handler.connections += 1
        return super().factory()


def _authenticate(handler: ScriptedHandler):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password
        password = password.decode() if isinstance(password, bytes) else password
        ok = login == "routeways" and password == "s3cret"
        if ok:
            handler.logins.append(login)
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def scripted_server(handler: ScriptedHandler, **smtp_options) -> Iterator[Controller]:
    """`handler` serving SMTP on a free loopback port; `smtp_options` go to aiosmtpd's SMTP
    (tls_context for STARTTLS, ...), `ssl_context` to the controller (implicit TLS)."""
    controller = _CountingController(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="localhost",
        authenticator=_authenticate(handler),
        **smtp_options,
    )
    controller.start()
    handler.connections = 0  # the controller's own readiness check connected once
    try:
        yield controller
    finally:
        handler.release.set()
        controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for "localhost" (and its key), made with the openssl command."""
    cert, key = folder / "localhost.pem", folder / "localhost.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
