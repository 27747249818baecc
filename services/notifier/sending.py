"""Sending digests and alerts: to whom, once, over one SMTP connection per batch.

For each learner of a batch, in order:

1. **contact**: the profile service's answer at send time (`contacts.ContactBook`); while it
   cannot answer, the rest of the batch is left for a later run (`RETRY`);
2. **checks**, in the claim's transaction: not erased here (the tombstone the consumer keeps),
   known to the profile service, email consent (an unsubscribe withdraws it), the frequency
   they chose is this kind (`instant` for alerts), the address never bounced;
3. **claim** (`delivery_records.claim`), committed before anything is sent;
4. **compose** and build the message (`Composer`: the content side);
5. **deliver** (`delivery.SmtpTransport`, whose connection the whole batch reuses);
6. **record**: `sent` committed right after the server's reply, or `bounced` (the address
   is never mailed again) or `failed` (a later run tries again, boundedly).

Every learner ends with an `Outcome` whose status is `sent`, `bounced`, `failed`, `retry`, a
skip reason (`SKIP_REASONS`) or a claim refusal (`delivery_records.REFUSALS`); skips are logged
with their reason. Plain Python: no Flask or Celery.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, exists, select
from sqlalchemy.orm import Session

from services.notifier import delivery_records, digests
from services.notifier.contacts import ContactBook, ContactUnavailable
from services.notifier.delivery import ACCEPTED, BOUNCED, Backoff, SmtpConfig, SmtpTransport
from services.notifier.digest_sources import DigestSources, UnknownLearner
from services.notifier.digests import Contact, period_of
from services.notifier.email_links import LinkSettings, digest_links
from services.notifier.messages import build_message
from services.notifier.models import BouncedAddress, ErasedLearner, Recipient
from shared.db import Database
from shared.events import utcnow

log = logging.getLogger(__name__)

#: Digests are due in UK time: Monday's weekly digest is the week that Monday starts.
UK = ZoneInfo("Europe/London")

SENT = "sent"
FAILED = "failed"
RETRY = "retry"
NO_CONSENT = "no-consent"
UNKNOWN_LEARNER = "unknown-learner"
ERASED = "erased"
OTHER_FREQUENCY = "other-frequency"
BOUNCED_ADDRESS = "bounced-address"
NOTHING_TO_SEND = "nothing-to-send"
SKIP_REASONS = (NO_CONSENT, UNKNOWN_LEARNER, ERASED, OTHER_FREQUENCY, BOUNCED_ADDRESS)
#: Outcomes a later run should try again: the profile could not answer, the send failed for
#: now, or another worker holds the claim (alive, or dead until its lease runs out).
TRY_LATER = (RETRY, FAILED, "in-progress")
#: The frequency a learner chooses for each kind of email (one choice per learner, in the
#: profile's consent: "instant" means alerts, and no digests).
FREQUENCY_OF_KIND = {"weekly": "weekly", "monthly": "monthly", "alert": "instant"}


@dataclass(frozen=True)
class Composed:
    """A message ready to send, and the courses it names (for the delivery log)."""

    message: EmailMessage
    course_ids: tuple[int, ...]


class Composer(Protocol):
    """The content side: what a digest is called and what its email says."""

    def digest_id(self, learner_id: int, kind: str, period: str) -> str: ...

    def compose(self, contact: Contact, kind: str, period: str) -> Composed | None:
        """The email, or None when there is nothing worth telling."""


class Contacts(Protocol):
    def contact(self, learner_id: int) -> Contact | None: ...


@dataclass(frozen=True)
class SendRules:
    lease_seconds: float = 600.0
    max_claims: int = 5

    @classmethod
    def from_settings(cls, settings: object) -> SendRules:
        return cls(
            lease_seconds=settings.delivery_lease_seconds,  # type: ignore[attr-defined]
            max_claims=settings.delivery_max_claims,  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class Outcome:
    learner_id: int
    status: str
    digest_id: str | None = None
    message_id: str | None = None
    detail: str = ""

    @property
    def try_later(self) -> bool:
        return self.status in TRY_LATER


def worker_name() -> str:
    """This claimant: host, process and a random suffix (one per batch)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def wanted(contact: Contact | None, kind: str) -> str | None:
    """Why `contact` must not get an email of `kind`, or None when they may."""
    if contact is None:
        return UNKNOWN_LEARNER
    if not contact.suggestion_emails or not contact.email:
        return NO_CONSENT
    if contact.frequency != FREQUENCY_OF_KIND[kind]:
        return OTHER_FREQUENCY
    return None


def send_batch(
    database: Database,
    learner_ids: Iterable[int],
    kind: str,
    period: str,
    *,
    contacts: Contacts,
    composer: Composer,
    transport: SmtpTransport,
    rules: SendRules,
    owner: str | None = None,
) -> list[Outcome]:
    """Send `kind`'s email of `period` to each learner at most once (see the module doc)."""
    owner = owner or worker_name()
    learner_ids = list(learner_ids)
    outcomes: list[Outcome] = []
    # One connection and Core statements (no ORM session: its bookkeeping cost more than the
    # statements on SQLite), a short transaction per step.
    with database.engine.connect() as connection:
        for position, learner_id in enumerate(learner_ids):
            try:
                contact = contacts.contact(learner_id)
            except ContactUnavailable as error:
                left = len(learner_ids) - position
                log.warning("contacts unavailable, %d sends left for later: %s", left, error)
                outcomes += [Outcome(i, RETRY, detail=str(error)) for i in learner_ids[position:]]
                break
            try:
                outcome = _send_one(
                    connection, learner_id, contact, kind, period, composer, transport, rules, owner
                )
            except Exception as error:  # one learner's surprise must not cost the batch
                log.exception("sending %s of %s to learner %d failed", kind, period, learner_id)
                connection.rollback()
                # A claim taken stays "claimed" until its lease runs out: whether the server got
                # the message is unknown, and only a claim after the lease may send again.
                outcome = Outcome(learner_id, FAILED, detail=f"unexpected: {error!r}")
            outcomes.append(outcome)
    return outcomes


def _send_one(
    connection: Connection,
    learner_id: int,
    contact: Contact | None,
    kind: str,
    period: str,
    composer: Composer,
    transport: SmtpTransport,
    rules: SendRules,
    owner: str,
) -> Outcome:
    key = delivery_records.DigestKey(
        composer.digest_id(learner_id, kind, period), learner_id, kind, period
    )
    with connection.begin():
        refused = _checks(connection, learner_id, contact, kind) or delivery_records.claim(
            connection, key, owner, lease_seconds=rules.lease_seconds, max_claims=rules.max_claims
        )
    if refused is not None:
        log.info("%s of %s to learner %d not sent: %s", kind, period, learner_id, refused)
        return Outcome(learner_id, refused, key.digest_id)
    assert contact is not None
    try:
        composed = composer.compose(contact, kind, period)
    except Exception as error:
        log.exception("composing %s for learner %d failed", key.digest_id, learner_id)
        with connection.begin():
            delivery_records.mark_failed(connection, key.digest_id, owner, f"compose: {error!r}")
        return Outcome(learner_id, FAILED, key.digest_id, detail=f"compose: {error!r}")
    if composed is None:
        with connection.begin():
            delivery_records.mark_skipped(connection, key.digest_id, owner, NOTHING_TO_SEND)
        return Outcome(learner_id, NOTHING_TO_SEND, key.digest_id)
    status, message_id, detail = deliver(
        connection, key, owner, composed.message, contact.email, composed.course_ids, transport
    )
    return Outcome(learner_id, status, key.digest_id, message_id, detail)


def deliver(
    connection: Session | Connection,
    key: delivery_records.DigestKey,
    owner: str,
    message: EmailMessage,
    address: str,
    course_ids: Sequence[int],
    transport: SmtpTransport,
) -> tuple[str, str, str]:
    """Send a claimed message and complete its claim at once: (status, Message-ID, detail),
    the status `sent`, `bounced` or `failed`."""
    message_id = str(message["Message-ID"])
    result = transport.send(message, address, sender=_envelope_sender(message))
    # The window: the server has the message; until this commit, a killed worker means one
    # resend (same Message-ID) by whoever claims the digest after the lease.
    with connection.begin():
        if result.outcome == ACCEPTED:
            delivery_records.mark_sent(connection, key.digest_id, owner, message_id, course_ids)
            return SENT, message_id, ""
        if result.outcome == BOUNCED:
            delivery_records.mark_bounced(
                connection, key, owner, address, result.code, result.detail, message_id
            )
            return BOUNCED, message_id, result.detail
        delivery_records.mark_failed(connection, key.digest_id, owner, result.detail)
        return FAILED, message_id, result.detail


#: Whether the learner was erased here, and whether the address bounced: one query for both.
_MARKS = select(
    exists().where(ErasedLearner.learner_id == bindparam("id")),
    exists().where(BouncedAddress.address_hash == bindparam("hash")),
)


def _checks(
    connection: Connection, learner_id: int, contact: Contact | None, kind: str
) -> str | None:
    address = contact.email if contact is not None and contact.email else ""
    marks = {"id": learner_id, "hash": delivery_records.address_hash(address)}
    erased, bounced = connection.execute(_MARKS, marks).one()
    if erased:
        return ERASED
    reason = wanted(contact, kind)
    if reason is not None:
        return reason
    if bounced:
        return BOUNCED_ADDRESS
    return None


def _envelope_sender(message: EmailMessage) -> str | None:
    """The envelope sender (where bounces go): the Sender header's address, else From's (the
    message's own parsed header: no second parse)."""
    header = message["Sender"] or message["From"]
    addresses = getattr(header, "addresses", ())
    return addresses[0].addr_spec if addresses else None


def due_period(kind: str, moment: datetime | None = None) -> str:
    """The period a weekly or monthly digest sent at `moment` (default now) covers, in UK
    time: "2026-W48" for the ISO week, "2026-11" for the month."""
    return period_of(kind, (moment or utcnow()).astimezone(UK).date())


def recipients_due(session: Session, kind: str) -> list[int]:
    """Learners whose consent (as the profile's events told this service) asks for `kind`,
    by id. The send checks again with the profile service's answer at send time."""
    frequency = FREQUENCY_OF_KIND[kind]
    return list(
        session.scalars(
            select(Recipient.learner_id)
            .where(
                Recipient.consent["frequency"].as_string() == frequency,
                Recipient.consent["suggestion_emails"].as_boolean().is_(True),
            )
            .order_by(Recipient.learner_id)
        )
    )


class DigestComposer:
    """The content side's parts put together: the recommender's and catalogue's answers
    (`digest_sources`), the digest (`digests.compose`), signed links (`email_links`) and the
    message (`messages.build_message`)."""

    def __init__(self, sources: DigestSources, link_settings: LinkSettings, sender: str) -> None:
        self.sources = sources
        self.link_settings = link_settings
        self.sender = sender

    @classmethod
    def from_settings(cls, settings: Any) -> DigestComposer:
        return cls(DigestSources.from_settings(settings), settings, settings.mail_sender)

    def digest_id(self, learner_id: int, kind: str, period: str) -> str:
        return digests.digest_id(learner_id, kind, period)

    def compose(self, contact: Contact, kind: str, period: str) -> Composed | None:
        """The email, or None when the recommender does not know the learner or has nothing
        to tell them (a service that cannot answer raises: the send is tried again later)."""
        try:
            inputs = self.sources.gather(contact.learner_id)
        except UnknownLearner:
            return None
        digest = digests.compose(
            contact.learner_id, kind, period, inputs.suggestions, inputs.routes, inputs.courses
        )
        if digest.is_empty:
            return None
        links = digest_links(digest, self.link_settings)
        message = build_message(digest, contact, links, self.sender)
        return Composed(message, tuple(line.course_id for line in digest.courses))

    def close(self) -> None:
        self.sources.close()


def send_with_settings(
    settings: Any, learner_ids: list[int], kind: str, period: str
) -> list[Outcome]:
    """`send_batch` with everything `NotifierSettings` describe: the notifier's database, the
    profile service for contacts, the content side for messages, one SMTP connection."""
    contacts = ContactBook.from_settings(settings)
    composer = DigestComposer.from_settings(settings)
    transport = SmtpTransport(SmtpConfig.from_settings(settings), Backoff.from_settings(settings))
    try:
        with Database(settings.database_url) as database, transport:
            return send_batch(
                database, learner_ids, kind, period, contacts=contacts, composer=composer,
                transport=transport, rules=SendRules.from_settings(settings),
            )  # fmt: skip
    finally:
        contacts.close()
        composer.close()
