"""Erasure tombstones: the ids of learners who asked to be forgotten, kept by every service.

A tombstone holds nothing but the id and when. The consumer checks it before dispatching an
event that names a learner, so an old event replayed after erasure (a relay re-send, a stream
replay after the inbox rows were purged, an outbox restored from backup) cannot re-create what
the erasure deleted. Every service's models define `ErasedLearner(ErasedLearnerMixin, Base)`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Integer, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.bus.outbox import OutboxMixin
from shared.db import UtcDateTime
from shared.events import Envelope, utcnow

log = logging.getLogger(__name__)

#: The event on which every service deletes what it holds of a learner.
LEARNER_ERASED = "profile.learner.erased"


class ErasedLearnerMixin:
    """Columns of a service's `erased_learners` table."""

    learner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


def record_erasure(session: Session, model: type[ErasedLearnerMixin], learner_id: int) -> None:
    """Keep the tombstone (idempotent: a second erasure of the same id changes nothing)."""
    if session.get(model, learner_id) is None:
        session.add(model(learner_id=learner_id, erased_at=utcnow()))
        session.flush()


def is_erased(session: Session, model: type[ErasedLearnerMixin], learner_id: int) -> bool:
    return (
        session.scalar(select(model.learner_id).where(model.learner_id == learner_id)) is not None
    )


def admit(session: Session, tombstones: type[ErasedLearnerMixin], event: Envelope) -> bool:
    """Whether `event` may reach its handler, keeping tombstones on the way (consumer's
    transaction).

    An erasure records its tombstone first and is admitted, so the handler deletes and the
    tombstone commits together. Any other event whose payload names an erased learner is not
    admitted: handling it would re-create rows about someone who asked to be forgotten.
    """
    learner_id = _learner_of(event)
    if learner_id is None:
        return True
    if event.type == LEARNER_ERASED:
        record_erasure(session, tombstones, learner_id)
        return True
    if is_erased(session, tombstones, learner_id):
        log.info("skipping %s %s: learner %d was erased", event.type, event.id, learner_id)
        return False
    return True


def delete_learner_events(session: Session, outbox: type[OutboxMixin], learner_id: int) -> int:
    """Delete a service's outbox rows whose payload names the learner, sent or not; return how
    many.

    Unsent rows would otherwise be relayed after the erasure, and sent ones are still data
    about the learner. Works on SQLite and PostgreSQL (a JSON path cast to an integer); rows
    of events naming no learner never match.
    """
    result = session.execute(
        delete(outbox).where(outbox.payload["learner_id"].as_integer() == learner_id)
    )
    return result.rowcount


class Tombstones:
    """`admit` for the events of one transaction, with one query for the tombstones of all the
    learners they name instead of one per event."""

    def __init__(
        self, session: Session, model: type[ErasedLearnerMixin], events: list[Envelope]
    ) -> None:
        self.session, self.model = session, model
        ids = {_learner_of(event) for event in events} - {None}
        self.erased = set(
            session.scalars(select(model.learner_id).where(model.learner_id.in_(ids)))
        )

    def admit(self, event: Envelope) -> bool:
        """As `admit`: an erasure keeps its tombstone; an event naming an erased learner is
        kept out."""
        learner_id = _learner_of(event)
        if learner_id is None:
            return True
        if event.type == LEARNER_ERASED:
            if learner_id not in self.erased:
                record_erasure(self.session, self.model, learner_id)
                self.erased.add(learner_id)
            return True
        if learner_id in self.erased:
            log.info("skipping %s %s: learner %d was erased", event.type, event.id, learner_id)
            return False
        return True


def _learner_of(event: Envelope) -> int | None:
    learner_id = event.payload.get("learner_id")
    return learner_id if isinstance(learner_id, int) else None
