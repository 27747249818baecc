"""The transactional outbox: an event row written in the caller's transaction, relayed later.

`OutboxEvent.publish(session, type, version, payload)` validates the payload against its
contract (a bad payload fails here, in the request that made it) and adds the row to the
session; it commits with the state change or not at all.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any, ClassVar, Self

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from shared.db import UtcDateTime
from shared.events import Envelope, make_event

#: The request or event being handled; new events carry it so one flow can be traced end to end.
correlation_id: ContextVar[str | None] = ContextVar("routeways_correlation_id", default=None)


class OutboxMixin:
    """Columns of a service's `outbox_events` table; `producer` names the service."""

    producer: ClassVar[str]

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    type: Mapped[str] = mapped_column(String(128), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    correlation_id: Mapped[str] = mapped_column(String(128), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    stream_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:  # noqa: N805 - SQLAlchemy passes the class
        return (Index(f"ix_{cls.__tablename__}_published_at", "published_at"),)

    @classmethod
    def publish(
        cls, session: Session, event_type: str, version: int, payload: dict[str, Any]
    ) -> Self:
        """Validate and record an event in the caller's transaction."""
        event = make_event(
            event_type, version, payload, producer=cls.producer, correlation_id=correlation_id.get()
        )
        return cls.record(session, event)

    @classmethod
    def record(cls, session: Session, event: Envelope) -> Self:
        """Add an already-built event to the caller's session (no commit)."""
        row = cls(
            event_id=event.id,
            type=event.type,
            version=event.version,
            occurred_at=event.occurred_at,
            correlation_id=event.correlation_id,
            payload=event.payload,
        )
        session.add(row)
        return row

    def envelope_json(self) -> str:
        """The wire form, rebuilt from the row exactly as it was recorded."""
        return Envelope(
            id=self.event_id,
            type=self.type,
            version=self.version,
            producer=self.producer,
            payload=self.payload,
            occurred_at=self.occurred_at,
            correlation_id=self.correlation_id,
        ).to_json()


class RelayCheckpointMixin:
    """The Redis server (`run_id`) the relay last published to, per stream.

    Kept in the service's database so a relay that starts after a Redis crash still knows
    the server changed, and re-sends what the old one may have lost.
    """

    stream: Mapped[str] = mapped_column(String(128), primary_key=True)
    redis_run_id: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
