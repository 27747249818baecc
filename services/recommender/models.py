"""The recommender's read model, built only from events (no names, emails or postcodes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.erasure import ErasedLearnerMixin
from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    pass


class CourseView(Base):
    __tablename__ = "course_views"

    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LearnerView(Base):
    __tablename__ = "learner_views"

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InteractionView(Base):
    __tablename__ = "interaction_views"

    interaction_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(Integer, index=True)
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TaxonomyView(Base):
    __tablename__ = "taxonomy_views"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ErasedLearner(ErasedLearnerMixin, Base):
    """An erased learner's id: events naming it are never handled again."""

    __tablename__ = "erased_learners"


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "recommender"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
