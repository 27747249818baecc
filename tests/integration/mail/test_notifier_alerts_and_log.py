"""Instant alerts are sent after commit for learners who chose them; erasure forgets deliveries
and bounces; the delivery log answers the admin token (real Redis, real databases)."""

from __future__ import annotations

import base64
import json

import pytest

from services.notifier import delivery_records
from services.notifier.handlers import HANDLERS
from services.notifier.models import BouncedAddress, Delivery, Recipient
from shared.events import make_event, utcnow
from tests.integration.web.conftest import ADMIN, ADMIN_TOKEN, make_app

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

INSTANT = {"suggestion_emails": True, "frequency": "instant", "share_with_adviser": False}
WEEKLY = {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False}


def queued(redis_client) -> list[tuple[str, list]]:
    """(task name, args) of every task waiting in Celery's default queue, oldest first (the
    Redis transport pushes on the left and pops on the right)."""
    found = []
    for raw in reversed(redis_client.lrange("celery", 0, -1)):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args))
    return found


def handle(database, event) -> None:
    """As the consumer does: the handler in a transaction that then commits."""
    with database.session_scope() as session:
        HANDLERS[event.key](event, session)


def top(learner_id: int, course_ids: list[int]):
    return make_event(
        "recommender.recommendations.updated",
        1,
        {"learner_id": learner_id, "model_version": "v1", "top_course_ids": course_ids,
         "reason": "interaction"},
        producer="recommender",
    )  # fmt: skip


def route(learner_id: int, changes: list[str], version: int = 2):
    payload = {"learner_id": learner_id, "target": "2221.1", "changes": changes}
    if version == 2:
        payload |= {"course_ids": [5], "months": 10.0, "months_before": 14.0, "cost_pence": 0,
                    "cost_before_pence": 0, "course_id": 5}  # fmt: skip
    return make_event("recommender.routes.updated", version, payload, producer="recommender")


@pytest.fixture
def recipients(notifier_db):
    with notifier_db.session_scope() as session:
        session.add(Recipient(learner_id=1, consent=INSTANT))
        session.add(Recipient(learner_id=2, consent=WEEKLY))
    return notifier_db


def test_an_instant_learner_is_alerted_when_a_course_enters_their_top_three(
    recipients, redis_client
):
    first, same, reordered, fourth, new = (
        top(1, [10, 11, 12, 13]),
        top(1, [10, 11, 12, 13]),
        top(1, [12, 10, 11, 14]),
        top(1, [12, 10, 11, 15]),
        top(1, [12, 16, 10, 11]),
    )
    for event in (first, same, reordered, fourth, new):
        handle(recipients, event)
    assert queued(redis_client) == [
        ("notifier.send_digest", [1, "alert", first.id]),  # their first suggestions
        ("notifier.send_digest", [1, "alert", new.id]),  # 16 entered the top three
    ]


def test_a_weekly_learner_gets_no_alert(recipients, redis_client):
    handle(recipients, top(2, [10, 11, 12]))
    handle(recipients, top(2, [20, 21, 22]))
    handle(recipients, route(2, ["shorter"]))
    assert queued(redis_client) == []


def test_a_shorter_route_alerts_an_instant_learner(recipients, redis_client):
    shorter, cheaper, v1 = (
        route(1, ["new-best-route", "shorter"]),
        route(1, ["cheaper"]),
        route(1, ["shorter"], version=1),
    )
    for event in (shorter, cheaper, v1):
        handle(recipients, event)
    assert queued(redis_client) == [
        ("notifier.send_digest", [1, "alert", shorter.id]),
        ("notifier.send_digest", [1, "alert", v1.id]),
    ]


def test_nothing_is_sent_when_the_transaction_rolls_back(recipients, redis_client):
    with recipients.sessions() as session:
        HANDLERS[("recommender.recommendations.updated", 1)](top(1, [1, 2, 3]), session)
        session.rollback()
    assert queued(redis_client) == []


def test_erasure_forgets_the_learners_deliveries_and_bounced_addresses(notifier_db):
    now = utcnow()
    with notifier_db.session_scope() as session:
        for learner_id in (1, 2):
            session.add(
                Delivery(
                    digest_id=f"d{learner_id}", learner_id=learner_id, kind="weekly",
                    period="2026-W48", state="sent", owner="w", attempts=1, course_ids=[1],
                    claimed_at=now, updated_at=now,
                )
            )  # fmt: skip
            delivery_records.record_bounce(session, learner_id, f"l{learner_id}@x.org", 550, "")
    erased = make_event("profile.learner.erased", 1, {"learner_id": 1}, producer="profile")
    handle(notifier_db, erased)
    with notifier_db.session_scope() as session:
        assert [d.learner_id for d in session.query(Delivery)] == [2]
        assert [b.learner_id for b in session.query(BouncedAddress)] == [2]


@pytest.fixture
def notifier_client(notifier_db, redis_url, redis_client):
    app = make_app("notifier", notifier_db.url, redis_url, admin_token=ADMIN_TOKEN)
    yield app.test_client()
    app.extensions["routeways.db"].dispose()


def test_the_delivery_log_lists_what_was_sent_when_and_which_courses(notifier_db, notifier_client):
    now = utcnow()
    with notifier_db.session_scope() as session:
        session.add(
            Delivery(
                digest_id="abc", learner_id=7, kind="weekly", period="2026-W48", state="sent",
                owner="w", attempts=1, course_ids=[101, 102], message_id="<abc@routeways.local>",
                claimed_at=now, sent_at=now, updated_at=now,
            )
        )  # fmt: skip
        session.add(
            Delivery(
                digest_id="def", learner_id=8, kind="weekly", period="2026-W48", state="sent",
                owner="w", attempts=1, course_ids=[], claimed_at=now, updated_at=now,
            )
        )  # fmt: skip
    response = notifier_client.get("/learners/7/deliveries", headers=ADMIN)
    assert response.status_code == 200, response.json
    [entry] = response.json
    assert entry["digest_id"] == "abc"
    assert entry["state"] == "sent"
    assert entry["course_ids"] == [101, 102]
    assert entry["message_id"] == "<abc@routeways.local>"
    assert entry["sent_at"] is not None
    assert notifier_client.get("/learners/9/deliveries", headers=ADMIN).json == []


def test_the_delivery_log_needs_the_admin_token_or_the_profile_services(notifier_db, redis_url):
    shared_token = "profile-and-notifier-0123456789abcdef"
    app = make_app(
        "notifier", notifier_db.url, redis_url, admin_token=ADMIN_TOKEN,
        configured_contact_token=shared_token,
    )  # fmt: skip
    client = app.test_client()
    try:
        assert client.get("/learners/7/deliveries").status_code == 401
        wrong = {"Authorization": "Bearer not-it"}
        assert client.get("/learners/7/deliveries", headers=wrong).status_code == 403
        assert client.get("/learners/7/deliveries", headers=ADMIN).status_code == 200
        profile = {"Authorization": f"Bearer {shared_token}"}
        assert client.get("/learners/7/deliveries", headers=profile).status_code == 200
    finally:
        app.extensions["routeways.db"].dispose()
