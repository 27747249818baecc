"""The consumer group: inbox, retries, dead-lettering, no blocked stream."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from services.recommender.handlers import HANDLERS, on_course_published
from services.recommender.models import CourseView, InboxEntry
from shared.bus.streams import dead_letter_stream, stream_name
from shared.events import make_event
from tests.integration.bus.conftest import drain, make_consumer

STREAM = stream_name("catalogue")
DEAD = dead_letter_stream("recommender")


def course_event(course_id: int):
    return make_event(
        "catalogue.course.published",
        1,
        {"course_id": course_id, "provider_id": 1, "changed_fields": ["title"]},
        producer="catalogue",
    )


def send(client, envelope_json: str) -> None:
    client.xadd(STREAM, {"envelope": envelope_json})


def test_an_event_delivered_twice_changes_the_read_model_once(
    consumer, recommender_db, redis_client
):
    event = course_event(7)
    send(redis_client, event.to_json())
    send(redis_client, event.to_json())

    assert drain(consumer) == 2
    with recommender_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 1
        assert session.scalar(select(func.count()).select_from(CourseView)) == 1


def test_poison_event_goes_to_dead_letter_with_its_error_and_does_not_block_the_stream(
    recommender_db, redis_client
):
    poison = course_event(13)
    calls = []

    def failing_for_13(event, session) -> None:
        if event.payload["course_id"] == 13:
            calls.append(event.id)
            raise ValueError("course 13 cannot be read")
        on_course_published(event, session)

    handlers = {**HANDLERS, ("catalogue.course.published", 1): failing_for_13}
    member = make_consumer(recommender_db, redis_client, handlers)
    member.setup()
    send(redis_client, poison.to_json())
    send(redis_client, course_event(14).to_json())

    for _ in range(200):
        member.run_once()
        if redis_client.xlen(DEAD) if redis_client.exists(DEAD) else 0:
            break

    assert len(calls) == 3  # max_deliveries
    [(_, fields)] = redis_client.xrange(DEAD)
    assert b"course 13 cannot be read" in fields[b"error"]
    assert json.loads(fields[b"envelope"])["id"] == poison.id
    assert int(fields[b"deliveries"]) == 3
    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0
    with recommender_db.session_scope() as session:
        assert session.get(CourseView, 14) is not None  # the event behind the poison was handled
        assert session.get(CourseView, 13) is None


def test_unreadable_or_off_contract_messages_are_dead_lettered_at_once(consumer, redis_client):
    send(redis_client, "{not json")
    off_contract = json.loads(course_event(5).to_json())
    off_contract["payload"]["course_id"] = "five"
    send(redis_client, json.dumps(off_contract))

    drain(consumer)

    errors = [fields[b"error"].decode() for _, fields in redis_client.xrange(DEAD)]
    assert len(errors) == 2
    assert errors[0].startswith("rejected: not JSON")
    assert "course_id" in errors[1]
    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0


def test_events_of_types_the_group_does_not_handle_are_acknowledged_and_skipped(
    recommender_db, redis_client
):
    handlers = {("catalogue.course.withdrawn", 1): HANDLERS[("catalogue.course.withdrawn", 1)]}
    member = make_consumer(recommender_db, redis_client, handlers)
    member.setup()
    send(redis_client, course_event(3).to_json())

    drain(member)

    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0
    assert not redis_client.exists(DEAD)


def test_handler_failure_is_retried_with_backoff_and_then_succeeds(recommender_db, redis_client):
    attempts = []

    def flaky(event, session) -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionError("catalogue briefly unavailable")
        on_course_published(event, session)

    member = make_consumer(
        recommender_db, redis_client, {**HANDLERS, ("catalogue.course.published", 1): flaky}
    )
    member.setup()
    send(redis_client, course_event(21).to_json())

    for _ in range(100):
        member.run_once()
        if len(attempts) >= 2:
            break

    assert len(attempts) == 2
    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0
    with recommender_db.session_scope() as session:
        assert session.get(CourseView, 21) is not None


def test_handler_past_its_time_limit_is_stopped_and_dead_lettered(recommender_db, redis_client):
    import time

    from shared.bus.consumer import ConsumerPolicy

    def hangs(event, session) -> None:
        time.sleep(30)

    member = make_consumer(
        recommender_db,
        redis_client,
        {**HANDLERS, ("catalogue.course.published", 1): hangs},
        policy=ConsumerPolicy(
            max_deliveries=1, handler_time_limit_seconds=0.2, reclaim_idle_seconds=5, block_ms=50
        ),
    )
    member.setup()
    send(redis_client, course_event(8).to_json())

    started = time.monotonic()
    member.run_once()

    assert time.monotonic() - started < 10
    [(_, fields)] = redis_client.xrange(DEAD)
    assert b"HandlerTimeout" in fields[b"error"]
