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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender import batch_ranking, read_model
from services.recommender.models import CourseView, LearnerTopCourses, LearnerView, OutboxEvent
from services.recommender.read_model import PUBLISHED
from services.recommender.serving import Recommender, Request, UnknownLearner, recommend
from shared.db import Database
from shared.events import utcnow

#: Suggestions announced per learner (an email shows at most this many).
TOP_N = 10
#: What changed, as the event names it.
CAUSES = ("retrained", "interaction", "course-changed", "profile-changed")
#: The courses stamp up to which course changes were announced to every learner.
ANNOUNCED_STAMP = "courses-announced"


@dataclass(frozen=True)
class Top:
    """A learner's top courses as computed now, by which model version."""

    learner_id: int
    course_ids: list[int]
    model_version: str


def compute(
    session: Session, recommender: Recommender, learner_id: int, now: datetime, horizon_days: int
) -> Top | None:
    """The learner's top `TOP_N` course ids now (None for a learner the read model does not
    hold: never registered, or erased). Reads only."""
    snapshot = recommender.snapshot(session)
    try:
        top = recommend(
            session, snapshot, learner_id, Request(n=TOP_N), now.date(), horizon_days, now
        )
    except UnknownLearner:
        return None
    version = snapshot.model.name if snapshot.model else "popularity"
    return Top(learner_id, [s.course_id for s in top], version)


def compute_many(
    session: Session,
    recommender: Recommender,
    learner_ids: list[int],
    now: datetime,
    horizon_days: int,
) -> list[Top | None]:
    """`compute` for each of `learner_ids`, in that order, with the same answers: the
    snapshot checked once, the learners read in two queries and shared filters computed once
    (`batch_ranking`); no reasons are written, the announcement carries ids only. Reads only.
    """
    snapshot = recommender.snapshot(session)
    version = snapshot.model.name if snapshot.model else "popularity"
    chosen = {
        ranked.learner.learner_id: ranked.chosen
        for ranked in batch_ranking.rank_many(
            session, snapshot, learner_ids, Request(n=TOP_N), now.date(), horizon_days, now
        )
    }
    return [
        Top(learner_id, chosen[learner_id], version) if learner_id in chosen else None
        for learner_id in learner_ids
    ]


def record(session: Session, top: Top, cause: str, now: datetime) -> bool:
    """Store and publish `top` if it differs from the last announced; True if published."""
    if cause not in CAUSES:
        raise ValueError(f"unknown cause {cause!r}; one of {CAUSES}")
    if session.get(LearnerView, top.learner_id) is None:
        return False  # erased since the top was computed: nothing may name them again
    held = session.get(LearnerTopCourses, top.learner_id)
    return _store(session, held, top, cause, now) is not None


def record_many(session: Session, tops: list[Top], cause: str, now: datetime) -> int:
    """`record` for each of `tops`, with two queries for all of them (who is still in the read
    model, what was last announced) instead of two per learner; returns how many published."""
    if cause not in CAUSES:
        raise ValueError(f"unknown cause {cause!r}; one of {CAUSES}")
    ids = sorted({top.learner_id for top in tops})
    present = set(
        session.scalars(select(LearnerView.learner_id).where(LearnerView.learner_id.in_(ids)))
    )
    held = {
        row.learner_id: row
        for row in session.scalars(
            select(LearnerTopCourses).where(LearnerTopCourses.learner_id.in_(ids))
        )
    }
    published = 0
    for top in tops:
        if top.learner_id not in present:
            continue  # erased since the top was computed: nothing may name them again
        stored = _store(session, held.get(top.learner_id), top, cause, now)
        if stored is not None:  # a learner twice in `tops`: the second compares with this
            held[top.learner_id] = stored
            published += 1
    return published


def _store(
    session: Session, held: LearnerTopCourses | None, top: Top, cause: str, now: datetime
) -> LearnerTopCourses | None:
    """Store `top` over `held` (the learner's last announced, None: none yet) and publish it,
    unless it is the same list; the stored row, None when nothing changed."""
    if held is not None and held.course_ids == top.course_ids:
        return None
    if held is None:
        held = LearnerTopCourses(learner_id=top.learner_id)
        session.add(held)
    held.course_ids, held.model_version, held.updated_at = top.course_ids, top.model_version, now
    OutboxEvent.publish(
        session,
        "recommender.recommendations.updated",
        1,
        {
            "learner_id": top.learner_id,
            "model_version": top.model_version,
            "top_course_ids": top.course_ids,
            "reason": cause,
        },
    )
    return held


def announce(
    session: Session,
    recommender: Recommender,
    learner_id: int,
    cause: str,
    now: datetime,
    horizon_days: int,
) -> bool:
    """Recompute the learner's top courses and publish them if they moved, in the caller's
    transaction (a handler's). True when an event was published."""
    top = compute(session, recommender, learner_id, now, horizon_days)
    return top is not None and record(session, top, cause, now)


def announce_many(
    database: Database,
    recommender: Recommender,
    learner_ids: Iterable[int],
    cause: str,
    horizon_days: int,
    batch: int = 200,
) -> int:
    """`announce` for many learners, `batch` at a time: the tops are computed in a read-only
    transaction (on SQLite it holds no lock, so the consumer and relay keep writing) and only
    the moved ones are written, in a short transaction that re-checks each against what is
    stored. Returns how many events went out."""
    published = 0
    for learner_batch in chunks(learner_ids, batch):
        now = utcnow()
        with database.read_scope() as session:
            tops = compute_many(session, recommender, learner_batch, now, horizon_days)
        with database.session_scope() as session:
            published += record_many(session, [t for t in tops if t is not None], cause, now)
    return published


def audience_of_course_change(session: Session, course_id: int) -> tuple[list[int], int | None]:
    """Learners whose top may move because `course_id` changed, and the courses stamp to mark
    announced once they are done (None: nothing to mark).

    A course no longer published must leave the lists showing it: those learners. A new or
    changed course may enter anyone's list: everyone announced, unless every course change up
    to the current stamp has already been announced to everyone (a catalogue sync fetches
    hundreds of courses; the first task covers them all, the rest find nothing to do)."""
    view = session.get(CourseView, course_id)
    if view is None or view.status != PUBLISHED:
        return learners_showing(session, course_id), None
    stamp = read_model.courses_stamp(session)
    if stamp <= read_model.stamp(session, ANNOUNCED_STAMP):
        return [], None
    return learners_announced(session), stamp


def mark_announced(session: Session, stamp: int) -> None:
    """Every course change up to `stamp` has been announced to everyone."""
    read_model.raise_stamp(session, ANNOUNCED_STAMP, stamp)


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
