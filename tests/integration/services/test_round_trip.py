"""One real round trip: a course a provider puts through the catalogue API with its key reaches
the recommender's read model over the real bus (outbox, relay, Redis stream, consumer group,
inbox), and so does its withdrawal."""

from __future__ import annotations

from services.recommender.models import CourseView
from tests.integration.bus.conftest import drain, make_consumer, make_relay
from tests.integration.web.conftest import ADMIN_TOKEN, issue_key, make_app, register_provider

CAMPUS = {"name": "Preston", "postcode": "PR1 2HE", "latitude": 53.764, "longitude": -2.709}


def test_course_put_by_its_provider_arrives_in_the_recommender(
    database_url, recommender_db, redis_url, redis_client
):
    catalogue = make_app("catalogue", database_url, redis_url, admin_token=ADMIN_TOKEN)
    client = catalogue.test_client()
    provider = register_provider(
        client, key="uclan", name="University of Central Lancashire", kind="university",
        campuses=[CAMPUS],
    )  # fmt: skip
    key = {"X-API-Key": issue_key(client, provider["id"])}
    course_url = f"/providers/{provider['id']}/courses/UCLAN-CYB-6"
    course = client.put(
        course_url,
        headers=key,
        json={
            "title": "BSc (Hons) Cyber Security",
            "qualification_type": "Bachelor's degree",
            "rqf_level": 6,
            "route_kind": "academic",
            "sector": "Digital",
            "campus": "Preston",
        },
    ).json
    assert client.delete(course_url, headers=key).status_code == 200

    relay = make_relay(catalogue.extensions["routeways.db"], redis_client)
    assert relay.run_once() == 2
    consumer = make_consumer(recommender_db, redis_client)
    consumer.setup()
    assert drain(consumer) == 2

    with recommender_db.session_scope() as session:
        view = session.get(CourseView, course["id"])
        assert (view.provider_id, view.status) == (provider["id"], "withdrawn")
    catalogue.extensions["routeways.db"].dispose()
