"""Serving stays fresh without retraining: a new course is ranked from its content's factors,
a new interaction re-scores the learner from their whole history, a learner nobody has met is
matched on their goals and occupation, and the in-memory course index is rebuilt only when the
read model's courses change."""

from __future__ import annotations

import gc
import weakref

import pytest

from services.recommender import read_model
from services.recommender.models import CourseView
from services.recommender.serving import Recommender
from shared.events import utcnow
from tests.integration.recommender.two_sectors import (
    CARE,
    DIGITAL,
    LEARNER,
    fill_and_train,
    publish,
    serving_app,
)


@pytest.fixture
def served(recommender_db, tmp_path, redis_url, redis_client):
    """The two-sector read model (`two_sectors.fill`), a version trained on it, the app."""
    fill_and_train(recommender_db, tmp_path)
    with serving_app(recommender_db, tmp_path, redis_url) as app:
        yield app, recommender_db


def answer(app, learner_id: int, n: int = 10) -> list[dict]:
    response = app.test_client().get(f"/learners/{learner_id}/recommendations?n={n}")
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_a_course_published_after_training_is_ranked_from_its_contents_factors(served):
    app, database = served
    with database.session_scope() as session:
        publish(session, 99, 7, DIGITAL)  # new, nobody has taken it, like the digital courses
        publish(session, 98, 8, CARE)
    items = {i["course_id"]: i for i in answer(app, 3, n=20)}  # a digital learner
    assert 99 in items
    assert 98 in items
    assert items[99]["components"]["collaborative"] > items[98]["components"]["collaborative"]
    assert items[99]["score"] > items[98]["score"]


def collaborative(items: list[dict], care: bool) -> float:
    """Mean collaborative component of the care (or digital) courses in an answer."""
    scores = [i["components"]["collaborative"] for i in items if (i["course_id"] > 10) == care]
    return sum(scores) / len(scores)


def test_a_new_interaction_rescores_the_learner_from_their_whole_history(served):
    app, database = served
    before = answer(app, 2, n=20)
    assert all(i["course_id"] <= 10 for i in before[:4])  # a digital learner: digital courses
    assert collaborative(before, care=True) < collaborative(before, care=False)
    with database.session_scope() as session:  # then turns to care, heavily
        for n, course_id in enumerate((11, 12, 13, 14, 15, 16)):
            read_model.record_interaction(session, 10_000 + n, 2, course_id, "completed", utcnow())
    after = answer(app, 2, n=20)
    assert not {11, 12, 13, 14, 15, 16} & {i["course_id"] for i in after}  # completed: never again
    # the model itself (not only the content profile) now leans to care
    assert collaborative(after, care=True) > collaborative(after, care=False)


def test_a_learner_nobody_has_met_is_matched_on_goals_and_occupation(served):
    app, database = served
    with database.session_scope() as session:
        read_model.record_learner(
            session, 500, {**LEARNER, "goals": {"occupations": ["6145"], "sectors": [],
                                                 "not_sure": False}},
        )  # fmt: skip
        read_model.record_learner(session, 501, {**LEARNER, "occupation_code": "3544"})
    goal = answer(app, 500, n=4)
    assert all(i["course_id"] > 10 for i in goal)  # care courses lead to 6145
    assert all("your goal occupation 6145" in i["reason"] for i in goal)
    assert all(i["components"]["content"] > 0 for i in goal)
    peers = answer(app, 501, n=4)
    assert all(i["course_id"] <= 10 for i in peers)  # what other 3544s took
    for item in peers:
        taken = item["components"]["similar_taken"]
        assert taken > 0
        assert f"{taken} learners in your current occupation took it" in item["reason"]


def test_the_course_index_is_rebuilt_only_when_the_courses_change(served):
    app, database = served
    recommender: Recommender = app.extensions["routeways.recommender"]
    with database.session_scope() as session:
        first = recommender.snapshot(session)
        assert recommender.snapshot(session) is first
        session.add(CourseView(course_id=300, provider_id=1, status="published"))  # no stamp
    with database.session_scope() as session:
        assert recommender.snapshot(session) is first
        read_model.record_course_withdrawn(session, 4, 5, utcnow())
    with database.session_scope() as session:
        fresh = recommender.snapshot(session)
    assert fresh is not first
    assert 4 not in fresh.index.row_of
    assert fresh.model is first.model  # the model is not reloaded for a course change


def test_a_rebuilt_snapshot_is_frozen_out_of_collections_and_the_replaced_one_is_freed(served):
    app, database = served
    recommender: Recommender = app.extensions["routeways.recommender"]
    with database.session_scope() as session:
        first = recommender.snapshot(session)
        read_model.record_course_withdrawn(session, 4, 5, utcnow())
    replaced = weakref.ref(first)
    del first
    with database.session_scope() as session:
        fresh = recommender.snapshot(session)

    assert replaced() is None  # unfrozen and collected at the rebuild, not kept for ever
    assert gc.get_freeze_count() > 0
    assert not any(o is fresh.index for o in gc.get_objects())  # frozen: collections skip it
