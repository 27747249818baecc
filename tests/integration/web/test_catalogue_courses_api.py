"""The catalogue's course API: valid courses stored with their event, bad input a clear 4xx."""

from __future__ import annotations

from sqlalchemy import select

from services.catalogue.models import OutboxEvent

COURSE = {
    "external_ref": "PC-DIG-01",
    "title": "T Level in Digital Production, Design and Development",
    "qualification_type": "T Level",
    "rqf_level": 3,
    "route_kind": "technical",
    "sector": "Digital",
}


def add_provider(client) -> int:
    response = client.post(
        "/providers",
        json={
            "key": "prestons-college",
            "name": "Preston's College",
            "kind": "fe-college",
            "ukprn": "10005204",
        },
    )
    assert response.status_code == 201
    return response.json["id"]


def test_posting_a_course_stores_it_and_records_its_published_event(
    catalogue_client, catalogue_app
):
    provider_id = add_provider(catalogue_client)
    response = catalogue_client.post("/courses", json={**COURSE, "provider_id": provider_id})

    assert response.status_code == 201
    course = response.json
    assert course["status"] == "published"
    assert catalogue_client.get(f"/courses/{course['id']}").json["title"] == COURSE["title"]
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        [event] = session.scalars(select(OutboxEvent)).all()
    assert event.type == "catalogue.course.published"
    assert event.payload["course_id"] == course["id"]
    assert event.published_at is None  # the relay sends it


def test_invalid_course_is_a_422_problem_naming_each_field_and_reason(catalogue_client):
    provider_id = add_provider(catalogue_client)
    response = catalogue_client.post(
        "/courses",
        json={
            **COURSE,
            "provider_id": provider_id,
            "rqf_level": 11,
            "qualification_type": "Diploma",
        },
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {error["field"]: error["reason"] for error in response.json["errors"]}
    assert set(fields) == {"rqf_level", "qualification_type"}
    assert "less than or equal to 8" in fields["rqf_level"]


def test_malformed_json_is_a_400_problem_not_a_500(catalogue_client):
    response = catalogue_client.post("/courses", data=b"{title:", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_json_of_the_wrong_shape_is_a_422_problem(catalogue_client):
    response = catalogue_client.post("/courses", json=["not", "an", "object"])
    assert response.status_code == 422
    assert response.json["errors"]


def test_course_for_an_unknown_provider_names_provider_id(catalogue_client):
    response = catalogue_client.post("/courses", json={**COURSE, "provider_id": 999})
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"location": "json", "field": "provider_id", "reason": "no provider 999"}
    ]


def test_second_course_with_the_same_external_ref_is_a_409_conflict(catalogue_client):
    provider_id = add_provider(catalogue_client)
    catalogue_client.post("/courses", json={**COURSE, "provider_id": provider_id})
    response = catalogue_client.post("/courses", json={**COURSE, "provider_id": provider_id})
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "external_ref"


def test_withdrawing_twice_records_one_withdrawn_event(catalogue_client, catalogue_app):
    provider_id = add_provider(catalogue_client)
    course_id = catalogue_client.post("/courses", json={**COURSE, "provider_id": provider_id}).json[
        "id"
    ]

    assert catalogue_client.put(f"/courses/{course_id}/withdrawal").json["status"] == "withdrawn"
    assert catalogue_client.put(f"/courses/{course_id}/withdrawal").status_code == 200
    with catalogue_app.extensions["routeways.db"].session_scope() as session:
        types = session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.seq)).all()
    assert types == ["catalogue.course.published", "catalogue.course.withdrawn"]


def test_unknown_course_is_a_404_problem(catalogue_client):
    response = catalogue_client.get("/courses/12345")
    assert response.status_code == 404
    assert "no course 12345" in response.json["detail"]


def test_bad_query_arguments_are_a_422_problem_naming_the_query_field(catalogue_client):
    response = catalogue_client.get("/courses?limit=0&status=lost")
    assert response.status_code == 422
    located = {(e["location"], e["field"]) for e in response.json["errors"]}
    assert located == {("query", "limit"), ("query", "status")}
