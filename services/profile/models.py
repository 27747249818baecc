"""Profile tables: learners and their interactions with courses, plus the bus tables.

This service holds personal data (names, emails, postcodes); events it publishes carry ids and
coarse attributes only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    pass


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    postcode: Mapped[str] = mapped_column(String(10))
    occupation_code: Mapped[str | None] = mapped_column(String(64))
    rqf_level: Mapped[int] = mapped_column(Integer)
    route_preference: Mapped[str] = mapped_column(String(16), default="either")
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    constraints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def postcode_district(self) -> str:
        """The outward code ("PR1 2HE" -> "PR1"): coarse enough to share, fine enough for
        distance."""
        return self.postcode.split()[0].upper()


class Interaction(Base):
    """Implicit feedback; `client_ref` makes a retried POST record it once."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    client_ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class TaxonomySeen(Base):
    """The taxonomy versions the catalogue announced (goals are validated against the newest)."""

    __tablename__ = "taxonomy_versions_seen"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "profile"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
