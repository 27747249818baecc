"""The recommender's read model: courses, learners and interactions as events describe them.

Plain functions over a session; handlers call them and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from services.recommender.feasibility import CourseFacts
from services.recommender.models import (
    CourseView,
    DistrictCentroid,
    InteractionView,
    LearnerTopCourses,
    LearnerView,
    QueuedRescore,
    ReadModelStamp,
    TaxonomyView,
)
from shared.db import upsert
from shared.events import utcnow

#: A course's status in the read model (`unpublished`: the catalogue answered 404).
PUBLISHED, WITHDRAWN, UNPUBLISHED = "published", "withdrawn", "unpublished"
#: The stamp bumped by every change to a course's status or facts.
COURSES_STAMP = "courses"
#: What storing an answer from the catalogue did.
STORED, STALE, UNKNOWN = "stored", "stale", "unknown-course"


def record_course_published(
    session: Session,
    course_id: int,
    provider_id: int,
    changed_fields: list[str],
    occurred_at: datetime,
) -> bool:
    """Note that the catalogue published or changed a course; True if it stands published and
    its facts should be read again. An event older than the last withdrawal heard of (a late
    redelivery) changes nothing."""
    view = session.get(CourseView, course_id) or CourseView(course_id=course_id)
    if view.withdrawn_at is not None and occurred_at < view.withdrawn_at:
        return False
    view.provider_id = provider_id
    view.status = PUBLISHED
    view.changed_fields = changed_fields
    view.updated_at = utcnow()
    session.add(view)
    bump_courses_stamp(session)
    return True


def record_course_withdrawn(
    session: Session, course_id: int, provider_id: int, occurred_at: datetime
) -> None:
    """Withdraw a course at once: no answer after this commit names it. `withdrawn_at` keeps
    the latest withdrawal, so facts read from the catalogue before it never revive the course."""
    view = session.get(CourseView, course_id) or CourseView(course_id=course_id)
    view.provider_id = provider_id
    view.status = WITHDRAWN
    view.changed_fields = ["status"]
    view.withdrawn_at = max(filter(None, (view.withdrawn_at, occurred_at)))
    view.updated_at = utcnow()
    session.add(view)
    bump_courses_stamp(session)


def store_course_facts(session: Session, facts: dict[str, Any], asked_at: datetime) -> str:
    """Keep the facts the catalogue answered for one course (`facts` as
    `course_facts.from_catalogue` shapes them, `asked_at` when the question was sent).

    Idempotent and safe against answers arriving out of order: an answer for an older
    catalogue version than the one kept, asked before the kept one, or read before the last
    withdrawal heard of changes nothing (outcome "stale"); otherwise "stored".
    """
    view = session.get(CourseView, facts["course_id"], with_for_update=True)
    if view is None:
        view = CourseView(course_id=facts["course_id"], changed_fields=[])
    elif _is_stale(view, asked_at, facts.get("catalogue_version")):
        return STALE
    if (
        facts["status"] == PUBLISHED
        and view.withdrawn_at is not None
        and facts["catalogue_updated_at"] < view.withdrawn_at
    ):
        return STALE
    for name, value in facts.items():
        if name != "catalogue_updated_at":
            setattr(view, name, value)
    view.fetched_at = asked_at
    view.updated_at = utcnow()
    session.add(view)
    bump_courses_stamp(session)
    return STORED


def mark_course_unpublished(session: Session, course_id: int, asked_at: datetime) -> str:
    """The catalogue answered 404 for the course (a draft now, or gone): it leaves every
    answer. An answer asked before the facts kept changes nothing ("stale")."""
    view = session.get(CourseView, course_id, with_for_update=True)
    if view is None:
        return UNKNOWN  # never heard of: nothing to withdraw, nothing to keep
    if _is_stale(view, asked_at, None):
        return STALE
    view.status = UNPUBLISHED
    view.fetched_at = asked_at
    view.updated_at = utcnow()
    bump_courses_stamp(session)
    return UNPUBLISHED


def bump_courses_stamp(session: Session) -> None:
    """Count one more change to the courses, in the caller's transaction (so the stamp and the
    change commit together: a reader never sees the new stamp with the old courses)."""
    updated = session.execute(
        update(ReadModelStamp)
        .where(ReadModelStamp.name == COURSES_STAMP)
        .values(value=ReadModelStamp.value + 1)
    )
    if updated.rowcount == 0:
        session.add(ReadModelStamp(name=COURSES_STAMP, value=1))
        session.flush()


def courses_stamp(session: Session) -> int:
    """How many course changes have committed (0 before the first)."""
    return stamp(session, COURSES_STAMP)


def stamp(session: Session, name: str) -> int:
    """The stamp's value (0 when never set)."""
    return session.scalar(select(ReadModelStamp.value).where(ReadModelStamp.name == name)) or 0


def raise_stamp(session: Session, name: str, value: int) -> None:
    """Set the stamp to `value` unless it is already higher."""
    held = session.get(ReadModelStamp, name, with_for_update=True)
    if held is None:
        session.add(ReadModelStamp(name=name, value=value))
    elif held.value < value:
        held.value = value


def _is_stale(view: CourseView, asked_at: datetime, version: int | None) -> bool:
    if view.fetched_at is not None and asked_at < view.fetched_at:
        return True
    return (
        version is not None
        and view.catalogue_version is not None
        and (version < view.catalogue_version)
    )


def feasibility_facts(session: Session) -> list[CourseFacts]:
    """Every published course whose facts have been read, as the hard filters take them
    (build a `feasibility.CourseTable` from them once, not per request)."""
    views = session.scalars(
        select(CourseView)
        .where(CourseView.status == PUBLISHED, CourseView.fetched_at.is_not(None))
        .order_by(CourseView.course_id)
    )
    return [CourseFacts.from_view(view) for view in views]


def published_course_ids(session: Session) -> list[int]:
    """Ids of the courses the read model holds as published, ascending."""
    return list(
        session.scalars(
            select(CourseView.course_id)
            .where(CourseView.status == PUBLISHED)
            .order_by(CourseView.course_id)
        )
    )


def district_known(session: Session, district: str) -> bool:
    """Whether the catalogue was asked where `district` is (known or not found)."""
    return session.get(DistrictCentroid, district) is not None


def district_centroid(session: Session, district: str | None) -> tuple[float, float] | None:
    """(latitude, longitude) of the district's centroid, or None when it is not known."""
    if not district:
        return None
    row = session.execute(  # columns, not the ORM's load by key: serving asks per request
        select(DistrictCentroid.latitude, DistrictCentroid.longitude).where(
            DistrictCentroid.district == district
        )
    ).first()
    if row is None or row.latitude is None or row.longitude is None:
        return None
    return row.latitude, row.longitude


def record_district_centroid(
    session: Session, district: str, centroid: tuple[float, float] | None
) -> None:
    """Keep where the district is (None: the catalogue does not know it)."""
    latitude, longitude = centroid if centroid is not None else (None, None)
    session.merge(
        DistrictCentroid(
            district=district, latitude=latitude, longitude=longitude, fetched_at=utcnow()
        )
    )


def forget_unknown_districts(session: Session) -> None:
    """Drop the districts the catalogue did not know, so a new taxonomy (which may hold them)
    is asked about them again."""
    session.execute(delete(DistrictCentroid).where(DistrictCentroid.latitude.is_(None)))


def record_learner(session: Session, learner_id: int, attributes: dict[str, Any]) -> None:
    """Merge `attributes` into what is known of the learner (events carry only what changed)."""
    view = session.get(LearnerView, learner_id) or LearnerView(learner_id=learner_id, attributes={})
    view.attributes = {**(view.attributes or {}), **attributes}
    view.updated_at = utcnow()
    session.add(view)


def forget_learner(session: Session, learner_id: int) -> None:
    """Delete every read-model row about the learner (an erasure)."""
    session.execute(delete(InteractionView).where(InteractionView.learner_id == learner_id))
    session.execute(delete(LearnerView).where(LearnerView.learner_id == learner_id))
    session.execute(delete(LearnerTopCourses).where(LearnerTopCourses.learner_id == learner_id))
    session.execute(delete(QueuedRescore).where(QueuedRescore.learner_id == learner_id))


def record_interaction(
    session: Session,
    interaction_id: int,
    learner_id: int,
    course_id: int,
    kind: str,
    occurred_at: datetime,
) -> None:
    """Keep the interaction (again: a redelivery stores the same row), in one statement."""
    record_interactions(
        session,
        [{"interaction_id": interaction_id, "learner_id": learner_id, "course_id": course_id,
          "kind": kind, "occurred_at": occurred_at}],
    )  # fmt: skip


def record_interactions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Keep many interactions (dicts of `InteractionView`'s columns) in one statement; a row
    whose interaction is stored already replaces it, and of two rows for one interaction the
    later one stands, as if recorded one after the other."""
    latest = {row["interaction_id"]: row for row in rows}
    upsert(session, InteractionView, list(latest.values()), key=["interaction_id"])


def record_taxonomy(session: Session, version: str, counts: dict[str, int]) -> None:
    session.merge(TaxonomyView(version=version, counts=counts))


def counts(session: Session) -> dict[str, int]:
    """Rows per read-model table, for the status endpoint and operators."""
    return {
        "courses": session.scalar(select(func.count()).select_from(CourseView)) or 0,
        "published_courses": session.scalar(
            select(func.count()).select_from(CourseView).where(CourseView.status == "published")
        )
        or 0,
        "learners": session.scalar(select(func.count()).select_from(LearnerView)) or 0,
        "interactions": session.scalar(select(func.count()).select_from(InteractionView)) or 0,
    }
