"""The notifier's SMTP transport against real in-process SMTP servers (aiosmtpd): one connection
per batch, 4xx and dropped connections retried with backoff, 5xx to the recipient a bounce,
STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

import ssl
import time
from email.message import EmailMessage

import pytest

from services.notifier.delivery import (
    ACCEPTED,
    BOUNCED,
    FAILED,
    Backoff,
    SmtpConfig,
    SmtpTransport,
)
from tests.integration.mail.notifier_smtp_servers import (
    ScriptedHandler,
    free_port,
    scripted_server,
    self_signed_certificate,
)

FAST = Backoff(attempts=4, base_seconds=0.01, max_seconds=0.05)


def message(n: int = 1, to: str = "ada@example.test") -> EmailMessage:
    built = EmailMessage()
    built["From"] = "Routeways <suggestions@routeways.test>"
    built["To"] = to
    built["Subject"] = f"Your suggestions #{n}"
    built["Message-ID"] = f"<digest-{n}@routeways.test>"
    built.set_content(f"Hello Ada, message {n}.")
    built.add_alternative(f"<p>Hello <b>Ada</b>, message {n}.</p>", subtype="html")
    return built


def transport_for(controller, backoff: Backoff = FAST, **config) -> SmtpTransport:
    waits: list[float] = []
    transport = SmtpTransport(
        SmtpConfig(
            **{"host": "127.0.0.1", "port": controller.port, "timeout_seconds": 5, **config}
        ),
        backoff,
        sleep=waits.append,
    )
    transport.waits = waits  # type: ignore[attr-defined]
    return transport


def test_a_batch_goes_over_one_connection_and_arrives_as_sent(tmp_path):
    handler = ScriptedHandler()
    with scripted_server(handler) as server, transport_for(server) as transport:
        results = [transport.send(message(n), f"learner{n}@example.test") for n in range(5)]
    assert [r.outcome for r in results] == [ACCEPTED] * 5
    assert handler.connections == 1
    assert transport.connections_opened == 1
    received = handler.messages
    assert [m["Message-ID"] for m in received] == [f"<digest-{n}@routeways.test>" for n in range(5)]
    assert handler.envelopes[0] == ("suggestions@routeways.test", ["learner0@example.test"])
    first = received[0]
    assert first.get_content_type() == "multipart/alternative"
    assert first.get_body(("plain",)).get_content().strip() == "Hello Ada, message 0."
    assert "<b>Ada</b>" in first.get_body(("html",)).get_content()


def eight_bit_message() -> EmailMessage:
    built = message(1)
    built.clear_content()
    built.set_content("Cost to you: £450\n", cte="8bit")
    built.add_alternative("<p>Cost to you: £450</p>\n", subtype="html", cte="8bit")
    return built


def test_an_8bit_body_is_declared_to_a_server_that_offers_8bitmime():
    handler = ScriptedHandler()
    with scripted_server(handler) as server, transport_for(server) as transport:
        results = [transport.send(eight_bit_message(), "ada@example.test"),
                   transport.send(message(2), "ada@example.test")]  # fmt: skip
    assert [r.outcome for r in results] == [ACCEPTED, ACCEPTED]
    assert [("BODY=8BITMIME" in options) for options in handler.mail_options] == [True, False]
    received = handler.messages[0]
    assert received.get_body(("plain",)).get_content() == "Cost to you: £450\n"
    assert received.get_body(("plain",))["Content-Transfer-Encoding"] == "8bit"


def test_an_8bit_body_goes_in_7_bits_to_a_server_without_8bitmime():
    handler = ScriptedHandler()
    # decode_data: aiosmtpd then offers no 8BITMIME (RFC 6152)
    with scripted_server(handler, decode_data=True) as server, transport_for(server) as transport:
        result = transport.send(eight_bit_message(), "ada@example.test")
    assert result.outcome == ACCEPTED
    assert not any(option.startswith("BODY=") for option in handler.mail_options[0])
    assert handler.raw[0].isascii()
    assert handler.envelopes == [("suggestions@routeways.test", ["ada@example.test"])]
    received = handler.messages[0]
    assert received["Message-ID"] == "<digest-1@routeways.test>"
    assert received.get_body(("plain",)).get_content() == "Cost to you: £450\n"
    assert received.get_body(("html",)).get_content() == "<p>Cost to you: £450</p>\n"


def test_the_envelope_recipient_is_the_one_given_not_the_to_header():
    handler = ScriptedHandler()
    with scripted_server(handler) as server, transport_for(server) as transport:
        transport.send(message(1, to="Someone Else <else@example.test>"), "ada@example.test")
    assert handler.envelopes == [("suggestions@routeways.test", ["ada@example.test"])]


def test_550_to_the_recipient_is_a_bounce_and_is_not_retried():
    handler = ScriptedHandler(rcpt_replies=["550 5.1.1 No such user here"])
    with scripted_server(handler) as server, transport_for(server) as transport:
        result = transport.send(message(), "gone@example.test")
        after = transport.send(message(2), "ada@example.test")  # the connection still serves
    assert (result.outcome, result.code, result.attempts) == (BOUNCED, 550, 1)
    assert "No such user" in result.detail
    assert after.outcome == ACCEPTED
    assert handler.rcpt_commands == 2
    assert handler.connections == 1
    assert len(handler.raw) == 1


def test_554_after_data_is_a_bounce_too():
    handler = ScriptedHandler(data_replies=["554 5.7.1 Message refused"])
    with scripted_server(handler) as server, transport_for(server) as transport:
        result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.code) == (BOUNCED, 554)
    assert handler.raw == []


def test_421_then_accept_is_retried_on_a_new_connection_and_delivered_once():
    handler = ScriptedHandler(rcpt_replies=["421 4.3.2 Too busy, try later"])
    with scripted_server(handler) as server, transport_for(server) as transport:
        result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.attempts) == (ACCEPTED, 2)
    assert transport.waits == [0.01]
    assert handler.connections == 2  # 421 closes the channel: the retry reconnects
    assert len(handler.raw) == 1


def test_451_at_data_is_retried_with_doubling_waits_on_the_same_connection():
    handler = ScriptedHandler(data_replies=["451 4.3.0 Local error", "452 4.3.1 Full"])
    with scripted_server(handler) as server, transport_for(server) as transport:
        result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.attempts) == (ACCEPTED, 3)
    assert transport.waits == [0.01, 0.02]
    assert handler.connections == 1
    assert len(handler.raw) == 1


def test_transient_failures_that_outlast_the_tries_fail_without_a_bounce():
    handler = ScriptedHandler(rcpt_replies=["450 4.2.1 Mailbox busy"] * 10)
    with scripted_server(handler) as server, transport_for(server) as transport:
        result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.attempts, result.code) == (FAILED, 4, 450)
    assert "outlasted 4 tries" in result.detail
    assert transport.waits == [0.01, 0.02, 0.04]
    assert handler.raw == []


def test_waits_are_capped():
    assert [Backoff(8, 1.0, 5.0).wait_before(n) for n in range(2, 8)] == [1, 2, 4, 5, 5, 5]


def test_nobody_listening_is_transient_and_fails_after_the_tries():
    transport = SmtpTransport(
        SmtpConfig(port=free_port(), timeout_seconds=2), FAST, sleep=lambda _s: None
    )
    with transport:
        result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.attempts) == (FAILED, 4)
    assert "ConnectionRefusedError" in result.detail


def test_a_connection_the_server_dropped_while_idle_is_reopened():
    handler = ScriptedHandler()
    with scripted_server(handler, timeout=0.3) as server, transport_for(server) as transport:
        assert transport.send(message(1), "ada@example.test").outcome == ACCEPTED
        time.sleep(0.8)  # the server closes the idle connection, as relays do
        result = transport.send(message(2), "ada@example.test")
    assert (result.outcome, result.attempts) == (ACCEPTED, 2)
    assert handler.connections == transport.connections_opened == 2
    assert [m["Message-ID"] for m in handler.messages] == [
        "<digest-1@routeways.test>",
        "<digest-2@routeways.test>",
    ]


def test_the_local_sink_is_the_default_target(tmp_path):
    from services.notifier.settings import NotifierSettings

    settings = NotifierSettings.from_env({})
    config = SmtpConfig.from_settings(settings)
    assert (config.host, config.port, config.security) == ("127.0.0.1", 1025, "none")
    assert (config.username, config.password) == ("", "")


@pytest.fixture
def tls(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def test_starttls_then_login_then_send(tls):
    server_context, client_context = tls
    handler = ScriptedHandler()
    with scripted_server(handler, tls_context=server_context, require_starttls=True) as server:
        transport = transport_for(
            server,
            host="localhost",
            security="starttls",
            username="routeways",
            password="s3cret",
            tls_context=client_context,
        )
        with transport:
            result = transport.send(message(), "ada@example.test")
    assert result.outcome == ACCEPTED
    assert handler.logins == ["routeways"]
    assert len(handler.raw) == 1


def test_implicit_tls(tls):
    server_context, client_context = tls
    handler = ScriptedHandler()
    with scripted_server(handler, ssl_context=server_context) as server:
        transport = SmtpTransport(
            SmtpConfig(
                host="localhost", port=server.port, security="tls", tls_context=client_context
            ),
            FAST,
        )
        with transport:
            result = transport.send(message(), "ada@example.test")
    assert result.outcome == ACCEPTED
    assert len(handler.raw) == 1


def test_an_untrusted_certificate_fails_for_good_without_retrying(tls):
    server_context, _client = tls
    handler = ScriptedHandler()
    with scripted_server(handler, ssl_context=server_context) as server:
        transport = SmtpTransport(
            SmtpConfig(host="localhost", port=server.port, security="tls"), FAST
        )
        with transport:
            result = transport.send(message(), "ada@example.test")
    assert (result.outcome, result.attempts) == (FAILED, 1)
    assert "certificate" in result.detail
    assert handler.raw == []


def test_wrong_credentials_fail_for_good_and_are_no_bounce(tls):
    server_context, client_context = tls
    handler = ScriptedHandler()
    with scripted_server(handler, tls_context=server_context) as server:
        transport = SmtpTransport(
            SmtpConfig(
                host="localhost",
                port=server.port,
                security="starttls",
                username="routeways",
                password="wrong",
                tls_context=client_context,
            ),
            FAST,
        )
        with transport:
            result = transport.send(message(), "ada@example.test")
    assert result.outcome == FAILED
    assert result.code == 535
    assert handler.raw == []
