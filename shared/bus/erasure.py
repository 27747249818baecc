"""Erasure tombstones: the ids of learners who asked to be forgotten, kept by every service.

A tombstone holds nothing but the id and when. The consumer checks it before dispatching an
event that names a learner, so an old event replayed after erasure (a relay re-send, a stream
replay, an outbox restored from backup) cannot re-create what the erasure deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UtcDateTime
from shared.events import utcnow


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
