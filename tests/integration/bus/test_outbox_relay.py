"""The outbox and relay: committed events reach the stream at least once, rolled-back ones never."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.catalogue import courses
from services.catalogue.models import OutboxEvent, Provider
from services.recommender.models import CourseView, InboxEntry
from shared.bus.streams import stream_name
from shared.events import InvalidEventPayload
from tests.integration.bus.conftest import drain

STREAM = stream_name("catalogue")


def course_row(ref: str, **fields) -> dict:
    """A valid bulk row for an online course (no campus needed)."""
    return {"external_ref": ref, "title": "Cyber Security T Level", "qualification_type": "T Level",
            "rqf_level": 3, "route_kind": "technical", "sector": "Digital",
            "delivery_mode": "online", "national": True, **fields}  # fmt: skip


def publish_course(catalogue_db, ref: str = "BBC-0001") -> int:
    with catalogue_db.session_scope() as session:
        provider = Provider(key=f"p-{ref.lower()}", name="Blackburn College", kind="fe-college")
        session.add(provider)
        session.flush()
        [row] = courses.upsert_courses(session, provider.id, [course_row(ref)]).rows
        return row.course_id


def test_committed_event_reaches_the_consumer_and_its_effect(
    catalogue_db, recommender_db, relay, consumer, redis_client
):
    course_id = publish_course(catalogue_db)

    assert relay.run_once() == 1
    assert redis_client.xlen(STREAM) == 1
    assert drain(consumer) == 1
    with recommender_db.session_scope() as session:
        view = session.get(CourseView, course_id)
        assert view is not None
        assert view.status == "published"


def test_rolled_back_transaction_publishes_nothing(catalogue_db, relay, redis_client):
    with catalogue_db.sessions() as session:
        provider = Provider(key="p-rollback", name="Runshaw College", kind="fe-college")
        session.add(provider)
        session.flush()
        courses.upsert_courses(session, provider.id, [course_row("R-1")])
        session.rollback()

    assert relay.run_once() == 0
    assert redis_client.exists(STREAM) == 0 or redis_client.xlen(STREAM) == 0
    with catalogue_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_relay_crash_after_xadd_resends_and_the_inbox_keeps_the_effect_single(
    catalogue_db, recommender_db, relay, consumer, redis_client
):
    course_id = publish_course(catalogue_db)

    def crash(session) -> None:
        if any(isinstance(row, OutboxEvent) and row.published_at for row in session.dirty):
            raise RuntimeError("relay killed between XADD and marking the row sent")

    event.listen(catalogue_db.sessions, "before_commit", crash)
    with pytest.raises(RuntimeError):
        relay.run_once()
    event.remove(catalogue_db.sessions, "before_commit", crash)

    assert redis_client.xlen(STREAM) == 1  # the event did reach Redis ...
    assert relay.run_once() == 1  # ... but the row was still unsent, so it goes again
    assert redis_client.xlen(STREAM) == 2
    assert drain(consumer) == 2
    with recommender_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 1
        assert session.get(CourseView, course_id) is not None
    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0


def test_payload_failing_its_contract_is_refused_at_publish_time(catalogue_db):
    with catalogue_db.sessions() as session, pytest.raises(InvalidEventPayload) as raised:
        OutboxEvent.publish(
            session,
            "catalogue.course.updated",
            1,
            {"course_id": "seven", "provider_id": 3, "changed_fields": ["colour"]},
        )
    assert "course_id" in raised.value.messages
    assert "changed_fields" in raised.value.messages


def test_relay_publishes_in_commit_order_across_batches(catalogue_db, relay, redis_client):
    relay.batch_size = 2
    ids = [publish_course(catalogue_db, f"BBC-{n:04d}") for n in range(5)]

    while relay.run_once():
        pass

    import json

    sent = [
        json.loads(fields[b"envelope"])["payload"]["course_id"]
        for _, fields in redis_client.xrange(STREAM)
    ]
    assert sent == ids


def test_a_database_error_is_waited_out_and_the_rows_are_sent_afterwards(
    catalogue_db, relay, redis_client
):
    course_id = publish_course(catalogue_db, "BBC-0009")
    failures = {"left": 2}

    def unavailable(session, transaction, connection) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("BEGIN", {}, Exception("database is locked"))

    stop = threading.Event()
    event.listen(Session, "after_begin", unavailable)
    try:
        runner = threading.Thread(target=relay.run_forever, args=(stop, 0.05))
        runner.start()
        deadline = time.monotonic() + 30
        while redis_client.xlen(STREAM) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(timeout=10)
        event.remove(Session, "after_begin", unavailable)
    assert failures["left"] == 0  # both failures happened, and the relay kept going
    assert runner.is_alive() is False
    sent = [json.loads(fields[b"envelope"]) for _, fields in redis_client.xrange(STREAM)]
    assert course_id in [e["payload"]["course_id"] for e in sent]
