"""Announcing a learner's top suggestions when, and only when, they change.

After anything that can move a learner's top-N (an interaction of theirs, a profile change, a
course published, changed or withdrawn, a retrain), their top `TOP_N` course ids are computed
as `serving.recommend` answers them with the learner's own limits, compared with the last ones
announced (`LearnerTopCourses`), and when the list differs (members or order) stored and
published as `recommender.recommendations.updated` through the outbox, in the caller's
transaction. The same list twice publishes nothing. No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender.models import CourseView, LearnerTopCourses, OutboxEvent
from services.recommender.read_model import PUBLISHED
from services.recommender.serving import Recommender, Request, UnknownLearner, recommend
from shared.db import Database
from shared.events import utcnow

#: Suggestions announced per learner (an email shows at most this many).
TOP_N = 10
#: What changed, as the event names it.
CAUSES = ("retrained", "interaction", "course-changed", "profile-changed")


def announce(
    session: Session,
    recommender: Recommender,
    learner_id: int,
    cause: str,
    now: datetime,
    horizon_days: int,
) -> bool:
    """Recompute the learner's top courses; store and publish them if they changed. True when
    an event was published; False when nothing moved or the learner is unknown (erased)."""
    if cause not in CAUSES:
        raise ValueError(f"unknown cause {cause!r}; one of {CAUSES}")
    snapshot = recommender.snapshot(session)
    try:
        ask = Request(n=TOP_N)
        top = recommend(session, snapshot, learner_id, ask, now.date(), horizon_days, now)
    except UnknownLearner:
        return False
    course_ids = [s.course_id for s in top]
    version = snapshot.model.name if snapshot.model else "popularity"
    held = session.get(LearnerTopCourses, learner_id)
    if held is not None and held.course_ids == course_ids:
        return False
    if held is None:
        held = LearnerTopCourses(learner_id=learner_id)
        session.add(held)
    held.course_ids, held.model_version, held.updated_at = course_ids, version, now
    OutboxEvent.publish(
        session,
        "recommender.recommendations.updated",
        1,
        {
            "learner_id": learner_id,
            "model_version": version,
            "top_course_ids": course_ids,
            "reason": cause,
        },
    )
    return True


def announce_many(
    database: Database,
    recommender: Recommender,
    learner_ids: Iterable[int],
    cause: str,
    horizon_days: int,
    batch: int = 200,
) -> int:
    """`announce` for many learners, `batch` per transaction (a failure loses at most one
    batch's work, and a rerun redoes only what moved); returns how many events went out."""
    published = 0
    for learner_batch in chunks(learner_ids, batch):
        with database.session_scope() as session:
            now = utcnow()
            for learner_id in learner_batch:
                published += announce(session, recommender, learner_id, cause, now, horizon_days)
    return published


def audience_of_course_change(session: Session, course_id: int) -> list[int]:
    """Learners whose top may move because `course_id` changed: those showing it when it is
    no longer published (it must leave their list), everyone announced otherwise (a new or
    changed course may enter anyone's)."""
    view = session.get(CourseView, course_id)
    if view is None or view.status != PUBLISHED:
        return learners_showing(session, course_id)
    return learners_announced(session)


def learners_showing(session: Session, course_id: int) -> list[int]:
    """Learners whose announced top holds `course_id` (they must hear it was withdrawn)."""
    rows = session.execute(select(LearnerTopCourses.learner_id, LearnerTopCourses.course_ids))
    return sorted(learner_id for learner_id, ids in rows if course_id in (ids or []))


def learners_announced(session: Session) -> list[int]:
    """Every learner who has an announced top (a new course or a retrain may move any)."""
    return list(session.scalars(select(LearnerTopCourses.learner_id).order_by("learner_id")))


def chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    """`ids` in lists of at most `size` (one transaction each)."""
    batch: list[int] = []
    for learner_id in ids:
        batch.append(learner_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
