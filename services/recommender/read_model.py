"""The recommender's read model: courses, learners and interactions as events describe them.

Plain functions over a session; handlers call them and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.recommender.models import CourseView, InteractionView, LearnerView, TaxonomyView
from shared.events import utcnow


def record_course(
    session: Session, course_id: int, provider_id: int, status: str, changed_fields: list[str]
) -> None:
    view = session.get(CourseView, course_id) or CourseView(course_id=course_id)
    view.provider_id = provider_id
    view.status = status
    view.changed_fields = changed_fields
    view.updated_at = utcnow()
    session.add(view)


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


def record_interaction(
    session: Session,
    interaction_id: int,
    learner_id: int,
    course_id: int,
    kind: str,
    occurred_at: datetime,
) -> None:
    session.merge(
        InteractionView(
            interaction_id=interaction_id,
            learner_id=learner_id,
            course_id=course_id,
            kind=kind,
            occurred_at=occurred_at,
        )
    )


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
