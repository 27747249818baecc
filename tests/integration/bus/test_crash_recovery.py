"""Crashes: a SIGKILLed consumer's message is reclaimed; a Redis that lost writes
gets them again."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from services.recommender.models import CourseView, InboxEntry
from shared import embedded_redis
from shared.bus.consumer import ConsumerPolicy
from shared.bus.streams import stream_name
from shared.events import make_event
from tests.integration.bus.conftest import drain, make_consumer, make_relay
from tests.integration.bus.test_outbox_relay import publish_course

STREAM = stream_name("catalogue")
SLOW_CONSUMER = Path(__file__).with_name("slow_consumer.py")


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_message_of_a_consumer_killed_mid_handler_is_reclaimed_by_another(
    recommender_db, redis_client, redis_url, tmp_path
):
    event = make_event(
        "catalogue.course.published",
        1,
        {"course_id": 42, "provider_id": 1, "changed_fields": ["title"]},
        producer="catalogue",
    )
    marker = tmp_path / "handler-started"
    doomed = subprocess.Popen(
        [sys.executable, str(SLOW_CONSUMER), recommender_db.url, redis_url, str(marker)]
    )
    try:
        wait_for(lambda: redis_client.exists(STREAM) and redis_client.xinfo_groups(STREAM))
        redis_client.xadd(STREAM, {"envelope": event.to_json()})
        wait_for(marker.exists)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()

    assert redis_client.xpending(STREAM, "recommender")["pending"] == 1  # left behind by the dead
    survivor = make_consumer(
        recommender_db,
        redis_client,
        name="survivor",
        policy=ConsumerPolicy(
            handler_time_limit_seconds=0.5,
            reclaim_idle_seconds=1.0,
            block_ms=50,
            retry_base_seconds=0.01,
        ),
    )
    survivor.setup()
    wait_for(lambda: survivor.run_once() > 0)

    assert redis_client.xpending(STREAM, "recommender")["pending"] == 0
    with recommender_db.session_scope() as session:
        assert session.get(CourseView, 42) is not None
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 1


@pytest.mark.slow
def test_relay_resends_the_window_a_restarted_redis_lost(catalogue_db, recommender_db, tmp_path):
    """Redis killed and restarted empty (the worst case of a lost AOF tail): the relay notices the
    new run_id and re-sends what it had published just before; the consumer's inbox absorbs any
    duplicate."""
    port = embedded_redis.free_port()
    server = embedded_redis.start(port, tmp_path / "r1")
    client = redis.Redis.from_url(f"redis://127.0.0.1:{port}/0")
    relay = make_relay(catalogue_db, client)
    first = publish_course(catalogue_db, "BBC-0100")
    assert relay.run_once() == 1

    server.send_signal(signal.SIGKILL)
    server.wait()
    server = embedded_redis.start(port, tmp_path / "r2")  # new run_id, no data
    try:
        second = publish_course(catalogue_db, "BBC-0101")
        while relay.run_once():
            pass
        sent = [
            json.loads(fields[b"envelope"])["payload"]["course_id"]
            for _, fields in client.xrange(STREAM)
        ]
        assert sent == [first, second]

        consumer = make_consumer(recommender_db, client)
        consumer.setup()
        drain(consumer)
        with recommender_db.session_scope() as session:
            assert session.scalar(select(func.count()).select_from(CourseView)) == 2
    finally:
        server.terminate()
        server.wait()


def test_relay_that_restarts_against_the_same_redis_sends_nothing_twice(catalogue_db, redis_client):
    publish_course(catalogue_db, "BBC-0200")
    assert make_relay(catalogue_db, redis_client).run_once() == 1

    assert make_relay(catalogue_db, redis_client).run_once() == 0  # a new relay process
    assert redis_client.xlen(STREAM) == 1
