"""One real round trip: a course added through the catalogue API reaches the recommender's read
model over the real bus (outbox, relay, Redis stream, consumer group, inbox)."""

from __future__ import annotations

from services.recommender.models import CourseView
from tests.integration.bus.conftest import drain, make_consumer, make_relay
from tests.integration.web.conftest import make_app


def test_course_posted_to_the_catalogue_arrives_in_the_recommender(
    database_url, recommender_db, redis_url, redis_client
):
    catalogue = make_app("catalogue", database_url, redis_url)
    client = catalogue.test_client()
    provider = client.post(
        "/providers",
        json={"key": "uclan", "name": "University of Central Lancashire", "kind": "university"},
    ).json
    course = client.post(
        "/courses",
        json={
            "provider_id": provider["id"],
            "external_ref": "UCLAN-CYB-6",
            "title": "BSc (Hons) Cyber Security",
            "qualification_type": "Bachelor's degree",
            "rqf_level": 6,
            "route_kind": "academic",
            "sector": "Digital",
        },
    ).json
    client.put(f"/courses/{course['id']}/withdrawal")

    relay = make_relay(catalogue.extensions["routeways.db"], redis_client)
    assert relay.run_once() == 2
    consumer = make_consumer(recommender_db, redis_client)
    consumer.setup()
    assert drain(consumer) == 2

    with recommender_db.session_scope() as session:
        view = session.get(CourseView, course["id"])
        assert (view.provider_id, view.status) == (provider["id"], "withdrawn")
    catalogue.extensions["routeways.db"].dispose()
