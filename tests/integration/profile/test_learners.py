"""Learner registration, self-service through signed links, export and the profile's events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.profile.models import ErasedLearner, Learner, OutboxEvent
from shared.links import make_token
from tests.integration.conftest import ADMIN_TOKEN, bearer, new_learner, register

ADMIN = bearer(ADMIN_TOKEN)


def events(app, event_type: str) -> list[dict]:
    with app.extensions["routeways.db"].session_scope() as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == event_type).order_by(OutboxEvent.seq)
        )
        return [row.payload for row in rows]


def count_learners(app) -> int:
    with app.extensions["routeways.db"].session_scope() as session:
        return session.scalar(select(func.count()).select_from(Learner))


def problem_fields(response) -> dict[str, str]:
    return {row["field"]: row["reason"] for row in response.json["errors"]}


def test_registration_answers_the_profile_with_its_age_band_and_a_manage_token(profile_client):
    body = register(profile_client)
    assert body["age_band"] == "24+"
    assert body["postcode"] == "PR1 2HE"
    assert body["consent"]["share_with_adviser"] is True
    own = profile_client.get(f"/learners/{body['id']}", headers=bearer(body["manage_token"]))
    assert own.status_code == 200, own.json
    assert own.json["goals"] == {
        "occupations": ["2221.1"],
        "sectors": ["Health and science"],
        "not_sure": False,
    }
    assert own.json["constraints"]["earliest_start"] == "2027-01-04"


def test_registration_announces_coarse_attributes_and_no_identity(profile_app, profile_client):
    learner = register(profile_client, email="Sam.Jones@Example.org", postcode="pr12he")
    [payload] = events(profile_app, "profile.learner.registered")
    assert payload["learner_id"] == learner["id"]
    text = str(payload)
    for personal in ("Aisha", "sam.jones", "1988", "2HE"):
        assert personal.lower() not in text.lower()
    assert payload["attributes"]["postcode_district"] == "PR1"
    assert payload["attributes"]["age_band"] == "24+"


@pytest.mark.parametrize(
    ("fields", "field", "reason_part"),
    [
        ({"email": "not-an-email"}, "email", "email"),
        ({"postcode": "PR1 2H"}, "postcode", "UK postcode"),
        ({"postcode": "ZZ9 9ZZ"}, "postcode", "district ZZ9"),
        ({"rqf_level": 9}, "rqf_level", "less than or equal"),
        ({"rqf_level": "3"}, "rqf_level", "integer"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "at least 16"),
        ({"age_band": "24+"}, "age_band", "not both"),
        ({"occupation_code": "9999.9"}, "occupation_code", "unknown occupation"),
        ({"goals": {"occupations": ["2512.4", "0000.0"]}}, "goals.occupations.1", "unknown"),
        ({"goals": {"sectors": ["Astrology"]}}, "goals.sectors.0", "unknown sector"),
        ({"skills": [{"skill": "urn:nope", "level": 2}]}, "skills.0.skill", "unknown skill"),
        ({"skills": [{"skill": "urn:nope", "level": 9}]}, "skills.0.level", "less than or equal"),
        ({"constraints": {"delivery_modes": ["telepathy"]}}, "constraints.delivery_modes.0", ""),
        (
            {"constraints": {"hours_per_week": 0}},
            "constraints.hours_per_week",
            "greater than or equal",
        ),
        ({"consent": {"frequency": "hourly"}}, "consent.frequency", "one of"),
        ({"employment_status": "astronaut"}, "employment_status", "one of"),
        ({"route_preference": "sideways"}, "route_preference", "one of"),
        ({"surprise": 1}, "surprise", "Unknown"),
    ],
)
def test_bad_registration_names_the_field_and_stores_nothing(
    profile_app, profile_client, fields, field, reason_part
):
    response = profile_client.post("/learners", json=new_learner(**fields))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    reasons = problem_fields(response)
    assert field in reasons, reasons
    assert reason_part.lower() in reasons[field].lower()
    assert count_learners(profile_app) == 0
    assert events(profile_app, "profile.learner.registered") == []


def test_a_registered_email_is_refused_whatever_its_case(profile_client):
    register(profile_client)
    again = profile_client.post("/learners", json=new_learner(email="AISHA.KHAN@example.org"))
    assert again.status_code == 409
    assert "email" in problem_fields(again)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b"null", b'"text"', b"123", b'{"name": ["a"], "email": {}}', b"\xff\xfe"],
)
def test_malformed_bodies_are_refused_without_a_server_error(profile_client, raw):
    response = profile_client.post("/learners", data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500, response.data


def test_codes_cannot_be_checked_before_the_taxonomy_arrives(database_url, redis_url, redis_client):
    from tests.integration.web.conftest import make_app

    app = make_app("profile", database_url, redis_url)
    response = app.test_client().post("/learners", json=new_learner())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    without_codes = new_learner(
        occupation_code=None, skills=[], goals={"occupations": [], "sectors": [], "not_sure": True}
    )
    assert app.test_client().post("/learners", json=without_codes).status_code == 201
    app.extensions["routeways.db"].dispose()


def test_a_learner_edits_their_profile_and_the_update_names_what_changed(
    profile_app, profile_client
):
    learner = register(profile_client)
    auth = bearer(learner["manage_token"])
    changed = profile_client.patch(
        f"/learners/{learner['id']}",
        json={"goals": {"occupations": ["2512.4"]}, "constraints": {"max_travel_km": 35}},
        headers=auth,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["goals"]["sectors"] == ["Health and science"]  # kept: not sent
    assert changed.json["constraints"]["max_travel_km"] == 35
    assert changed.json["constraints"]["hours_per_week"] == 10  # kept: not sent
    [update] = events(profile_app, "profile.learner.updated")
    assert update["changed_fields"] == ["constraints", "goals"]
    assert update["attributes"]["goals"]["occupations"] == ["2512.4"]


def test_a_change_to_private_fields_only_publishes_nothing(profile_app, profile_client):
    learner = register(profile_client)
    response = profile_client.patch(
        f"/learners/{learner['id']}",
        json={"name": "Aisha Khan-Patel"},
        headers=bearer(learner["manage_token"]),
    )
    assert response.status_code == 200
    assert events(profile_app, "profile.learner.updated") == []


def test_an_edit_with_a_bad_field_changes_nothing(profile_client):
    learner = register(profile_client)
    auth = bearer(learner["manage_token"])
    response = profile_client.patch(
        f"/learners/{learner['id']}",
        json={"constraints": {"max_travel_km": 10}, "occupation_code": "0000.0"},
        headers=auth,
    )
    assert response.status_code == 422
    assert (
        profile_client.get(f"/learners/{learner['id']}", headers=auth).json["constraints"][
            "max_travel_km"
        ]
        == 20
    )


def test_one_learners_link_does_not_open_another_learners_profile(profile_client):
    first = register(profile_client)
    second = register(profile_client, email="other@example.org")
    response = profile_client.get(
        f"/learners/{second['id']}", headers=bearer(first["manage_token"])
    )
    assert response.status_code == 404


def test_links_are_refused_when_tampered_with_expired_or_made_for_another_purpose(
    profile_app, profile_client, monkeypatch
):
    learner = register(profile_client)
    url = f"/learners/{learner['id']}"
    secret = profile_app.config["SECRET_KEY"]
    tampered = learner["manage_token"][:-2] + (
        "AA" if not learner["manage_token"].endswith("AA") else "BB"
    )
    assert profile_client.get(url, headers=bearer(tampered)).status_code == 401

    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 1_000_000_000.0)
    old = make_token(secret, "manage", learner["id"])
    monkeypatch.undo()
    expired = profile_client.get(url, headers=bearer(old))
    assert expired.status_code == 401
    assert "expired" in expired.json["detail"]

    feedback = make_token(secret, "feedback", learner["id"], c=42)
    assert profile_client.get(url, headers=bearer(feedback)).status_code == 404


def test_a_feedback_link_records_an_interaction_for_its_course_only(profile_client):
    learner = register(profile_client)
    secret = profile_client.application.config["SECRET_KEY"]
    feedback = bearer(make_token(secret, "feedback", learner["id"], c=42))
    body = {"kind": "not-interested", "source": "email", "occurred_at": "2026-11-27T10:00:00+00:00"}
    url = f"/learners/{learner['id']}/interactions"
    assert (
        profile_client.post(url, json={**body, "course_id": 42}, headers=feedback).status_code
        == 201
    )
    assert (
        profile_client.post(url, json={**body, "course_id": 43}, headers=feedback).status_code
        == 404
    )


def test_an_unsubscribe_link_stops_emails_on_post_and_a_get_changes_nothing(
    profile_app, profile_client
):
    learner = register(profile_client)
    secret = profile_app.config["SECRET_KEY"]
    link = bearer(make_token(secret, "unsubscribe", learner["id"]))
    url = f"/learners/{learner['id']}/unsubscribe"
    assert profile_client.get(url, headers=link).status_code == 405
    response = profile_client.post(url, headers=link)
    assert response.status_code == 200
    assert response.json["consent"]["suggestion_emails"] is False
    [update] = events(profile_app, "profile.learner.updated")
    assert update["changed_fields"] == ["consent"]
    assert (
        profile_client.patch(f"/learners/{learner['id']}", json={}, headers=link).status_code == 404
    )


def test_interactions_are_recorded_once_per_client_ref_and_listed_newest_first(profile_client):
    learner = register(profile_client)
    auth = bearer(learner["manage_token"])
    url = f"/learners/{learner['id']}/interactions"
    first = {"course_id": 7, "kind": "viewed", "source": "web",
             "occurred_at": "2026-11-01T09:00:00+00:00", "client_ref": "web-1"}  # fmt: skip
    assert profile_client.post(url, json=first, headers=auth).status_code == 201
    assert profile_client.post(url, json=first, headers=auth).status_code == 200
    later = {
        **first,
        "kind": "saved",
        "client_ref": "web-2",
        "occurred_at": "2026-11-02T09:00:00+00:00",
    }
    assert profile_client.post(url, json=later, headers=auth).status_code == 201
    history = profile_client.get(url, headers=auth).json
    assert [row["kind"] for row in history] == ["saved", "viewed"]


def test_export_holds_the_whole_profile_and_history_for_the_learner_or_admin(profile_client):
    learner = register(profile_client)
    auth = bearer(learner["manage_token"])
    profile_client.post(
        f"/learners/{learner['id']}/interactions",
        json={
            "course_id": 7,
            "kind": "saved",
            "source": "web",
            "occurred_at": "2026-11-01T09:00:00+00:00",
        },
        headers=auth,
    )
    export = profile_client.get(f"/learners/{learner['id']}/export", headers=auth)
    assert export.status_code == 200, export.json
    assert export.json["learner"]["email"] == "aisha.khan@example.org"
    assert export.json["learner"]["date_of_birth"] == "1988-04-02"
    assert [i["kind"] for i in export.json["interactions"]] == ["saved"]
    assert profile_client.get(f"/learners/{learner['id']}/export", headers=ADMIN).status_code == 200
    assert profile_client.get(f"/learners/{learner['id']}/export").status_code == 401


def test_erasure_deletes_the_learner_keeps_a_tombstone_and_never_reuses_the_id(
    profile_app, profile_client
):
    learner = register(profile_client)
    auth = bearer(learner["manage_token"])
    assert profile_client.delete(f"/learners/{learner['id']}", headers=auth).status_code == 204
    assert profile_client.get(f"/learners/{learner['id']}", headers=ADMIN).status_code == 404
    with profile_app.extensions["routeways.db"].session_scope() as session:
        assert session.get(ErasedLearner, learner["id"]) is not None
        left = session.scalars(select(OutboxEvent.type)).all()
    assert left == ["profile.learner.erased"]  # the learner's earlier events went with them
    again = register(profile_client)
    assert again["id"] != learner["id"]


def test_ids_beyond_the_databases_range_are_not_found_or_named(profile_client):
    auth = bearer(ADMIN_TOKEN)
    assert profile_client.get("/learners/99999999999999", headers=auth).status_code == 404
    learner = register(profile_client)
    response = profile_client.post(
        f"/learners/{learner['id']}/interactions",
        json={
            "course_id": 99999999999999,
            "kind": "viewed",
            "source": "web",
            "occurred_at": "2026-01-01T00:00:00Z",
        },
        headers=auth,
    )
    assert response.status_code == 422
    assert "course_id" in problem_fields(response)
