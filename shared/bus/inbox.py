"""The inbox: one row per event a service has handled, so a redelivered event changes nothing.

Delivery is at least once (relay re-sends, reclaimed messages); the inbox row commits in the
same transaction as the handler's effects, which makes the effects exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UtcDateTime
from shared.events import Envelope, utcnow


class InboxMixin:
    """Columns of a service's `inbox_entries` table."""

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(128), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)


def first_time(session: Session, inbox_model: type[InboxMixin], event: Envelope) -> bool:
    """Record `event` as handled in this transaction; False if it was handled before.

    Two consumers racing on one event both pass the read, but only one can commit the row
    (primary key); the loser's transaction fails and its effects roll back with it.
    """
    seen = session.scalar(select(inbox_model.event_id).where(inbox_model.event_id == event.id))
    if seen is not None:
        return False
    session.add(
        inbox_model(event_id=event.id, type=event.type, version=event.version, handled_at=utcnow())
    )
    session.flush()
    return True
