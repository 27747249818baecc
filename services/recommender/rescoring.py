"""Rescoring learners after events: at once, or queued while the consumer has a backlog.

An interaction or a profile change may move the learner's top suggestions, and computing them
again costs milliseconds (the learner's factors from their whole history, then ranking): far
more than recording the event. Handled one event at a time, that caps the consumer at a few
hundred events a second and lets a burst pile up on the stream. So, for the events of one
transaction (the consumer applies a whole read batch in one):

- each distinct learner is rescored once, after every event is applied (`rescore_now`);
- when the consumer reads full batches (more events are waiting), or the transaction's
  learners are more than `INLINE_LEARNERS`, the learners are queued
  instead (`queue`, a row per learner in the same transaction, so nothing is lost), and
  `drain` rescores the queue in batches elsewhere (a Celery task, in another process): a
  learner with ten events in the burst is rescored once, and the stream keeps moving.

No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.recommender import top_courses
from services.recommender.models import QueuedRescore
from services.recommender.serving import Recommender
from shared.db import Database, upsert
from shared.events import utcnow

#: Learners rescored per transaction by `drain`.
DRAIN_BATCH = 200
#: The most learners one consumer transaction rescores itself (a few milliseconds each); more
#: are queued even when the stream holds no backlog, so a burst read in one batch (up to the
#: bus batch size, 100) never keeps the transaction open for half a second.
INLINE_LEARNERS = 20


def rescore_now(
    session: Session,
    recommender: Recommender,
    causes: Mapping[int, str],
    now: datetime,
    horizon_days: int,
) -> int:
    """Compute the top of each learner in `causes` (learner id -> cause) and announce the
    moved ones, in the caller's transaction; returns how many events went out."""
    published = 0
    for cause, learner_ids in _by_cause(causes).items():
        tops = _compute(session, recommender, learner_ids, now, horizon_days)
        published += top_courses.record_many(
            session, [top for top in tops if top is not None], cause, now
        )
    return published


def _compute(
    session: Session,
    recommender: Recommender,
    learner_ids: list[int],
    now: datetime,
    horizon_days: int,
) -> list[top_courses.Top | None]:
    """The learners' tops: one learner (an event at a time, the usual case) takes the serving
    path, which skips the filters `compute_many` shares across a batch; same answers."""
    if len(learner_ids) == 1:
        return [top_courses.compute(session, recommender, learner_ids[0], now, horizon_days)]
    return top_courses.compute_many(session, recommender, learner_ids, now, horizon_days)


def queue(session: Session, causes: Mapping[int, str], now: datetime) -> None:
    """Queue the learners of `causes` for `drain`, in the caller's transaction; a learner
    already queued is queued again at `now` (so a drain that read the older row keeps it)."""
    upsert(
        session,
        QueuedRescore,
        [
            {"learner_id": learner_id, "cause": cause, "queued_at": now}
            for learner_id, cause in causes.items()
        ],
        key=["learner_id"],
    )


def drain(
    database: Database, recommender: Recommender, horizon_days: int, batch: int = DRAIN_BATCH
) -> int:
    """Rescore every queued learner, oldest first, `batch` at a time: the tops are computed in
    a read-only transaction, then announced and taken off the queue in a short write one. A
    learner queued again meanwhile stays queued. Returns how many events went out."""
    published = 0
    while True:
        now = utcnow()
        with database.read_scope() as session:
            rows = session.execute(
                select(QueuedRescore.learner_id, QueuedRescore.cause, QueuedRescore.queued_at)
                .order_by(QueuedRescore.queued_at, QueuedRescore.learner_id)
                .limit(batch)
            ).all()
            if not rows:
                return published
            tops = {
                cause: top_courses.compute_many(session, recommender, ids, now, horizon_days)
                for cause, ids in _by_cause({row[0]: row[1] for row in rows}).items()
            }
        with database.session_scope() as session:
            for cause, computed in tops.items():
                published += top_courses.record_many(
                    session, [top for top in computed if top is not None], cause, now
                )
            dequeue(session, [(row[0], row[2]) for row in rows])


def queued(session: Session) -> int:
    """How many learners wait to be rescored."""
    return session.scalar(select(func.count()).select_from(QueuedRescore)) or 0


def dequeue(session: Session, rows: list[tuple[int, datetime]]) -> None:
    """Take the learners off the queue, unless queued again since their row was read."""
    for learner_id, queued_at in rows:
        session.execute(
            delete(QueuedRescore).where(
                QueuedRescore.learner_id == learner_id, QueuedRescore.queued_at == queued_at
            )
        )


def _by_cause(causes: Mapping[int, str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for learner_id, cause in causes.items():
        grouped.setdefault(cause, []).append(learner_id)
    return grouped
