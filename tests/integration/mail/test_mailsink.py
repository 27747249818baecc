"""The local SMTP sink and its viewer, driven with real SMTP over loopback (no mocks)."""

from __future__ import annotations

import mailbox
import smtplib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from shared.mailsink import MailSink, create_viewer


def free_port() -> int:
    """A port nobody listens on right now (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def multipart(
    subject: str = "Your new route",
    text: str = "Hello Ada,\nthree courses match.",
    html: str = "<p>Hello <b>Ada</b></p>",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Routeways <noreply@routeways.test>"
    message["To"] = "ada@example.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2024, 5, 1, 9, 30, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="routeways.test")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.set_boundary("routeways-test-boundary")  # so the bytes sent are known in advance
    return message


def send(sink: MailSink, message: EmailMessage, login: tuple[str, str] | None = None) -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        if login:
            client.login(*login)
        client.send_message(message)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "var" / "mail", port=free_port()) as running:
        yield running


@pytest.fixture
def viewer(sink: MailSink) -> FlaskClient:
    return create_viewer(sink.maildir).test_client()


def only_key(viewer: FlaskClient) -> str:
    (listed,) = viewer.get("/api/messages").get_json()
    return listed["key"]


def test_message_sent_over_smtp_is_captured_with_its_message_id_and_subject(sink):
    sent = multipart()
    send(sink, sent)

    (captured,) = sink.messages()
    assert captured["Message-ID"] == sent["Message-ID"]
    assert captured["Subject"] == "Your new route"
    assert captured.get_body(("plain",)).get_content().strip() == "Hello Ada,\nthree courses match."


def test_message_is_stored_byte_for_byte_as_received(sink):
    sent = multipart()
    send(sink, sent)

    box = mailbox.Maildir(sink.maildir, create=False)
    (key,) = box.keys()
    assert box.get_bytes(key) == sent.as_bytes(policy=sent.policy.clone(linesep="\r\n"))


def test_messages_come_back_in_arrival_order(sink):
    for n in range(5):
        send(sink, multipart(subject=f"message {n}"))

    assert [m["Subject"] for m in sink.messages()] == [f"message {n}" for n in range(5)]


def test_clients_that_log_in_are_accepted_with_any_credentials(sink):
    send(sink, multipart(), login=("anyone", "anything"))

    assert len(sink.messages()) == 1


def test_missing_maildir_is_created_and_starts_empty(tmp_path):
    maildir = tmp_path / "not" / "there" / "yet"
    sink = MailSink(maildir, port=free_port())

    assert sink.messages() == []
    assert {p.name for p in maildir.iterdir()} == {"tmp", "new", "cur"}


def test_clear_deletes_every_captured_message(sink):
    send(sink, multipart())
    sink.clear()

    assert sink.messages() == []


def test_stopped_sink_refuses_connections_and_can_be_started_again(tmp_path):
    sink = MailSink(tmp_path / "mail", port=free_port())
    with sink:
        pass

    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
    with sink:
        send(sink, multipart())
    assert len(sink.messages()) == 1


def test_starting_on_a_port_in_use_raises(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        sink = MailSink(tmp_path / "mail", port=taken.getsockname()[1])
        with pytest.raises(OSError, match="in use"):
            sink.start()
    sink.stop()  # nothing to stop: must not raise


def test_port_zero_is_rejected_with_a_hint(tmp_path):
    with pytest.raises(ValueError, match="concrete port"):
        MailSink(tmp_path / "mail", port=0)


def test_index_lists_each_message_with_a_link_to_its_page(sink, viewer):
    send(sink, multipart())
    key = only_key(viewer)

    page = viewer.get("/").get_data(as_text=True)
    assert "<main>" in page
    assert "<h1>Captured mail</h1>" in page
    assert "<caption>" in page
    assert f'href="/messages/{key}"' in page
    assert "Your new route" in page
    assert "ada@example.test" in page


def test_api_lists_key_sender_recipient_subject_date_and_message_id(sink, viewer):
    sent = multipart()
    send(sink, sent)

    response = viewer.get("/api/messages")
    assert response.status_code == 200
    (listed,) = response.get_json()
    assert set(listed) == {"key", "from", "to", "subject", "date", "message_id"}
    assert listed["message_id"] == sent["Message-ID"]
    assert listed["subject"] == "Your new route"
    assert listed["from"] == "Routeways <noreply@routeways.test>"
    assert listed["to"] == "ada@example.test"
    assert listed["date"] == "Wed, 01 May 2024 09:30:00 +0000"


def test_message_page_shows_text_body_and_html_part_in_a_sandboxed_frame(sink, viewer):
    send(sink, multipart(html='<p>Hi</p><script>alert("x")</script>'))

    response = viewer.get(f"/messages/{only_key(viewer)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<pre>Hello Ada,\nthree courses match." in page
    assert "<iframe sandbox srcdoc=" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<script>" not in page


def test_html_in_a_subject_is_escaped_on_every_page(sink, viewer):
    send(sink, multipart(subject="<img src=x onerror=alert(1)> offer"))
    key = only_key(viewer)

    for path in ("/", f"/messages/{key}"):
        page = viewer.get(path).get_data(as_text=True)
        assert "&lt;img src=x onerror=alert(1)&gt; offer" in page
        assert "<img" not in page


def test_unknown_message_key_is_not_found(viewer):
    assert viewer.get("/messages/no-such-key").status_code == 404


def test_clear_button_empties_the_maildir_and_returns_to_the_list(sink, viewer):
    send(sink, multipart())
    send(sink, multipart())

    response = viewer.post("/clear", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert sink.messages() == []
    assert viewer.get("/api/messages").get_json() == []
    assert "No mail has been captured yet." in viewer.get("/").get_data(as_text=True)


def test_clear_refuses_a_form_posted_from_another_site(sink, viewer):
    send(sink, multipart())

    response = viewer.post("/clear", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert len(sink.messages()) == 1
