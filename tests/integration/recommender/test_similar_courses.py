"""GET /courses/<id>/similar: courses learners took together and courses sharing content, only
published ones, never the course itself, with reasons that cite only what is shared."""

from __future__ import annotations

import pytest

from services.recommender import read_model
from shared.events import utcnow
from tests.integration.recommender.two_sectors import CARE, fill_and_train, publish, serving_app


@pytest.fixture
def client(recommender_db, tmp_path, redis_url, redis_client):
    fill_and_train(recommender_db, tmp_path)
    with serving_app(recommender_db, tmp_path, redis_url) as app:
        yield app.test_client(), recommender_db


def similar(client, course_id: int, n: int = 8) -> list[dict]:
    answer = client.get(f"/courses/{course_id}/similar?n={n}")
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def test_a_digital_course_is_most_like_the_other_digital_courses(client):
    http, _ = client
    items = similar(http, 3)
    ids = [i["course_id"] for i in items]
    assert 3 not in ids
    assert all(c <= 10 for c in ids)  # learners took digital courses together; same content
    assert all(i["collaborative"] > 0 for i in items[:3])
    assert all("skill:coding" in i["shared"] for i in items)
    assert all("it also teaches coding, data" in i["reason"] for i in items)


def test_a_course_published_after_training_has_neighbours_through_its_content(client):
    http, database = client
    with database.session_scope() as session:
        publish(session, 99, 7, CARE)
    items = similar(http, 99, n=5)
    assert items
    assert all(10 < i["course_id"] <= 20 for i in items)


def test_withdrawn_courses_are_never_answered_and_an_unpublished_course_is_404(client):
    http, database = client
    neighbour = similar(http, 3)[0]["course_id"]
    with database.session_scope() as session:
        read_model.record_course_withdrawn(session, neighbour, 1 + neighbour % 5, utcnow())
    assert neighbour not in [i["course_id"] for i in similar(http, 3, n=20)]
    assert http.get(f"/courses/{neighbour}/similar").status_code == 404
    assert http.get("/courses/424242/similar").status_code == 404
    bad = http.get("/courses/3/similar?n=0")
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json["errors"]] == ["n"]
