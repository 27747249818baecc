"""Local SMTP sink and mail viewer: `make run` and the tests send real mail here, never out.

`MailSink` is an aiosmtpd server that writes every message, byte for byte as received, into a
Maildir; `create_viewer` is a small Flask app that reads that Maildir; `serve` runs both.
"""

import email
import mailbox
import re
import signal
import socket
import threading
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import FrameType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from flask import Flask, abort, jsonify, redirect, render_template, request, url_for
from jinja2 import DictLoader
from werkzeug.serving import run_simple

# CPython's Maildir names new messages "<sec>.M<usec>P<pid>Q<counter>.<host>": sorting on those
# numbers gives arrival order even when two messages land within one file-system time tick.
_KEY = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)\.")


def _arrival(key: str) -> tuple[int, int, int, str]:
    found = _KEY.match(key)
    numbers = tuple(int(n) for n in found.groups()) if found else (2**63, 0, 0)
    return (*numbers, key)


def _box(maildir: Path) -> mailbox.Maildir:
    """Open `maildir`, creating it (parents and tmp/new/cur included) if any of it is missing."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    return mailbox.Maildir(maildir, create=False)


def _parse(raw: bytes) -> EmailMessage:
    # SMTP lines end in CRLF and the file keeps them; parsed bodies get Python's usual "\n".
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=default_policy)


def _stored(maildir: Path) -> list[tuple[str, EmailMessage]]:
    """Every message in `maildir` as (key, parsed message), oldest first."""
    box = _box(maildir)
    keys = sorted(box.keys(), key=_arrival)
    return [(key, _parse(box.get_bytes(key))) for key in keys]


class MailSink:
    """An SMTP server on `host:port` that keeps every message it receives in a Maildir.

    It accepts any recipient and any AUTH credentials (without TLS), so code that logs in to a
    real relay works against it unchanged; bind it to loopback only. The port must be concrete:
    aiosmtpd connects to it to check the server is up, so port 0 cannot be used.
    """

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        if port == 0:
            raise ValueError("MailSink needs a concrete port; bind 127.0.0.1:0 to find a free one")
        self.maildir, self.host, self.port = Path(maildir), host, port
        _box(self.maildir)
        self._controller: Controller | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """aiosmtpd hook: store the message data unchanged (tmp/ then rename: never half-read)."""
        _box(self.maildir).add(envelope.original_content or envelope.content)  # bytes, never str
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Listen for SMTP; returns once the server answers connections (raises OSError if the
        port is taken). A fresh Controller each time, as a stopped one cannot be restarted."""
        if self._controller is not None:
            raise RuntimeError("MailSink is already running")
        # aiosmtpd only reports a failed bind after its 5 s ready timeout: find out at once.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.create_server((self.host, self.port), family=family):
            pass
        controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            server_hostname="localhost",
            authenticator=lambda *_: AuthResult(success=True),
            auth_require_tls=False,
        )
        try:
            controller.start()
        except BaseException:
            if not controller.loop.is_running():  # the bind failed: release the loop aiosmtpd made
                controller.loop.close()
            raise
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and release the port; calling it again does nothing."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        """Every captured message, parsed with `email.policy.default`, oldest first."""
        return [message for _key, message in _stored(self.maildir)]

    def clear(self) -> None:
        """Delete every captured message."""
        _box(self.maildir).clear()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


_TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{% block title %}{% endblock %} - Routeways mail sink</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem 2rem}table{border-collapse:collapse}
th,td,pre,iframe{border:1px solid #888;padding:.3rem .6rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold}pre{white-space:pre-wrap}iframe{width:95%;height:30rem}
</style></head>
<body><main>{% block main %}{% endblock %}</main></body></html>""",
    "index.html": """{% extends "layout.html" %}{% block title %}Captured mail{% endblock %}
{% block main %}<h1>Captured mail</h1>
<p>{{ rows|length }} message{{ "" if rows|length == 1 else "s" }} in <code>{{ maildir }}</code>.</p>
<form method="post" action="{{ url_for('clear') }}">
<button type="submit">Delete all messages</button></form>
{% if rows %}<table><caption>Messages received by the SMTP sink, newest first</caption>
<thead><tr><th scope="col">Date</th><th scope="col">From</th><th scope="col">To</th>
<th scope="col">Subject</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.date or "" }}</td><td>{{ row.from or "" }}</td>
<td>{{ row.to or "" }}</td><td><a href="{{ url_for('message', key=row.key) }}">
{{- row.subject or "(no subject)" }}</a></td></tr>
{% endfor %}</tbody></table>{% else %}<p>No mail has been captured yet.</p>{% endif %}
{% endblock %}""",
    "message.html": """{% extends "layout.html" %}{% block title %}{{ subject }}{% endblock %}
{% block main %}<p><a href="{{ url_for('index') }}">Back to all messages</a></p>
<h1>{{ subject }}</h1>
<table><caption>Headers</caption><tbody>{% for name, value in headers %}
<tr><th scope="row">{{ name }}</th><td>{{ value }}</td></tr>{% endfor %}</tbody></table>
<h2>Plain text</h2>{% if text is not none %}<pre>{{ text }}</pre>
{% else %}<p>This message has no plain-text part.</p>{% endif %}
<h2>HTML</h2>{% if html is not none %}
<iframe sandbox srcdoc="{{ html }}" title="HTML part of the message"></iframe>
{% else %}<p>This message has no HTML part.</p>{% endif %}{% endblock %}""",
}


def _text(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # unknown or lying charset: show what we can
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _summary(key: str, message: EmailMessage) -> dict[str, str | None]:
    fields = {
        "from": "From",
        "to": "To",
        "subject": "Subject",
        "date": "Date",
        "message_id": "Message-ID",
    }
    found = {field: message.get(name) for field, name in fields.items()}
    return {"key": key} | {field: None if v is None else str(v) for field, v in found.items()}


def create_viewer(maildir: Path) -> Flask:
    """A Flask app to read the mail captured in `maildir`: HTML pages, JSON and a clear button.

    Mail is untrusted input: pages are rendered with autoescaping on, and a message's HTML part
    is shown in a sandboxed iframe (no scripts, no same-origin access).
    """
    maildir = Path(maildir)
    _box(maildir)
    app = Flask(__name__, static_folder=None)  # no assets: styles are inline, nothing else
    app.jinja_env.loader = DictLoader(_TEMPLATES)

    @app.get("/")
    def index() -> str:
        rows = [_summary(key, message) for key, message in reversed(_stored(maildir))]
        return render_template("index.html", rows=rows, maildir=maildir)

    @app.get("/api/messages")
    def api_messages() -> Any:
        return jsonify([_summary(key, message) for key, message in _stored(maildir)])

    @app.get("/messages/<key>")
    def message(key: str) -> str:
        try:
            found = _parse(_box(maildir).get_bytes(key))
        except KeyError:
            abort(404)
        return render_template(
            "message.html",
            subject=str(found.get("subject") or "(no subject)"),
            headers=[(name, str(value)) for name, value in found.items()],
            text=_text(found, "plain"),
            html=_text(found, "html"),
        )

    @app.post("/clear")
    def clear() -> Any:
        # Refuse cross-site form posts: another page in the browser must not empty the sink.
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
            abort(403)
        _box(maildir).clear()
        return redirect(url_for("index"), code=303)

    return app


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(
    maildir: Path, smtp_port: int = 1025, viewer_port: int = 8025, host: str = "127.0.0.1"
) -> None:
    """Run the SMTP sink and its viewer in the foreground until SIGINT or SIGTERM.

    Either signal ends the viewer and then stops the sink, so a process manager never leaves the
    SMTP port bound. SIGINT is handled explicitly because shells start background jobs with it
    ignored, and Python would inherit that.
    """
    app = create_viewer(maildir)
    shown = f"[{host}]" if ":" in host else host
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {
            sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)
        }
    try:
        with MailSink(maildir, host=host, port=smtp_port):
            print(
                f"Mail sink: SMTP on {shown}:{smtp_port}, viewer on http://{shown}:{viewer_port}/",
                flush=True,
            )
            run_simple(host, viewer_port, app, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
