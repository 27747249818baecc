"""The notifier's tables: who may be mailed (consent only, never addresses) and what to tell them.

Addresses are asked of the profile service at send time, so none is copied here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.erasure import ErasedLearnerMixin
from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    pass


class Recipient(Base):
    __tablename__ = "recipients"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DigestItem(Base):
    """A course suggestion waiting for the learner's next digest."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("event_id", "course_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    learner_id: Mapped[int] = mapped_column(Integer, index=True)
    course_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RouteChange(Base):
    """A change to a learner's best routes, for an instant alert or the next digest."""

    __tablename__ = "route_changes"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[int] = mapped_column(Integer, index=True)
    target: Mapped[str] = mapped_column(String(64))
    changes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ErasedLearner(ErasedLearnerMixin, Base):
    """An erased learner's id: events naming it are never handled again."""

    __tablename__ = "erased_learners"


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "notifier"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"


class Delivery(Base):
    """One digest or alert, sent at most once: the row is claimed before the send and
    completed after it (`services/notifier/delivery_records.py`).

    `state`: claimed -> sent | failed | bounced | skipped; a failed row (transient failures
    outlasted the retries) is claimed again by a later run, at most `delivery_max_claims` times
    in all; a claimed row whose worker died is claimed again once its lease ran out.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_learner_id_claimed_at", "learner_id", "claimed_at"),)

    digest_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    # a learner's digest or alert; or, with no learner, an adviser's weekly summary
    learner_id: Mapped[int | None] = mapped_column(Integer)
    adviser_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    message_id: Mapped[str | None] = mapped_column(String(255))
    course_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    detail: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class BouncedAddress(Base):
    """An address the SMTP server refused for good (5xx): never mailed again.

    Only a SHA-256 of the normalised address is kept (the notifier holds no addresses), with
    the learner it belonged to, so erasure deletes it with the rest of the learner's rows.
    """

    __tablename__ = "bounced_addresses"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(Integer, index=True)
    smtp_code: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(500))
    bounced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
