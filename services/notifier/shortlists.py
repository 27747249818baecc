"""Adviser shortlists: courses an adviser picked with a learner in the console, sent to the
learner by email at their request.

The profile service posts the shortlist (`POST /shortlists`: ids, figures, the adviser's name
and a short note) and a task sends it: the learner's address is asked of the profile service
at send time (as for digests), the courses of the catalogue, and the email is claimed before
and recorded after the send, under the id `shortlist-<shortlist id>`, so a shortlist
is sent once however often it is posted or the task runs.

The learner asks for it in the session (the adviser confirms so, and the profile's action plan
records it), but the profile service gives out an address only with the learner's consent to
emails, so a learner who turned emails off gets none (`no-consent`; the console says so before
offering to send); it is never sent to an erased learner or an address that bounced either,
and whatever frequency they chose does not matter. The email carries the same "I'm
interested" / "not for me" links as a digest. Plain Python: no Flask or Celery.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifier import delivery_records
from services.notifier.contacts import ContactBook
from services.notifier.delivery import SmtpTransport
from services.notifier.digest_sources import DigestSources
from services.notifier.digests import Contact, Digest, course_line
from services.notifier.email_links import LinkSettings, digest_links
from services.notifier.messages import (
    POLICY,
    environment,
    header_text,
    message_id,
    parse_sender,
    recipient,
    set_bodies,
)
from services.notifier.models import ErasedLearner
from services.notifier.sending import (
    BOUNCED_ADDRESS,
    ERASED,
    FAILED,
    NO_CONSENT,
    UNKNOWN_LEARNER,
    SendRules,
    deliver,
    worker_name,
)
from shared.db import Database

log = logging.getLogger(__name__)

#: The delivery kind (the deliveries table holds 16 characters) and the template folder.
KIND = "shortlist"
TEMPLATE = "adviser-shortlist"
MAX_COURSES = 10


@dataclass(frozen=True)
class Shortlist:
    """What the profile service posts: `items` are {course_id, cost_to_learner_pence,
    distance_km, reason} as the console showed them."""

    shortlist_id: str
    learner_id: int
    adviser_name: str
    note: str
    items: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Shortlist:
        return cls(
            shortlist_id=str(body["shortlist_id"]),
            learner_id=int(body["learner_id"]),
            adviser_name=str(body["adviser_name"]),
            note=str(body.get("note") or ""),
            items=tuple(dict(item) for item in body["items"]),
        )

    @property
    def delivery_id(self) -> str:
        return f"{KIND}-{self.shortlist_id}"


def as_digest(
    shortlist: Shortlist, courses: Mapping[int, Mapping[str, Any]], today: date
) -> Digest:
    """The shortlist in the shape digests have (its courses as email lines), so it gets the
    same course links and course partials."""
    lines = tuple(
        course_line(item, courses.get(int(item["course_id"]), {}), today)
        for item in shortlist.items[:MAX_COURSES]
    )
    return Digest(shortlist.delivery_id, shortlist.learner_id, KIND, shortlist.shortlist_id,
                  lines, None)  # fmt: skip


def build_message(
    shortlist: Shortlist,
    contact: Contact,
    links_settings: LinkSettings,
    sender: str,
    courses: Mapping[int, Mapping[str, Any]],
    *,
    now: datetime | None = None,
) -> EmailMessage:
    """The shortlist email: plain text and HTML, From/To/Subject/Date and a Message-ID from the
    shortlist id (the same on every resend)."""
    now = now or datetime.now(UTC)
    digest = as_digest(shortlist, courses, now.date())
    sender_address = parse_sender(sender)
    adviser = header_text(shortlist.adviser_name)
    count = len(digest.courses)
    subject = header_text(
        f"{count} course{'s' if count != 1 else ''} your adviser {adviser} picked with you"
    )
    context = {
        "subject": subject,
        "heading": "The courses you looked at with your adviser",
        "greeting": f"Hello {header_text(contact.name) or 'there'},",
        "adviser": adviser,
        "note": shortlist.note.strip(),
        "courses": digest.courses,
        "courses_heading": "Your shortlist",
        "links": digest_links(digest, links_settings),
    }
    templates = environment()
    message = EmailMessage(policy=POLICY)
    message["From"] = sender_address
    message["To"] = recipient(contact)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(shortlist.delivery_id, sender_address.domain)
    text = templates.get_template(f"email/{TEMPLATE}/body.txt").render(context)
    html = templates.get_template(f"email/{TEMPLATE}/body.html").render(context)
    set_bodies(message, text.strip() + "\n", html)
    return message


def _refusal(session: Session, shortlist: Shortlist, contact: Contact | None) -> str | None:
    erased = select(ErasedLearner.learner_id).where(
        ErasedLearner.learner_id == shortlist.learner_id
    )
    if session.execute(erased).first() is not None:
        return ERASED
    if contact is None:
        return UNKNOWN_LEARNER
    if not contact.suggestion_emails or not contact.email:
        return NO_CONSENT
    if delivery_records.is_bounced(session, contact.email):
        return BOUNCED_ADDRESS
    return None


def send_shortlist(
    database: Database,
    shortlist: Shortlist,
    contacts: ContactBook,
    sources: DigestSources,
    transport: SmtpTransport,
    rules: SendRules,
    links_settings: LinkSettings,
    sender: str,
) -> str:
    """Send the shortlist at most once; the outcome: sent, bounced, failed, a refusal
    (erased, unknown-learner, no-consent, bounced-address) or a claim refusal (sent already,
    in progress). ContactUnavailable / SourceUnavailable propagate: try again later."""
    contact = contacts.contact(shortlist.learner_id)
    key = delivery_records.DigestKey(
        shortlist.delivery_id, shortlist.learner_id, KIND, shortlist.shortlist_id
    )
    owner = worker_name()
    with database.sessions() as session:
        with session.begin():
            refused = _refusal(session, shortlist, contact) or delivery_records.claim(
                session, key, owner, lease_seconds=rules.lease_seconds,
                max_claims=rules.max_claims,
            )  # fmt: skip
        if refused is not None:
            log.info("shortlist %s not sent: %s", shortlist.shortlist_id, refused)
            return refused
        assert contact is not None
        try:
            courses = sources.courses([int(item["course_id"]) for item in shortlist.items])
            message = build_message(shortlist, contact, links_settings, sender, courses)
        except Exception as error:  # nothing was sent: a later run may try again
            log.exception("composing shortlist %s failed", shortlist.shortlist_id)
            with session.begin():
                delivery_records.mark_failed(session, key.digest_id, owner, repr(error))
            return FAILED
        course_ids = [int(item["course_id"]) for item in shortlist.items]
        status, _message_id, _detail = deliver(
            session, key, owner, message, contact.email, course_ids, transport
        )
        return status
