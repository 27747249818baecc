"""Learners' postcode districts located through the catalogue, on SQLite and PostgreSQL: a
learner event naming a district not yet asked about sends `recommender.fetch_district_centroid`
after commit, the task keeps the centroid `GET /postcodes/<district>` answers (or that there is
none), and a new taxonomy has the unknown districts asked about again."""

from __future__ import annotations

import pytest

from services.recommender import read_model
from services.recommender.handlers import on_learner_changed, on_taxonomy_updated
from services.recommender.tasks import fetch_district_centroid
from shared.events import make_event
from tests.integration.recommender.catalogue_for_facts import queued_tasks

pytest_plugins = ["tests.integration.recommender.catalogue_for_facts"]


def learner_registered(learner_id: int, district: str | None):
    return make_event(
        "profile.learner.registered",
        1,
        {
            "learner_id": learner_id,
            "changed_fields": ["postcode_district"],
            "attributes": {"postcode_district": district, "rqf_level": 2},
        },
        producer="profile",
    )


def handle(database, handler, event) -> None:
    with database.session_scope() as session:
        handler(event, session)


def centroid(database, district: str):
    with database.session_scope() as session:
        return read_model.district_centroid(session, district)


def test_the_task_keeps_the_centroid_the_catalogue_answers(recommender_worker, seeded_catalogue):
    assert fetch_district_centroid("PR1") == "known"

    assert centroid(recommender_worker, "PR1") == pytest.approx((53.754842, -2.708077))
    assert seeded_catalogue.http.paths == ["/postcodes/PR1"]


def test_a_district_is_asked_about_once(recommender_worker, seeded_catalogue):
    fetch_district_centroid("PR1")

    assert fetch_district_centroid("PR1") == "already-known"

    assert seeded_catalogue.http.paths == ["/postcodes/PR1"]


def test_a_district_the_catalogue_does_not_know_is_kept_as_unknown(
    recommender_worker, seeded_catalogue
):
    assert fetch_district_centroid("ZZ9") == "not-found"

    assert centroid(recommender_worker, "ZZ9") is None
    with recommender_worker.session_scope() as session:
        assert read_model.district_known(session, "ZZ9")


def test_a_learner_naming_a_new_district_sends_the_lookup_only_after_commit(
    recommender_db, redis_client
):
    with recommender_db.sessions() as session:
        on_learner_changed(learner_registered(1, "PR1"), session)
        assert queued_tasks(redis_client) == []
        session.rollback()
    assert queued_tasks(redis_client) == []

    handle(recommender_db, on_learner_changed, learner_registered(1, "PR1"))

    assert queued_tasks(redis_client) == [("recommender.fetch_district_centroid", "('PR1', 1)")]


def test_a_district_already_located_is_not_asked_about_again(
    recommender_worker, seeded_catalogue, redis_client
):
    fetch_district_centroid("PR1")

    handle(recommender_worker, on_learner_changed, learner_registered(2, "PR1"))
    handle(recommender_worker, on_learner_changed, learner_registered(3, None))

    assert queued_tasks(redis_client) == []


def test_a_new_taxonomy_has_unknown_districts_asked_about_again(
    recommender_worker, seeded_catalogue, redis_client
):
    fetch_district_centroid("ZZ9")
    fetch_district_centroid("PR1")
    taxonomy = make_event("catalogue.taxonomy.updated", 1,
                          {"version": "v2", "counts": {"postcode_districts": 3}},
                          producer="catalogue")  # fmt: skip

    handle(recommender_worker, on_taxonomy_updated, taxonomy)
    handle(recommender_worker, on_learner_changed, learner_registered(4, "ZZ9"))

    assert sorted(queued_tasks(redis_client)) == [
        ("recommender.fetch_district_centroid", "('ZZ9', 4)"),
        ("recommender.fetch_taxonomy", "('v2',)"),  # the occupations are copied too
    ]
    assert centroid(recommender_worker, "PR1") is not None


def test_the_district_task_is_registered_with_the_worker_by_name():
    from shared.tasks import celery

    assert celery.tasks["recommender.fetch_district_centroid"].run is fetch_district_centroid.run
    assert fetch_district_centroid.acks_late
