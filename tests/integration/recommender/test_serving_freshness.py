"""Serving stays fresh without retraining: a new course is ranked from its content's factors,
a new interaction re-scores the learner from their whole history, a learner nobody has met is
matched on their goals and occupation, and the in-memory course index is rebuilt only when the
read model's courses change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.recommender import create_app, read_model
from services.recommender.model_store import ModelStore
from services.recommender.models import CourseView
from services.recommender.ranking.algorithms import RankerParams
from services.recommender.serving import Recommender
from services.recommender.training import TrainingRun, train_version
from shared.events import utcnow

SOON = (date.today() + timedelta(days=30)).isoformat()
SMALL = RankerParams(kind="als", factors=16, iterations=15, bm25=True, num_threads=1)
DIGITAL = {"sector": "Digital", "skills": ["coding", "data"], "occupations": ["2136"]}
CARE = {"sector": "Health and care", "skills": ["care", "first aid"], "occupations": ["6145"]}
LEARNER = {"rqf_level": 2, "age_band": "24+", "constraints": {}}


def facts(course_id: int, provider_id: int, content: dict) -> dict:
    """A course as the catalogue's answer is stored (online, free, starting soon)."""
    return {
        "course_id": course_id, "provider_id": provider_id, "status": "published",
        "title": f"Course {course_id}", "qualification_type": "Short course", "rqf_level": 2,
        "route_kind": "technical", "entry_requirements": {}, "delivery_mode": "online",
        "national": True, "latitude": None, "longitude": None, "start_dates": [SOON],
        "duration_weeks": 10, "hours_per_week": 4.0, "cost_pence": 0,
        "funding": "fully-funded", "catalogue_version": 1, "catalogue_updated_at": utcnow(),
        **content,
    }  # fmt: skip


def publish(session, course_id: int, provider_id: int, content: dict) -> None:
    read_model.record_course_published(session, course_id, provider_id, ["title"], utcnow())
    read_model.store_course_facts(session, facts(course_id, provider_id, content), utcnow())


@pytest.fixture
def served(recommender_db, tmp_path, redis_url, redis_client):
    """Digital courses 1-10 and care courses 11-20 over five providers; learners 1-40 take
    digital courses, 41-80 care ones (with their occupations); a version trained on them."""
    with recommender_db.session_scope() as session:
        for course_id in range(1, 21):
            publish(session, course_id, 1 + course_id % 5, DIGITAL if course_id <= 10 else CARE)
        interaction = 1
        for learner in range(1, 81):
            digital = learner <= 40
            occupation = "3544" if digital else "6146"
            read_model.record_learner(session, learner, {**LEARNER, "occupation_code": occupation})
            base = 1 if digital else 11
            for step in (0, 3, 7):
                course_id = base + (learner + step) % 10
                read_model.record_interaction(
                    session, interaction, learner, course_id, "enrolled",
                    utcnow() - timedelta(days=20),
                )  # fmt: skip
                interaction += 1
    with recommender_db.session_scope() as session:
        train_version(session, ModelStore(tmp_path), TrainingRun(SMALL))
    app = create_app(
        {"database_url": str(recommender_db.engine.url), "redis_url": redis_url,
         "models_dir": str(tmp_path)}
    )  # fmt: skip
    yield app, recommender_db
    app.extensions["routeways.db"].dispose()


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
