"""The notifier's tables: who may be mailed (consent only, never addresses) and what to tell them.

Addresses are asked of the profile service at send time, so none is copied here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
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
