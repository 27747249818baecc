"""The inbox: one row per event a service has handled, so a redelivered event changes nothing.

Delivery is at least once (relay re-sends, reclaimed messages); the inbox row commits in the
same transaction as the handler's effects, which makes the effects exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, insert, select
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


class InboxBatch:
    """The inbox for the events of one transaction: one query says which were handled before,
    and one INSERT records the new ones (`record`, before the commit), instead of a query and
    a flush per event. An event twice in the batch is handled once.

    Two members racing on one event both pass the read; the loser's INSERT fails and its whole
    transaction rolls back, as with `first_time`.
    """

    def __init__(self, session: Session, model: type[InboxMixin], events: list[Envelope]) -> None:
        self.session, self.model = session, model
        ids = [event.id for event in events]
        self.seen = set(session.scalars(select(model.event_id).where(model.event_id.in_(ids))))
        self.rows: list[dict] = []

    def first_time(self, event: Envelope) -> bool:
        """Whether `event` is new (then it will be recorded as handled)."""
        if event.id in self.seen:
            return False
        self.seen.add(event.id)
        self.rows.append(
            {"event_id": event.id, "type": event.type, "version": event.version,
             "handled_at": utcnow()}
        )  # fmt: skip
        return True

    def record(self) -> None:
        """Insert the rows of the events found new, in the caller's transaction."""
        if self.rows:
            self.session.execute(insert(self.model.__table__), self.rows)  # Core, not ORM bulk
            self.rows = []
