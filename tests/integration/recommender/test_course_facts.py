"""Course facts in the recommender's read model, on SQLite and PostgreSQL: course events send
`recommender.fetch_course` only once the handler's transaction commits, the task reads
`GET /courses/<id>` from a catalogue served over real HTTP and keeps the facts the hard filters
need, a withdrawal takes the course out at once without asking anyone, and a 404 unpublishes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.recommender import read_model
from services.recommender.catalogue_client import CatalogueUnavailable
from services.recommender.course_facts import from_catalogue
from services.recommender.feasibility import CourseTable, LearnerLimits, feasible
from services.recommender.handlers import (
    on_course_published,
    on_course_updated,
    on_course_withdrawn,
)
from services.recommender.models import CourseView
from services.recommender.tasks import fetch_course
from shared.embedded_redis import free_port
from shared.events import make_event
from tests.integration.recommender.catalogue_for_facts import NEXT, course_row, queued_tasks

pytest_plugins = ["tests.integration.recommender.catalogue_for_facts"]


def course_event(kind: str, course_id: int, provider_id: int, changed=("title",)):
    payload = {"course_id": course_id, "provider_id": provider_id}
    if kind != "withdrawn":
        payload["changed_fields"] = list(changed)
    return make_event(f"catalogue.course.{kind}", 1, payload, producer="catalogue")


def handle(database, handler, event) -> None:
    with database.session_scope() as session:
        handler(event, session)


def view(database, course_id: int) -> CourseView | None:
    with database.session_scope() as session:
        return session.get(CourseView, course_id)


# --- the fetch task ----------------------------------------------------------------------------


def test_a_published_course_gets_its_facts_from_the_catalogue(recommender_worker, seeded_catalogue):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    handle(recommender_worker, on_course_published,
           course_event("published", course_id, seeded_catalogue.provider_id))  # fmt: skip

    assert fetch_course(course_id) == "stored"

    stored = view(recommender_worker, course_id)
    assert stored.status == "published"
    assert (stored.provider_id, stored.title) == (seeded_catalogue.provider_id, "Course NURSE")
    assert (stored.rqf_level, stored.route_kind, stored.sector) == (3, "academic", "Health")
    assert stored.qualification_type == "Access to HE"
    assert sorted(stored.skills) == ["academic writing", "anatomy"]
    assert stored.occupations == ["2221.1"]
    assert stored.entry_requirements["min_level"] == 2
    assert (stored.delivery_mode, stored.national) == ("classroom", False)
    assert (stored.latitude, stored.longitude) == pytest.approx((53.759, -2.699))
    assert stored.start_dates == [f"{NEXT}-01-11", f"{NEXT}-09-06"]
    assert (stored.duration_weeks, stored.hours_per_week) == (36, 9.5)
    assert (stored.cost_pence, stored.funding) == (250_000, "loan-eligible")
    assert stored.catalogue_version == 1
    assert stored.fetched_at is not None
    assert seeded_catalogue.http.paths == [f"/courses/{course_id}"]


def test_fetching_twice_keeps_the_same_facts(recommender_worker, seeded_catalogue):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    fetch_course(course_id)
    first = view(recommender_worker, course_id)

    assert fetch_course(course_id) == "stored"

    again = view(recommender_worker, course_id)
    assert (again.title, again.cost_pence, again.catalogue_version) == (
        first.title, first.cost_pence, first.catalogue_version,
    )  # fmt: skip
    with recommender_worker.session_scope() as session:
        assert session.scalars(select(CourseView.course_id)).all() == [course_id]


def test_an_updated_course_is_read_again(recommender_worker, seeded_catalogue):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    fetch_course(course_id)
    seeded_catalogue.upsert(course_row("NURSE", cost_pence=99_000, funding="fee"))
    handle(recommender_worker, on_course_updated,
           course_event("updated", course_id, seeded_catalogue.provider_id, ["cost"]))  # fmt: skip

    fetch_course(course_id)

    stored = view(recommender_worker, course_id)
    assert (stored.cost_pence, stored.funding, stored.catalogue_version) == (99_000, "fee", 2)
    assert stored.changed_fields == ["cost"]


def test_an_online_national_course_has_no_campus(recommender_worker, seeded_catalogue):
    row = course_row("ONLINE", campus=None, delivery_mode="online", national=True, start_dates=[])
    course_id = seeded_catalogue.upsert(row)["ONLINE"]

    fetch_course(course_id)

    stored = view(recommender_worker, course_id)
    assert (stored.latitude, stored.longitude, stored.national) == (None, None, True)
    assert stored.start_dates == []


def test_a_course_the_catalogue_no_longer_shows_is_unpublished(
    recommender_worker, seeded_catalogue
):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    fetch_course(course_id)
    seeded_catalogue.upsert(course_row("NURSE", status="draft"))  # drafts are not public: 404

    assert fetch_course(course_id) == "unpublished"

    assert view(recommender_worker, course_id).status == "unpublished"
    with recommender_worker.session_scope() as session:
        assert read_model.feasibility_facts(session) == []


def test_a_404_for_a_course_never_heard_of_stores_nothing(recommender_worker, seeded_catalogue):
    assert fetch_course(987_654) == "unknown-course"

    assert view(recommender_worker, 987_654) is None


def test_a_withdrawn_course_fetched_says_withdrawn(recommender_worker, seeded_catalogue):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    seeded_catalogue.withdraw("NURSE")  # GET /courses/<id> still answers, with its status

    assert fetch_course(course_id) == "stored"

    assert view(recommender_worker, course_id).status == "withdrawn"


def test_the_task_raises_for_a_retry_when_the_catalogue_cannot_be_reached(
    recommender_worker, monkeypatch
):
    monkeypatch.setenv("ROUTEWAYS_CATALOGUE_URL", f"http://127.0.0.1:{free_port()}")

    with pytest.raises(CatalogueUnavailable):
        fetch_course(1)


def test_the_task_is_registered_with_the_worker_by_name():
    from shared.tasks import TASK_MODULES, celery

    assert "services.recommender.tasks" in TASK_MODULES
    assert celery.tasks["recommender.fetch_course"].run is fetch_course.run
    assert fetch_course.acks_late
    assert CatalogueUnavailable in fetch_course.autoretry_for


# --- the handlers ------------------------------------------------------------------------------


def test_a_published_event_sends_the_fetch_only_after_commit(recommender_db, redis_client):
    with recommender_db.sessions() as session:
        on_course_published(course_event("published", 41, 7), session)
        session.rollback()
    assert queued_tasks(redis_client) == []

    with recommender_db.sessions() as session:
        on_course_published(course_event("published", 42, 7), session)
        assert queued_tasks(redis_client) == []  # not before the commit
        session.commit()

    assert queued_tasks(redis_client) == [("recommender.fetch_course", "(42,)")]
    assert view(recommender_db, 42).status == "published"
    assert view(recommender_db, 42).fetched_at is None  # not recommended until the facts land
    assert view(recommender_db, 41) is None


def test_an_updated_event_sends_the_fetch_after_commit(recommender_db, redis_client):
    handle(recommender_db, on_course_updated, course_event("updated", 43, 7, ["cost"]))

    assert queued_tasks(redis_client) == [("recommender.fetch_course", "(43,)")]


def test_a_withdrawal_takes_the_course_out_at_once_without_asking_the_catalogue(
    recommender_worker, seeded_catalogue, redis_client
):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    fetch_course(course_id)
    with recommender_worker.session_scope() as session:
        assert [f.course_id for f in read_model.feasibility_facts(session)] == [course_id]
    seeded_catalogue.http.paths.clear()
    redis_client.delete("celery")

    handle(recommender_worker, on_course_withdrawn,
           course_event("withdrawn", course_id, seeded_catalogue.provider_id))  # fmt: skip

    assert view(recommender_worker, course_id).status == "withdrawn"
    with recommender_worker.session_scope() as session:
        assert read_model.feasibility_facts(session) == []
    assert seeded_catalogue.http.paths == []
    # no fetch: only the learners showing it are told, after the commit
    assert queued_tasks(redis_client) == [("recommender.announce_course_change", f"({course_id},)")]


def test_facts_read_before_a_withdrawal_never_bring_the_course_back(
    recommender_worker, seeded_catalogue
):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    early = from_catalogue(seeded_catalogue.client().course(course_id))  # read, not yet stored
    seeded_catalogue.withdraw("NURSE")
    handle(recommender_worker, on_course_withdrawn,
           course_event("withdrawn", course_id, seeded_catalogue.provider_id))  # fmt: skip

    with recommender_worker.session_scope() as session:
        outcome = read_model.store_course_facts(session, early, early["catalogue_updated_at"])

    assert outcome == "stale"
    assert view(recommender_worker, course_id).status == "withdrawn"


def test_a_published_event_older_than_the_withdrawal_changes_nothing(recommender_db, redis_client):
    published = course_event("published", 44, 7)
    withdrawn = replace(course_event("withdrawn", 44, 7),
                        occurred_at=published.occurred_at + timedelta(seconds=1))  # fmt: skip
    handle(recommender_db, on_course_withdrawn, withdrawn)
    redis_client.delete("celery")

    handle(recommender_db, on_course_published, published)  # redelivered late

    assert view(recommender_db, 44).status == "withdrawn"
    assert queued_tasks(redis_client) == []


def test_a_course_republished_after_its_withdrawal_is_published_again(
    recommender_worker, seeded_catalogue
):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    seeded_catalogue.withdraw("NURSE")
    handle(recommender_worker, on_course_withdrawn,
           course_event("withdrawn", course_id, seeded_catalogue.provider_id))  # fmt: skip
    seeded_catalogue.upsert(course_row("NURSE", title="Access to HE (Nursing)"))
    handle(recommender_worker, on_course_published,
           course_event("published", course_id, seeded_catalogue.provider_id))  # fmt: skip

    assert fetch_course(course_id) == "stored"

    stored = view(recommender_worker, course_id)
    assert (stored.status, stored.title) == ("published", "Access to HE (Nursing)")


def test_an_answer_for_an_older_catalogue_version_is_not_kept(recommender_worker, seeded_catalogue):
    course_id = seeded_catalogue.upsert(course_row("NURSE"))["NURSE"]
    old = from_catalogue(seeded_catalogue.client().course(course_id))
    seeded_catalogue.upsert(course_row("NURSE", hours_per_week=4))
    fetch_course(course_id)

    kept_at = view(recommender_worker, course_id).fetched_at

    with recommender_worker.session_scope() as session:
        outcome = read_model.store_course_facts(session, old, kept_at)

    assert outcome == "stale"
    assert view(recommender_worker, course_id).hours_per_week == 4


# --- from the read model to the hard filters ---------------------------------------------------


def test_stored_facts_feed_the_hard_filters(recommender_worker, seeded_catalogue):
    ids = seeded_catalogue.upsert(
        course_row("NEAR"),
        course_row("FAR", campus="Lancaster"),
        course_row("DEGREE", rqf_level=6, qualification_type="Bachelor's degree"),
        course_row("ONLINE", campus=None, delivery_mode="online", national=True),
    )
    for course_id in ids.values():
        fetch_course(course_id)
    learner = LearnerLimits.from_attributes(
        {"rqf_level": 2, "age_band": "24+",
         "constraints": {"max_travel_km": 20, "budget_pence": 0}},
        centroid=(53.754842, -2.708077),
    )  # fmt: skip

    with recommender_worker.session_scope() as session:
        table = CourseTable.from_courses(read_model.feasibility_facts(session))
    answer = feasible(table, learner, date(NEXT - 1, 12, 1))

    assert sorted(answer.course_ids.tolist()) == sorted([ids["NEAR"], ids["ONLINE"]])
