"""GET /learners/<id>/recommendations over a trained version: every hard filter holds, at most
two courses per provider, reasons for each, a cold-start answer, and withdrawals at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.recommender import create_app, read_model
from services.recommender.model_store import ModelStore
from services.recommender.models import CourseView, DistrictCentroid
from services.recommender.ranking.algorithms import RankerParams
from services.recommender.training import TrainingRun, train_version
from shared.events import utcnow

PRESTON = (53.7632, -2.7031)
SOON = (date.today() + timedelta(days=30)).isoformat()
SMALL = RankerParams(kind="als", factors=8, iterations=10, bm25=True, num_threads=1)
ATTRIBUTES = {
    "rqf_level": 2,
    "postcode_district": "PR1",
    "age_band": "24+",
    "constraints": {"max_travel_km": 25, "hours_per_week": 12, "budget_pence": 50_000},
}


def course(course_id: int, provider_id: int, **facts) -> CourseView:
    values = {
        "status": "published", "title": f"Course {course_id}", "rqf_level": 2,
        "route_kind": "technical", "delivery_mode": "classroom", "latitude": PRESTON[0] + 0.01,
        "longitude": PRESTON[1], "start_dates": [SOON], "hours_per_week": 6.0,
        "cost_pence": 0, "funding": "fully-funded", "fetched_at": utcnow(), **facts,
    }  # fmt: skip
    return CourseView(course_id=course_id, provider_id=provider_id, **values)


@pytest.fixture
def served(recommender_db, tmp_path, redis_url, redis_client):
    """Twelve eligible courses over three providers, four that no learner here may take,
    sixty learners with histories, and a trained version serving."""
    with recommender_db.session_scope() as session:
        session.add(DistrictCentroid(district="PR1", latitude=PRESTON[0], longitude=PRESTON[1]))
        for course_id in range(1, 13):
            session.add(course(course_id, provider_id=1 + course_id % 3))
        session.add(course(20, 9, latitude=51.5, longitude=-0.12))  # London: too far
        session.add(course(21, 9, rqf_level=6))  # a degree: above what a level 2 learner enters
        session.add(course(22, 9, funding="fee", cost_pence=900_000))  # over budget
        session.add(course(23, 9, hours_per_week=30.0))  # more hours than the learner has
        next_id = 1
        for learner in range(1, 61):
            read_model.record_learner(session, learner, ATTRIBUTES)
            for course_id in {1 + learner % 12, 1 + (learner * 7) % 12, 20, 21}:
                read_model.record_interaction(
                    session, next_id, learner, course_id, "enrolled", utcnow() - timedelta(days=9)
                )
                next_id += 1
        read_model.record_learner(session, 500, ATTRIBUTES)  # no history: cold start
    with recommender_db.session_scope() as session:
        train_version(session, ModelStore(tmp_path), TrainingRun(SMALL))
    app = create_app(
        {
            "database_url": str(recommender_db.engine.url),
            "redis_url": redis_url,
            "models_dir": str(tmp_path),
        }
    )
    yield app.test_client(), recommender_db
    app.extensions["routeways.db"].dispose()


def test_answers_only_courses_the_learner_can_take_at_most_two_per_provider(served):
    client, _ = served
    answer = client.get("/learners/5/recommendations?n=6")
    assert answer.status_code == 200, answer.json
    items = answer.json["items"]
    ids = [item["course_id"] for item in items]
    assert len(ids) == 6
    assert not set(ids) & {20, 21, 22, 23}
    providers = [item["provider_id"] for item in items]
    assert max(providers.count(p) for p in providers) <= 2
    assert answer.json["model_version"]
    assert all(item["reason"].startswith("Suggested because") for item in items)
    assert all(item["distance_km"] is not None and item["distance_km"] < 25 for item in items)


def test_a_learner_the_model_has_not_met_still_gets_popular_courses_they_can_take(served):
    client, _ = served
    items = client.get("/learners/500/recommendations?n=3").json["items"]
    assert len(items) == 3
    assert all(item["components"]["collaborative"] == 0.0 for item in items)
    assert all("took it" in item["reason"] for item in items)


def test_a_completed_or_dismissed_course_is_never_suggested_again(served):
    client, database = served
    first = client.get("/learners/7/recommendations?n=1").json["items"][0]["course_id"]
    with database.session_scope() as session:
        read_model.record_interaction(session, 9_000, 7, first, "dismissed", utcnow())
    again = [i["course_id"] for i in client.get("/learners/7/recommendations?n=12").json["items"]]
    assert first not in again


def test_a_withdrawn_course_is_gone_on_the_very_next_request(served):
    client, database = served
    top = client.get("/learners/8/recommendations?n=1").json["items"][0]["course_id"]
    with database.session_scope() as session:
        read_model.record_course_withdrawn(session, top, session.get(CourseView, top).provider_id,
                                           datetime.now(UTC))  # fmt: skip
    after = [i["course_id"] for i in client.get("/learners/8/recommendations?n=12").json["items"]]
    assert top not in after


def test_the_query_narrows_travel_and_delivery_and_bad_values_are_named(served):
    client, _ = served
    near = client.get("/learners/5/recommendations?max_km=0.5&n=10").json["items"]
    assert near == []  # every campus is about 1.1 km from the district's centre
    online = client.get("/learners/5/recommendations?mode=online").json["items"]
    assert online == []
    bad = client.get("/learners/5/recommendations?n=0&mode=teleport")
    assert bad.status_code == 422
    assert {row["field"] for row in bad.json["errors"]} == {"n", "mode"}


def test_an_unknown_learner_is_404(served):
    client, _ = served
    assert client.get("/learners/99999/recommendations").status_code == 404


def test_asking_for_a_mode_the_learner_does_not_take_answers_nothing_rather_than_everything(
    served,
):
    client, database = served
    with database.session_scope() as session:
        constraints = {**ATTRIBUTES["constraints"], "delivery_modes": ["online"]}
        read_model.record_learner(session, 5, {"constraints": constraints})
    assert client.get("/learners/5/recommendations?mode=classroom").json["items"] == []
    assert client.get("/learners/5/recommendations?mode=online").json["items"] == []  # none


def test_recommendations_answer_while_a_write_transaction_is_open(served):
    """A GET writes nothing, so it must not wait behind a consumer's batch (on SQLite: the
    write lock) and reads what was committed before it."""
    client, database = served
    before = client.get("/learners/7/recommendations?n=3").json["items"]
    with database.session_scope() as writer:
        read_model.record_interaction(writer, 9_100, 7, before[0]["course_id"], "dismissed",
                                      utcnow())  # fmt: skip
        writer.flush()  # the write lock is held until this block commits

        during = client.get("/learners/7/recommendations?n=3")

        assert during.status_code == 200, during.json
        assert during.json["items"] == before  # the uncommitted dismissal is not seen yet
