"""SMTP delivery: one connection for a batch of messages, transient failures retried with
exponential backoff, permanent refusals of the address reported as bounces.

`SmtpTransport` sends `EmailMessage`s built elsewhere (`messages.build_message`) with
`smtplib`; it opens its connection on the first send and reuses it until it is closed, so a
batch of digests costs one TCP (and TLS) handshake and one login. Each `send` answers a
`SendResult`:

- `accepted`: the server took the message (its 250 reply to the end of DATA arrived);
- `bounced`: the server refused the recipient (5xx to RCPT) or the message for that recipient
  (5xx to DATA) for good: the caller marks the address bounced and never mails it again;
- `failed`: transient failures outlasted the tries, or the server refused something that is
  not the learner's address (5xx to MAIL FROM, AUTH, STARTTLS: our configuration).

Transient, and tried again after a wait (`Backoff`: base, 2 x base, 4 x base ... capped,
`attempts` tries in all): 4xx replies, timeouts, refused or dropped connections. A 421 (the
server closing the channel) or a dropped connection opens a new connection for the next try.

SMTP has no exactly-once: a timeout or a dropped connection while waiting for the reply to the
end of DATA leaves it unknown whether the server kept the message, and the next try may then
deliver it twice (with the same Message-ID, which receiving systems use to merge duplicates).
Plain Python: no Flask or Celery.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Self

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
BOUNCED = "bounced"
FAILED = "failed"
SECURITY_MODES = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect. `tls_context` (not a setting) lets a test trust its own CA;
    by default the system's trusted CAs and hostname checking apply."""

    host: str = "127.0.0.1"
    port: int = 1025
    security: str = "none"
    username: str = ""
    password: str = ""
    timeout_seconds: float = 30.0
    tls_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        """The config the notifier's settings describe (`NotifierSettings`)."""
        if settings.smtp_security not in SECURITY_MODES:
            raise ValueError(
                f"ROUTEWAYS_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, "
                f"not {settings.smtp_security!r}"
            )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )


@dataclass(frozen=True)
class Backoff:
    """`attempts` tries of one message; before try n (n >= 2) a wait of
    `base_seconds * 2 ** (n - 2)`, at most `max_seconds`."""

    attempts: int = 4
    base_seconds: float = 1.0
    max_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> Backoff:
        return cls(
            attempts=settings.smtp_max_attempts,
            base_seconds=settings.smtp_retry_base_seconds,
            max_seconds=settings.smtp_retry_max_seconds,
        )

    def wait_before(self, attempt: int) -> float:
        return min(self.max_seconds, self.base_seconds * 2 ** (attempt - 2))


@dataclass(frozen=True)
class SendResult:
    outcome: str  # ACCEPTED | BOUNCED | FAILED
    attempts: int
    code: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Failure:
    """What one failed try means: try again (transient), and on a new connection (reconnect);
    else bounced (the recipient refused for good) or failed."""

    transient: bool
    bounce: bool
    reconnect: bool
    code: int | None
    detail: str


def classify(error: Exception) -> _Failure:
    """Sort an smtplib or socket error into transient / bounce / failure (see module doc)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (None, b""))
        return _by_code(code, _text(reply), bounce_when_permanent=True)
    if isinstance(error, smtplib.SMTPDataError):
        return _by_code(error.smtp_code, _text(error.smtp_error), bounce_when_permanent=True)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return _Failure(True, False, True, None, f"connection lost: {error}")
    if isinstance(error, smtplib.SMTPResponseException):  # sender, auth, helo, connect, ...
        failure = _by_code(error.smtp_code, _text(error.smtp_error), bounce_when_permanent=False)
        handshake = (
            smtplib.SMTPConnectError | smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError
        )
        reconnect = failure.reconnect or isinstance(error, handshake)
        return _Failure(failure.transient, False, reconnect, failure.code, failure.detail)
    if isinstance(error, smtplib.SMTPException):  # no STARTTLS, no AUTH method, ...
        return _Failure(False, False, True, None, f"{type(error).__name__}: {error}")
    if isinstance(error, ssl.SSLCertVerificationError):
        return _Failure(False, False, True, None, f"TLS certificate refused: {error}")
    if isinstance(error, OSError):  # timeouts, refused or reset connections, DNS failures
        return _Failure(True, False, True, None, f"{type(error).__name__}: {error}")
    raise TypeError(f"not an SMTP failure: {error!r}") from error


def _by_code(code: int | None, reply: str, *, bounce_when_permanent: bool) -> _Failure:
    detail = f"{code} {reply}".strip()
    if code is not None and 400 <= code < 500:
        return _Failure(True, False, code == 421, code, detail)  # 421: the server hangs up
    return _Failure(False, bounce_when_permanent, False, code, detail)


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:400]


class SmtpTransport:
    """One SMTP connection, opened on the first send and reused until `close()` (or the end of
    a `with` block). Not thread-safe: one per task."""

    def __init__(
        self,
        config: SmtpConfig,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if config.security not in SECURITY_MODES:
            raise ValueError(f"unknown SMTP security {config.security!r}")
        self.config = config
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self._connection: smtplib.SMTP | None = None
        #: Connections opened so far (a batch should open one).
        self.connections_opened = 0

    def send(self, message: EmailMessage, recipient: str, sender: str | None = None) -> SendResult:
        """Deliver `message` to `recipient` (the envelope recipient, whatever the To header
        says); `sender` is the envelope sender, by default the message's From address."""
        last: _Failure | None = None
        for attempt in range(1, self.backoff.attempts + 1):
            if attempt > 1:
                self.sleep(self.backoff.wait_before(attempt))
            try:
                submit(self._open(), message, sender, recipient)
            except (smtplib.SMTPException, OSError) as error:
                last = classify(error)
                log.info("SMTP try %d failed: %s", attempt, last.detail)
                if last.reconnect:
                    self.close()
                if not last.transient:
                    outcome = BOUNCED if last.bounce else FAILED
                    return SendResult(outcome, attempt, last.code, last.detail)
                continue
            return SendResult(ACCEPTED, attempt)
        assert last is not None
        return SendResult(
            FAILED,
            self.backoff.attempts,
            last.code,
            f"transient failures outlasted {self.backoff.attempts} tries: {last.detail}",
        )

    def _open(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        config = self.config
        context = None
        if config.security != "none":  # loading the CA store takes ~20 ms: only when used
            context = config.tls_context or ssl.create_default_context()
        if config.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=context
            )
        else:
            connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        try:
            if config.security == "starttls":
                connection.starttls(context=context)
            if config.username:
                connection.login(config.username, config.password)
        except BaseException:
            _quietly_close(connection)
            raise
        self._connection = connection
        self.connections_opened += 1
        return connection

    def close(self) -> None:
        """QUIT and close the connection, if one is open; never raises."""
        connection, self._connection = self._connection, None
        if connection is not None:
            _quietly_close(connection)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def submit(
    connection: smtplib.SMTP, message: EmailMessage, sender: str | None, recipient: str
) -> None:
    """One message over `connection`. A body part in 8bit (`messages.body_encoding`) is declared
    with BODY=8BITMIME (RFC 6152) to a server that offers it; for a server that does not, the
    standard library re-encodes those parts in 7 bits (base64) as it flattens the message."""
    if not has_8bit_body(message):
        connection.send_message(message, from_addr=sender, to_addrs=[recipient])
        return
    connection.ehlo_or_helo_if_needed()
    if connection.has_extn("8bitmime"):
        connection.send_message(
            message, from_addr=sender, to_addrs=[recipient], mail_options=["BODY=8BITMIME"]
        )
        return
    seven_bit = message.as_bytes(policy=message.policy.clone(cte_type="7bit"))
    from_addr = sender or parseaddr(str(message["Sender"] or message["From"]))[1]
    connection.sendmail(from_addr, [recipient], seven_bit)


def has_8bit_body(message: EmailMessage) -> bool:
    """Whether a part of `message` travels as 8bit (SMTP needs BODY=8BITMIME for it)."""
    return any(part.get("Content-Transfer-Encoding") == "8bit" for part in message.walk())


def _quietly_close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
