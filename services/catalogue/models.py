"""Catalogue tables: providers and their courses, plus the bus tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus.inbox import InboxMixin
from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.db import UtcDateTime
from shared.events import utcnow


class Base(DeclarativeBase):
    pass


class Provider(Base):
    """A college, university, training provider or employer academy."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    ukprn: Mapped[str | None] = mapped_column(String(8), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    courses: Mapped[list[Course]] = relationship(back_populates="provider")


class Course(Base):
    """A course as its provider describes it; `external_ref` is the provider's own reference."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("provider_id", "external_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    qualification_type: Mapped[str] = mapped_column(String(32))
    rqf_level: Mapped[int] = mapped_column(Integer)
    route_kind: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="courses")


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox_events"
    producer = "catalogue"


class InboxEntry(InboxMixin, Base):
    __tablename__ = "inbox_entries"


class RelayCheckpoint(RelayCheckpointMixin, Base):
    __tablename__ = "relay_checkpoints"
