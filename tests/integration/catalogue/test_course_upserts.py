"""Course upserts on SQLite and PostgreSQL: one event per real change, none for a no-op, bad rows
rejected with their fields while good rows land, optimistic concurrency and withdrawal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.catalogue import courses
from services.catalogue.models import Campus, Course, OutboxEvent, Provider


def row(ref: str = "PC-ENG-3", **fields) -> dict:
    return {"external_ref": ref, "title": "T Level in Engineering, Manufacturing and Design",
            "qualification_type": "T Level", "rqf_level": 3, "route_kind": "technical",
            "sector": "Engineering and manufacturing", "campus": "Preston Campus",
            "skills": [{"skill": "technical drawing", "level": 3}, {"skill": "CAD"}],
            "occupations": ["3113", "8125"], "start_dates": ["2027-09-06"],
            "cost_pence": 0, "funding": "free-16-19", **fields}  # fmt: skip


@pytest.fixture
def provider_id(catalogue_db) -> int:
    with catalogue_db.session_scope() as session:
        provider = Provider(key="prestons-college", name="Preston's College", kind="fe-college")
        provider.campuses = [
            Campus(name="Preston Campus", postcode="PR2 8UR", latitude=53.787, longitude=-2.712)
        ]
        session.add(provider)
        session.flush()
        return provider.id


def upsert(catalogue_db, provider_id: int, rows: list[dict]) -> courses.UpsertResult:
    with catalogue_db.session_scope() as session:
        return courses.upsert_courses(session, provider_id, rows)


def events(catalogue_db) -> list[tuple[str, dict]]:
    with catalogue_db.session_scope() as session:
        rows = session.execute(
            select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.seq)
        )
        return [(event_type, payload) for event_type, payload in rows]


def test_new_published_course_is_created_with_one_published_event(catalogue_db, provider_id):
    [result] = upsert(catalogue_db, provider_id, [row()]).rows

    assert (result.outcome, result.version) == ("created", 1)
    [(event_type, payload)] = events(catalogue_db)
    assert event_type == "catalogue.course.published"
    assert payload["course_id"] == result.course_id
    with catalogue_db.session_scope() as session:
        course = session.get(Course, result.course_id)
        assert (course.latitude, course.longitude) == (53.787, -2.712)  # the campus centroid
        assert [s.skill for s in course.skills] == ["CAD", "technical drawing"]


def test_same_row_again_changes_nothing_and_publishes_nothing(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    [again] = upsert(catalogue_db, provider_id, [row(occupations=["8125", "3113"])]).rows

    assert (again.outcome, again.version) == ("unchanged", 1)
    assert len(events(catalogue_db)) == 1


def test_a_change_publishes_updated_with_exactly_the_changed_fields(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    [changed] = upsert(
        catalogue_db,
        provider_id,
        [row(cost_pence=120000, funding="fee", start_dates=["2027-01-11"])],
    ).rows

    assert (changed.outcome, changed.version) == ("updated", 2)
    event_type, payload = events(catalogue_db)[-1]
    assert event_type == "catalogue.course.updated"
    assert sorted(payload["changed_fields"]) == ["cost", "funding", "start_dates"]


def test_bad_rows_are_rejected_with_their_fields_and_good_rows_kept(catalogue_db, provider_id):
    result = upsert(catalogue_db, provider_id, [
        row("A-1"),
        row("A-2", rqf_level=12, qualification_type="Diploma"),
        row("A-3", campus="Nowhere Campus"),
        {"external_ref": "A-4", "colour": "blue"},
        row("A-1", title="duplicate reference in one upload"),
        row("A-5", delivery_mode="online", national=True, campus=None),
    ])  # fmt: skip

    outcomes = [(r.external_ref, r.outcome) for r in result.rows]
    assert outcomes == [("A-1", "created"), ("A-2", "rejected"), ("A-3", "rejected"),
                        ("A-4", "rejected"), ("A-1", "rejected"), ("A-5", "created")]  # fmt: skip
    assert set(result.rows[1].errors) == {"rqf_level", "qualification_type"}
    assert "no campus 'Nowhere Campus'" in result.rows[2].errors["campus"][0]
    assert {"colour", "title"} <= set(result.rows[3].errors)
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 4}
    assert len(events(catalogue_db)) == 2


def test_classroom_course_without_campus_is_rejected_naming_campus(catalogue_db, provider_id):
    [result] = upsert(catalogue_db, provider_id, [row(campus=None)]).rows
    assert result.errors == {"campus": ["required for classroom or blended delivery"]}


def test_draft_publishes_nothing_until_it_is_published(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row(status="draft")])
    assert events(catalogue_db) == []
    upsert(catalogue_db, provider_id, [row()])
    assert [event_type for event_type, _ in events(catalogue_db)] == ["catalogue.course.published"]


def test_unpublishing_to_draft_announces_a_withdrawal(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    upsert(catalogue_db, provider_id, [row(status="draft")])
    assert events(catalogue_db)[-1][0] == "catalogue.course.withdrawn"


def test_stale_expected_version_raises_and_changes_nothing(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    fields = {k: v for k, v in row(title="New title").items() if k != "external_ref"}
    from services.catalogue.course_rows import CourseFields

    with catalogue_db.session_scope() as session:
        courses.upsert_course(session, provider_id, "PC-ENG-3", CourseFields().load(fields), 1)
    with catalogue_db.session_scope() as session, pytest.raises(courses.VersionConflict) as raised:
        courses.upsert_course(session, provider_id, "PC-ENG-3", CourseFields().load(fields), 1)
    assert raised.value.current == 2


def test_withdrawing_twice_announces_once_and_keeps_the_course(catalogue_db, provider_id):
    [created] = upsert(catalogue_db, provider_id, [row()]).rows
    for _ in range(2):
        with catalogue_db.session_scope() as session:
            courses.withdraw_course(session, provider_id, "PC-ENG-3")

    assert [t for t, _ in events(catalogue_db)].count("catalogue.course.withdrawn") == 1
    with catalogue_db.session_scope() as session:
        course = session.get(Course, created.course_id)
        assert course.status == "withdrawn"
        assert course.withdrawn_at is not None


def test_republishing_a_withdrawn_course_announces_it_again(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    with catalogue_db.session_scope() as session:
        courses.withdraw_course(session, provider_id, "PC-ENG-3")
    [again] = upsert(catalogue_db, provider_id, [row()]).rows

    assert again.outcome == "updated"
    assert events(catalogue_db)[-1][0] == "catalogue.course.published"


def test_a_provider_cannot_reach_another_providers_course(catalogue_db, provider_id):
    upsert(catalogue_db, provider_id, [row()])
    with catalogue_db.session_scope() as session:
        other = Provider(key="runshaw", name="Runshaw College", kind="fe-college")
        session.add(other)
        session.flush()
        with pytest.raises(courses.CatalogueError):
            courses.withdraw_course(session, other.id, "PC-ENG-3")


@pytest.mark.slow
def test_ten_thousand_row_upload_publishes_one_event_per_changed_course(catalogue_db, provider_id):
    rows = [row(f"BULK-{n:05d}", title=f"Course {n}") for n in range(10_000)]
    first = upsert(catalogue_db, provider_id, rows)
    changed = [dict(r, cost_pence=999) if n % 20 == 0 else r for n, r in enumerate(rows)]
    second = upsert(catalogue_db, provider_id, changed)

    assert first.counts["created"] == 10_000
    assert second.counts == {"created": 0, "updated": 500, "unchanged": 9_500, "rejected": 0}
    types = [event_type for event_type, _ in events(catalogue_db)]
    assert types.count("catalogue.course.published") == 10_000
    assert types.count("catalogue.course.updated") == 500
