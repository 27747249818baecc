"""The notifier's Celery tasks on a real worker and a real Redis broker: a task run twice or an
alert event handled twice sends one message; beat's fan-out sends batches over one connection
each."""

from __future__ import annotations

import base64
import json
import time

import pytest
from celery.contrib.testing.worker import start_worker

import services.notifier.tasks as notifier_tasks
from services.notifier.digests import digest_id
from services.notifier.handlers import HANDLERS
from services.notifier.models import ErasedLearner, InboxEntry, Recipient
from shared.bus.consumer import Consumer, ConsumerPolicy
from shared.bus.streams import stream_name
from shared.events import make_event
from shared.tasks import celery
from tests.integration.mail.notifier_send_content import CONTACT_TOKEN
from tests.integration.mail.notifier_smtp_servers import ScriptedHandler, scripted_server

pytest_plugins = ["tests.integration.mail.notifier_send_fixtures"]

WEEK = "2026-W48"
INSTANT = {"suggestion_emails": True, "frequency": "instant", "share_with_adviser": False}
WEEKLY = {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False}
MONTHLY = {"suggestion_emails": True, "frequency": "monthly", "share_with_adviser": False}

pytestmark = pytest.mark.slow


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def smtp():
    handler = ScriptedHandler()
    with scripted_server(handler) as server:
        server.handler = handler
        yield server


def point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp) -> None:
    """The tasks read their settings from the environment: this test's services."""
    environment = {
        "ROUTEWAYS_NOTIFIER_DATABASE_URL": notifier_db.url,
        "ROUTEWAYS_PROFILE_URL": profile_http.url,
        "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN": CONTACT_TOKEN,
        "ROUTEWAYS_RECOMMENDER_URL": canned_services,
        "ROUTEWAYS_CATALOGUE_URL": canned_services,
        "ROUTEWAYS_SMTP_PORT": str(smtp.port),
        "ROUTEWAYS_SMTP_RETRY_BASE_SECONDS": "0.01",
        "ROUTEWAYS_NOTIFIER_DIGEST_BATCH_SIZE": "2",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def worker(notifier_db, profile_http, canned_services, smtp, monkeypatch, redis_client):
    """A solo worker whose tasks read settings pointing at this test's services."""
    point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, smtp)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield smtp.handler


def test_the_send_task_run_twice_sends_one_message(worker, profile_http):
    learner = profile_http.register()
    sentinel = profile_http.register(email="sentinel@example.org")
    notifier_tasks.send_digest.delay(learner["id"], "weekly", WEEK)
    notifier_tasks.send_digest.delay(learner["id"], "weekly", WEEK)
    notifier_tasks.send_digest.delay(sentinel["id"], "weekly", WEEK)  # runs after both (solo)
    wait_for(lambda: any(e[1] == ["sentinel@example.org"] for e in worker.envelopes))
    recipients = [rcpt for _sender, [rcpt] in worker.envelopes]
    assert recipients == ["aisha.khan@example.org", "sentinel@example.org"]
    assert len({m["Message-ID"] for m in worker.messages}) == 2


def test_the_same_alert_event_twice_sends_one_message(
    worker, profile_http, notifier_db, redis_client
):
    """Twice on the stream (the inbox absorbs the second), and its task delivered twice (as
    Celery redelivers a task whose worker died: the claim absorbs the second)."""
    learner = profile_http.register(consent={"suggestion_emails": True, "frequency": "instant"})
    sentinel = profile_http.register(email="sentinel@example.org")
    with notifier_db.session_scope() as session:
        session.add(Recipient(learner_id=learner["id"], consent=INSTANT))
    event = make_event(
        "recommender.recommendations.updated",
        1,
        {"learner_id": learner["id"], "model_version": "v1", "top_course_ids": [101, 102],
         "reason": "interaction"},
        producer="recommender",
    )  # fmt: skip
    consumer = Consumer(
        "notifier", HANDLERS, notifier_db.sessions, InboxEntry, redis_client,
        ConsumerPolicy(block_ms=50), name="test-notifier", tombstones=ErasedLearner,
    )  # fmt: skip
    consumer.setup()
    for _ in range(2):
        redis_client.xadd(stream_name("recommender"), {"envelope": event.to_json()})
    while consumer.run_once():
        pass
    notifier_tasks.send_digest.delay(learner["id"], "alert", event.id)  # a redelivered task
    notifier_tasks.send_digest.delay(sentinel["id"], "weekly", WEEK)  # runs after both (solo)
    wait_for(lambda: any(e[1] == ["sentinel@example.org"] for e in worker.envelopes))
    alerts = [
        m for m in worker.messages if m["To"].addresses[0].addr_spec != "sentinel@example.org"
    ]
    assert len(alerts) == 1
    assert alerts[0]["To"].addresses[0].addr_spec == "aisha.khan@example.org"
    assert (
        alerts[0]["Message-ID"]
        == f"<{digest_id(learner['id'], 'alert', event.id)}@routeways.local>"
    )


def test_beat_fan_out_sends_each_batch_over_one_connection(worker, profile_http, notifier_db):
    weekly = [profile_http.register(email=f"w{n}@example.org")["id"] for n in range(3)]
    monthly = profile_http.register(
        email="m@example.org", consent={"suggestion_emails": True, "frequency": "monthly"}
    )["id"]
    with notifier_db.session_scope() as session:
        for learner_id in weekly:
            session.add(Recipient(learner_id=learner_id, consent=WEEKLY))
        session.add(Recipient(learner_id=monthly, consent=MONTHLY))
    assert notifier_tasks.send_due_digests.delay("weekly") is not None
    wait_for(lambda: len(worker.raw) == 3)
    time.sleep(0.5)
    assert sorted(rcpt for _s, [rcpt] in worker.envelopes) == [
        "w0@example.org",
        "w1@example.org",
        "w2@example.org",
    ]
    assert worker.connections == 2  # batches of two: [w0, w1], [w2]


def test_beat_schedules_digests_in_uk_time():
    schedule = celery.conf.beat_schedule
    weekly, monthly = schedule["notifier.weekly-digests"], schedule["notifier.monthly-digests"]
    assert celery.conf.timezone == "Europe/London"
    assert (weekly["task"], weekly["args"]) == ("notifier.send_due_digests", ("weekly",))
    assert (monthly["task"], monthly["args"]) == ("notifier.send_due_digests", ("monthly",))
    assert weekly["schedule"].hour == {8}
    assert weekly["schedule"].minute == {0}
    assert weekly["schedule"].day_of_week == {1}
    assert monthly["schedule"].day_of_month == {1}
    assert monthly["schedule"].hour == {8}


def test_learners_who_must_wait_are_sent_again_by_a_later_task(
    notifier_db, profile_http, canned_services, monkeypatch, redis_client
):
    busy = ScriptedHandler(rcpt_replies=["451 4.3.0 Try later"] * 100)
    ok = profile_http.register(email="ok@example.org")
    waiting = profile_http.register(email="waiting@example.org")
    with scripted_server(busy) as server:
        server.handler = busy
        point_tasks_at(monkeypatch, notifier_db, profile_http, canned_services, server)
        monkeypatch.setenv("ROUTEWAYS_SMTP_MAX_ATTEMPTS", "1")
        busy.rcpt_replies = [None] + ["451 4.3.0 Try later"] * 100  # the first one goes through
        result = notifier_tasks.send_digests.apply(
            args=([ok["id"], waiting["id"]], "weekly", WEEK)
        ).get()
    assert result == {"sent": 1, "failed": 1}
    [(name, args)] = queued(redis_client)
    assert (name, args) == ("notifier.send_digests", [[waiting["id"]], "weekly", WEEK, 1])


def queued(redis_client) -> list[tuple[str, list]]:
    found = []
    for raw in reversed(redis_client.lrange("celery", 0, -1)):
        message = json.loads(raw)
        found.append((message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]))
    return found
