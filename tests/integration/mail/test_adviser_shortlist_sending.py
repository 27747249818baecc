"""An adviser's shortlist by email over real parts: the profile service answers the contact
over HTTP, the catalogue's course answers are canned over HTTP, a real SMTP server receives
the message; sent once however often the task runs; and POST /shortlists, which only the
profile service may use."""

from __future__ import annotations

import email
import uuid
from email import policy

import pytest

import services.notifier.tasks as notifier_tasks
from services.notifier import create_app
from services.notifier.models import Delivery
from tests.integration.mail.notifier_send_content import CONTACT_TOKEN
from tests.integration.mail.test_notifier_send_tasks import point_tasks_at
from tests.integration.web.conftest import ADMIN_TOKEN

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

EMAILS_OFF = {"suggestion_emails": False, "frequency": "weekly", "share_with_adviser": True}
MONTHLY = {"suggestion_emails": True, "frequency": "monthly", "share_with_adviser": True}


@pytest.fixture
def smtp():
    from tests.integration.mail.notifier_smtp_servers import ScriptedHandler, scripted_server

    handler = ScriptedHandler()
    with scripted_server(handler) as server:
        server.handler = handler
        yield server


def shortlist(learner_id: int, **fields) -> dict:
    return {
        "shortlist_id": str(uuid.uuid4()),
        "learner_id": learner_id,
        "adviser_name": "Joanne Whittaker",
        "note": "Call Preston's College about the September start.",
        "items": [
            {"course_id": 101, "cost_to_learner_pence": 0, "distance_km": 1.2,
             "reason": "Meets the entry requirement for the nursing degree"},
            {"course_id": 102, "cost_to_learner_pence": 45000, "distance_km": None,
             "reason": ""},
        ],
        **fields,
    }  # fmt: skip


def test_a_shortlist_reaches_the_learner_once_whatever_email_frequency_they_chose(
    notifier_db, profile_http, canned_services, smtp, monkeypatch
):
    point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp)
    learner = profile_http.register(name="Aisha Khan", email="aisha@example.org", consent=MONTHLY)
    body = shortlist(learner["id"])

    first = notifier_tasks.send_shortlist(body)
    second = notifier_tasks.send_shortlist(body)

    assert (first, second) == ("sent", "already-sent")
    [raw] = smtp.handler.raw
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "Aisha Khan <aisha@example.org>"
    assert message["Subject"] == "2 courses your adviser Joanne Whittaker picked with you"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Access to HE Diploma: Nursing" in part
        assert "Call Preston's College about the September start." in part or (
            "Call Preston&#39;s College" in part
        )
        assert "/feedback/" in part  # the same interest links as a digest
    with notifier_db.session_scope() as session:
        delivery = session.get(Delivery, f"shortlist-{body['shortlist_id']}")
        assert delivery.state == "sent"
        assert delivery.course_ids == [101, 102]


def test_a_shortlist_for_an_unknown_learner_or_one_without_email_consent_is_not_sent(
    notifier_db, profile_http, canned_services, smtp, monkeypatch
):
    point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp)
    quiet = profile_http.register(name="Una Quiet", email="una@example.org", consent=EMAILS_OFF)

    assert notifier_tasks.send_shortlist(shortlist(4242)) == "unknown-learner"
    assert notifier_tasks.send_shortlist(shortlist(quiet["id"])) == "no-consent"
    assert smtp.handler.raw == []


# --- POST /shortlists ------------------------------------------------------------------------


@pytest.fixture
def notifier_client(tmp_path, redis_url, monkeypatch):
    queued: list[dict] = []
    monkeypatch.setattr(notifier_tasks.send_shortlist, "delay", queued.append)
    from tests.conftest import migrated

    url = f"sqlite:///{tmp_path / 'notifier.sqlite3'}"
    migrated("notifier", url).dispose()
    app = create_app(
        {"database_url": url, "redis_url": redis_url, "configured_contact_token": CONTACT_TOKEN,
         "admin_token": ADMIN_TOKEN}
    )  # fmt: skip
    app.config["TESTING"] = True
    client = app.test_client()
    client.queued = queued
    yield client
    app.extensions["routeways.db"].dispose()


def test_the_profile_service_hands_over_a_shortlist_and_a_task_sends_it(notifier_client):
    body = shortlist(7)
    response = notifier_client.post(
        "/shortlists", json=body, headers={"Authorization": f"Bearer {CONTACT_TOKEN}"}
    )

    assert response.status_code == 202
    assert response.json == {
        "delivery_id": f"shortlist-{body['shortlist_id']}",
        "status": "queued",
    }
    assert notifier_client.queued == [body]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer not-the-token"}, 403)],
)
def test_only_the_profile_service_may_post_shortlists(notifier_client, headers, status):
    response = notifier_client.post("/shortlists", json=shortlist(7), headers=headers)

    assert response.status_code == status
    assert response.json["errors"][0]["field"] == "Authorization"
    assert notifier_client.queued == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"shortlist_id": "not-a-uuid"}, "shortlist_id"),
        ({"learner_id": "seven"}, "learner_id"),
        ({"adviser_name": ""}, "adviser_name"),
        ({"items": [{"course_id": 0}]}, "items.0.course_id"),
        ({"items": [{"course_id": n} for n in range(1, 12)]}, "items"),
    ],
)
def test_a_bad_shortlist_names_the_field(notifier_client, change, field):
    response = notifier_client.post(
        "/shortlists",
        json={**shortlist(7), **change},
        headers={"Authorization": f"Bearer {CONTACT_TOKEN}"},
    )

    assert response.status_code == 422
    assert field in {row["field"] for row in response.json["errors"]}
