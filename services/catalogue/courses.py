"""Courses: create, publish and withdraw, each change recorded as an event in the same transaction.

The full provider API (batch upserts with per-row results, taxonomy links, entry requirements)
extends this module in the catalogue issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.catalogue.models import Course, OutboxEvent, Provider


class CatalogueError(LookupError):
    """A request names something the catalogue does not hold; `field` says which."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class NewCourse:
    provider_id: int
    external_ref: str
    title: str
    qualification_type: str
    rqf_level: int
    route_kind: str
    sector: str
    summary: str = ""
    status: str = "published"


def add_provider(session: Session, key: str, name: str, kind: str, ukprn: str | None) -> Provider:
    provider = Provider(key=key, name=name, kind=kind, ukprn=ukprn)
    session.add(provider)
    session.flush()
    return provider


def create_course(session: Session, new: NewCourse) -> Course:
    """Add a course; a published one is announced with `catalogue.course.published`."""
    if session.get(Provider, new.provider_id) is None:
        raise CatalogueError("provider_id", f"no provider {new.provider_id}")
    duplicate = session.scalar(
        select(Course.id).where(
            Course.provider_id == new.provider_id, Course.external_ref == new.external_ref
        )
    )
    if duplicate is not None:
        raise CatalogueError("external_ref", f"provider already has a course {new.external_ref!r}")
    course = Course(**vars(new))
    session.add(course)
    session.flush()
    if course.status == "published":
        OutboxEvent.publish(
            session,
            "catalogue.course.published",
            1,
            _facts(
                course,
                {
                    "changed_fields": [
                        "title",
                        "qualification_type",
                        "rqf_level",
                        "route_kind",
                        "sector",
                        "status",
                    ]
                },
            ),
        )
    return course


def withdraw_course(session: Session, course_id: int) -> Course:
    """Withdraw a course (idempotent: withdrawing twice announces it once)."""
    course = get_course(session, course_id)
    if course.status != "withdrawn":
        course.status = "withdrawn"
        course.version += 1
        OutboxEvent.publish(session, "catalogue.course.withdrawn", 1, _facts(course, {}))
    return course


def get_course(session: Session, course_id: int) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise CatalogueError("course_id", f"no course {course_id}")
    return course


def list_courses(
    session: Session, provider_id: int | None, status: str | None, limit: int, offset: int
) -> list[Course]:
    query = select(Course).order_by(Course.id).limit(limit).offset(offset)
    if provider_id is not None:
        query = query.where(Course.provider_id == provider_id)
    if status is not None:
        query = query.where(Course.status == status)
    return list(session.scalars(query))


def _facts(course: Course, extra: dict[str, Any]) -> dict[str, Any]:
    return {"course_id": course.id, "provider_id": course.provider_id, **extra}
