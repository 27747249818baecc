"""Celery over a real Redis broker: policy, sending after commit, a real worker, the attempt cap."""

from __future__ import annotations

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker

from services.catalogue.models import Provider
from shared.bus.streams import ensure_groups_for, stream_name
from shared.events import consumers_of
from shared.tasks import DEAD_TASKS_STREAM, attempts_key, celery, enqueue_after_commit


@pytest.fixture
def broker(redis_url, redis_client):
    assert celery.conf.broker_url == redis_url  # configured from REDIS_URL (tests/conftest.py)
    return redis_client


def queued(client) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def test_policy_is_json_only_late_ack_prefetch_one_and_visibility_above_time_limit():
    conf = celery.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late
    assert conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert {"bus.trim_streams", "bus.purge_handled"} <= {
        entry["task"] for entry in conf.beat_schedule.values()
    }


def test_results_are_kept_in_redis_for_a_week_only_by_the_tasks_that_ask(redis_url):
    conf = celery.conf
    assert conf.result_backend == redis_url
    assert conf.result_serializer == "json"
    assert conf.result_expires == 7 * 24 * 3600
    assert conf.task_ignore_result  # the default: most tasks' results are never read
    celery.loader.import_default_modules()  # the task modules a worker imports
    ours = {name: task for name, task in celery.tasks.items() if not name.startswith("celery.")}
    keeping = {name for name, task in ours.items() if not task.ignore_result}
    assert keeping == {"recommender.train"}  # polled through GET /tasks/{id}
    assert celery.tasks["recommender.train"].track_started


def test_task_enqueued_in_a_transaction_is_sent_only_after_commit(broker, catalogue_db):
    from shared.bus.tasks import trim_streams

    with catalogue_db.sessions() as session:
        session.add(Provider(key="rolled-back", name="X", kind="itp"))
        enqueue_after_commit(session, trim_streams)
        session.rollback()
    assert queued(broker) == []

    with catalogue_db.sessions() as session:
        session.add(Provider(key="committed", name="Y", kind="itp"))
        enqueue_after_commit(session, trim_streams)
        assert queued(broker) == []  # not before the commit
        session.commit()
    [message] = queued(broker)
    assert message["headers"]["task"] == "bus.trim_streams"


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_real_worker_runs_the_stream_trim_task(broker):
    from shared.bus.tasks import trim_streams

    stream = stream_name("catalogue")
    ensure_groups_for(broker, "catalogue")
    broker.xadd(stream, {"envelope": "{}"})
    for group in consumers_of("catalogue"):  # every group has read and acknowledged the entry
        for _, messages in broker.xreadgroup(group, "c", {stream: ">"}):
            broker.xack(stream, group, *[m for m, _ in messages])

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        trim_streams.delay()
        wait_for(lambda: broker.xlen(stream) == 0)


@pytest.mark.slow
def test_a_task_delivered_more_often_than_the_cap_is_dead_lettered_not_run(broker, monkeypatch):
    from shared.bus.tasks import trim_streams

    monkeypatch.setenv("ROUTEWAYS_TASK_MAX_ATTEMPTS", "2")
    # Two earlier deliveries of this task id died with their worker (SIGKILL, OOM): each counted
    # its attempt and never reached the end that clears the count.
    broker.set(attempts_key("same-task-id", 0), 2)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        trim_streams.apply_async(task_id="same-task-id")  # redelivered a third time
        wait_for(lambda: broker.exists(DEAD_TASKS_STREAM))
    [(_, fields)] = broker.xrange(DEAD_TASKS_STREAM)
    assert fields[b"task"] == b"bus.trim_streams"
    assert fields[b"attempts"] == b"2"


@pytest.mark.slow
def test_a_task_retrying_more_often_than_the_delivery_cap_still_runs_to_its_own_retry_limit(
    broker, monkeypatch
):
    """The cap counts redeliveries of one message (a dead worker), not a task's own retries:
    each retry is a new message, limited by the task's max_retries."""
    monkeypatch.setenv("ROUTEWAYS_TASK_MAX_ATTEMPTS", "2")
    tries = []

    @celery.task(
        name="tests.flaky_until_the_fifth_try",
        autoretry_for=(ConnectionError,),
        max_retries=6,
        default_retry_delay=0,
    )
    def flaky() -> int:
        tries.append(1)
        if len(tries) < 5:
            raise ConnectionError("transient")
        return len(tries)

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        flaky.apply_async(task_id="flaky-task-id")
        wait_for(lambda: len(tries) >= 5)
        time.sleep(0.5)  # any further delivery would show within this
    assert len(tries) == 5
    assert not broker.exists(DEAD_TASKS_STREAM)


def test_a_task_enqueued_before_a_savepoint_is_sent_once_the_whole_transaction_commits(
    broker, catalogue_db
):
    """The consumer applies a batch of events in one transaction, a savepoint each: releasing
    one sends nothing yet, and rolling back a failing one keeps the others' sends."""
    from shared.bus.tasks import trim_streams

    with catalogue_db.sessions() as session:
        session.begin()
        with session.begin_nested():
            enqueue_after_commit(session, trim_streams)
        assert queued(broker) == []  # released, not committed: a worker would see nothing
        with pytest.raises(ValueError, match="fails"), session.begin_nested():
            raise ValueError("the next event fails")
        session.commit()
    [message] = queued(broker)
    assert message["headers"]["task"] == "bus.trim_streams"
