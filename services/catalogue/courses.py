"""Courses: a provider's idempotent upserts and withdrawals, each change announced once.

An upsert compares what the provider sent with what is stored: nothing changed means no write
and no event; otherwise the course's version goes up and one event is recorded in the same
transaction (published when it becomes visible, updated with the changed fields while it stays
visible, withdrawn when it leaves). Bulk upserts validate row by row, so a bad row is rejected
with its field errors and the good rows are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.catalogue.course_rows import CourseRow
from services.catalogue.models import (
    Campus,
    Course,
    CourseOccupation,
    CourseSkill,
    OutboxEvent,
)
from shared.events import utcnow

#: Stored attribute -> the field name events and results use for it.
EVENT_NAMES = {"cost_pence": "cost"}
VISIBLE = "published"
ROW_SCHEMA = CourseRow()  # schemas are reusable; building one per row costs more than loading


class CatalogueError(LookupError):
    """A request names something the catalogue does not hold; `field` says which."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class VersionConflict(Exception):  # noqa: N818 - reads as what happened
    """If-Match named a version that is no longer the course's current one."""

    def __init__(self, current: int | None) -> None:
        super().__init__(f"the course is at version {current}")
        self.current = current


@dataclass
class RowResult:
    """What happened to one row: created, updated, unchanged, withdrawn or rejected."""

    index: int
    external_ref: str | None
    outcome: str
    course_id: int | None = None
    version: int | None = None
    changed_fields: list[str] = field(default_factory=list)
    errors: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpsertResult:
    rows: list[RowResult]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
        for row in self.rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        return counts


def upsert_course(
    session: Session,
    provider_id: int,
    external_ref: str,
    fields: Mapping[str, Any],
    expected_version: int | None = None,
) -> RowResult:
    """Create or change one course from already-validated `fields` (CourseFields)."""
    existing = _load(session, provider_id, [external_ref]).get(external_ref)
    if expected_version is not None and (existing is None or existing.version != expected_version):
        raise VersionConflict(existing.version if existing else None)
    campuses = _campuses(session, provider_id)
    outcome = _apply(session, provider_id, external_ref, dict(fields), existing, campuses, 0)
    return _finish(session, [outcome])[0]


def upsert_courses(
    session: Session, provider_id: int, raw_rows: Iterable[Mapping[str, Any]]
) -> UpsertResult:
    """Validate and apply every row; rejected rows carry their field errors, good rows land."""
    raw_rows = list(raw_rows)
    validated: list[tuple[int, dict[str, Any] | None, dict[str, Any]]] = []
    for index, raw in enumerate(raw_rows):
        try:
            validated.append((index, ROW_SCHEMA.load(raw), {}))
        except ValidationError as error:
            validated.append((index, None, _as_dict(error.messages)))
    refs = [row["external_ref"] for _, row, _ in validated if row is not None]
    existing = _load(session, provider_id, refs)
    campuses = _campuses(session, provider_id)
    results, seen = [], set()
    for index, row, errors in validated:
        if row is None:
            ref = _raw_ref(raw_rows[index])
            results.append(RowResult(index, ref, "rejected", errors=errors))
            continue
        ref = row.pop("external_ref")
        if ref in seen:
            results.append(
                RowResult(
                    index,
                    ref,
                    "rejected",
                    errors={"external_ref": ["appears earlier in this upload"]},
                )
            )
            continue
        seen.add(ref)
        results.append(_apply(session, provider_id, ref, row, existing.get(ref), campuses, index))
    return UpsertResult(_finish(session, results))


def withdraw_course(
    session: Session, provider_id: int, external_ref: str, expected_version: int | None = None
) -> Course:
    """Withdraw a course (kept for history, never recommended); twice announces it once."""
    course = get_provider_course(session, provider_id, external_ref)
    if expected_version is not None and course.version != expected_version:
        raise VersionConflict(course.version)
    if course.status != "withdrawn":
        was_visible = course.status == VISIBLE
        course.status, course.withdrawn_at = "withdrawn", utcnow()
        course.version += 1
        course.updated_at = utcnow()
        if was_visible:
            OutboxEvent.publish(session, "catalogue.course.withdrawn", 1, _facts(course))
    return course


def get_provider_course(session: Session, provider_id: int, external_ref: str) -> Course:
    course = _load(session, provider_id, [external_ref]).get(external_ref)
    if course is None:
        raise CatalogueError(
            "external_ref", f"provider {provider_id} has no course {external_ref!r}"
        )
    return course


def get_course(session: Session, course_id: int) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise CatalogueError("course_id", f"no course {course_id}")
    return course


def _apply(
    session: Session,
    provider_id: int,
    ref: str,
    fields: dict[str, Any],
    course: Course | None,
    campuses: dict[str, Campus],
    index: int,
) -> RowResult | _Pending:
    campus_name = fields.get("campus")
    if campus_name is not None and campus_name not in campuses:
        return RowResult(
            index,
            ref,
            "rejected",
            errors={"campus": [f"provider {provider_id} has no campus {campus_name!r}"]},
        )
    desired = _normalise(fields)
    before = snapshot(course) if course is not None else None
    changed = [name for name, value in desired.items() if before is None or before[name] != value]
    if before is not None and not changed:
        return RowResult(index, ref, "unchanged", course.id, course.version)
    was_visible = course is not None and course.status == VISIBLE
    if course is None:
        course = Course(provider_id=provider_id, external_ref=ref, version=0, created_at=utcnow())
        session.add(course)
    _write(course, desired, campuses.get(campus_name) if campus_name else None)
    outcome = "created" if before is None else "updated"
    return _Pending(RowResult(index, ref, outcome, changed_fields=changed), course, was_visible)


@dataclass
class _Pending:
    """A written but not yet flushed change: its id and event come after one flush for all."""

    result: RowResult
    course: Course
    was_visible: bool


def _finish(session: Session, outcomes: list[RowResult | _Pending]) -> list[RowResult]:
    """Flush every change at once (batched INSERTs), then record each change's event."""
    session.flush()
    results = []
    for outcome in outcomes:
        if isinstance(outcome, _Pending):
            changed = outcome.result.changed_fields
            _announce(session, outcome.course, outcome.was_visible, changed)
            outcome.result.course_id = outcome.course.id
            outcome.result.version = outcome.course.version
            outcome.result.changed_fields = _event_names(changed)
            outcome = outcome.result
        results.append(outcome)
    return results


def snapshot(course: Course) -> dict[str, Any]:
    """The comparable form of a stored course (same shape as `_normalise` of its fields)."""
    return {
        "title": course.title, "summary": course.summary,
        "qualification_type": course.qualification_type, "rqf_level": course.rqf_level,
        "route_kind": course.route_kind, "sector": course.sector,
        "skills": sorted((s.skill, s.level) for s in course.skills),
        "occupations": sorted(o.occupation_code for o in course.occupations),
        "entry_requirements": course.entry_requirements, "delivery_mode": course.delivery_mode,
        "study_mode": course.study_mode, "attendance_pattern": course.attendance_pattern,
        "campus": course.campus.name if course.campus else None, "national": course.national,
        "duration_weeks": course.duration_weeks, "hours_per_week": course.hours_per_week,
        "start_dates": list(course.start_dates), "cost_pence": course.cost_pence,
        "funding": course.funding, "employer_partners": list(course.employer_partners),
        "status": course.status,
    }  # fmt: skip


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Loaded CourseFields (defaults applied) in the comparable form `snapshot` gives."""
    merged = dict(fields)
    skills = {s["skill"]: s.get("level") for s in merged["skills"]}  # last level given wins
    entry = merged["entry_requirements"] or {}
    merged["skills"] = sorted(skills.items())
    merged["occupations"] = sorted(set(merged["occupations"]))
    merged["entry_requirements"] = {
        "min_level": entry.get("min_level"),
        "skills": sorted(set(entry.get("skills", []))),
        "qualifications": sorted(set(entry.get("qualifications", []))),
    }
    merged["start_dates"] = sorted({_iso(d) for d in merged["start_dates"]})
    return merged


def _write(course: Course, desired: dict[str, Any], campus: Campus | None) -> None:
    scalar = {k: v for k, v in desired.items() if k not in ("skills", "occupations", "campus")}
    for name, value in scalar.items():
        setattr(course, name, value)
    course.skills = [CourseSkill(skill=skill, level=level) for skill, level in desired["skills"]]
    course.occupations = [CourseOccupation(occupation_code=code) for code in desired["occupations"]]
    course.campus = campus
    course.latitude, course.longitude = (
        (campus.latitude, campus.longitude) if campus else (None, None)
    )
    starts = desired["start_dates"]
    course.next_start = date.fromisoformat(starts[0]) if starts else None
    course.last_start = date.fromisoformat(starts[-1]) if starts else None
    course.withdrawn_at = None
    course.version += 1
    course.updated_at = utcnow()


def _announce(session: Session, course: Course, was_visible: bool, changed: list[str]) -> None:
    is_visible = course.status == VISIBLE
    if is_visible and not was_visible:
        OutboxEvent.publish(
            session,
            "catalogue.course.published",
            1,
            _facts(course, changed_fields=_event_names(changed)),
        )
    elif is_visible:
        OutboxEvent.publish(
            session,
            "catalogue.course.updated",
            1,
            _facts(course, changed_fields=_event_names(changed)),
        )
    elif was_visible:
        OutboxEvent.publish(session, "catalogue.course.withdrawn", 1, _facts(course))


def _load(session: Session, provider_id: int, refs: list[str]) -> dict[str, Course]:
    found: dict[str, Course] = {}
    for start in range(0, len(refs), 500):  # bounded IN lists
        query = (
            select(Course)
            .where(
                Course.provider_id == provider_id,
                Course.external_ref.in_(refs[start : start + 500]),
            )
            .options(
                selectinload(Course.skills),
                selectinload(Course.occupations),
                selectinload(Course.campus),
            )
        )
        found.update({course.external_ref: course for course in session.scalars(query)})
    return found


def _campuses(session: Session, provider_id: int) -> dict[str, Campus]:
    rows = session.scalars(select(Campus).where(Campus.provider_id == provider_id))
    return {campus.name: campus for campus in rows}


def _facts(course: Course, **extra: Any) -> dict[str, Any]:
    return {"course_id": course.id, "provider_id": course.provider_id, **extra}


def _event_names(names: list[str]) -> list[str]:
    return [EVENT_NAMES.get(name, name) for name in names]


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"_schema": messages}


def _raw_ref(raw: object) -> str | None:
    ref = raw.get("external_ref") if isinstance(raw, Mapping) else None
    return ref if isinstance(ref, str) else None
