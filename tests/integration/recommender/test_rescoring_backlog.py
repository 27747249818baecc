"""Under a backlog of events the consumer queues the learners to rescore and a Celery task
announces their tops, each learner once; without one, a batch rescores each learner once, in
its own transaction. Real Redis, a real consumer group and a real Celery worker."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from services.recommender import rescoring
from services.recommender.handlers import on_learner_erased
from services.recommender.models import QueuedRescore
from services.recommender.tasks import RESCORE_DUE_KEY
from shared.bus.streams import stream_name
from shared.events import make_event, utcnow
from shared.tasks import celery
from tests.integration.bus.conftest import FAST, make_consumer
from tests.integration.recommender.test_top_courses_events import announced, interaction

PROFILE = stream_name("profile")
#: Long enough for a loaded CI machine; the loop returns as soon as the task has run.
DEADLINE_SECONDS = 60


@pytest.fixture
def trained(recommender_db, tmp_path, monkeypatch):
    from tests.integration.recommender.two_sectors import fill_and_train

    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_DATABASE_URL", recommender_db.url)
    monkeypatch.setenv("ROUTEWAYS_RECOMMENDER_MODELS_DIR", str(tmp_path))
    fill_and_train(recommender_db, tmp_path)
    return recommender_db


def send(client, events) -> None:
    for event in events:
        client.xadd(PROFILE, {"envelope": event.to_json()})


def queued(database) -> dict[int, str]:
    with database.session_scope() as session:
        return dict(session.execute(select(QueuedRescore.learner_id, QueuedRescore.cause)).all())


def test_a_batch_rescores_each_of_its_learners_once_after_all_their_events(trained, redis_client):
    consumer = make_consumer(trained, redis_client, policy=replace(FAST, batch_size=20))
    consumer.setup()
    send(redis_client, [interaction(9_000 + i, 3, course, "viewed") for i, course in
                        enumerate((4, 5, 6))])  # fmt: skip

    assert consumer.run_once() == 3

    assert [p["reason"] for p in announced(trained, 3)] == ["interaction"]  # once, not thrice
    assert queued(trained) == {}
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0


def test_a_full_batch_queues_its_learners_and_the_task_announces_each_once(trained, redis_client):
    consumer = make_consumer(trained, redis_client, policy=replace(FAST, batch_size=4))
    consumer.setup()
    redis_client.delete(RESCORE_DUE_KEY)
    learners = (1, 2, 3, 1, 2, 3, 1, 2)
    send(redis_client, [interaction(9_100 + i, learner, 4 + i, "viewed")
                        for i, learner in enumerate(learners)])  # fmt: skip

    assert consumer.run_once() == 4  # a full batch: more are waiting

    assert queued(trained) == {1: "interaction", 2: "interaction", 3: "interaction"}
    assert announced(trained) == []  # nothing computed in the consumer's transaction
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0
    assert redis_client.exists(RESCORE_DUE_KEY)  # a run was sent, and is due

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + DEADLINE_SECONDS
        while queued(trained) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queued(trained) == {}
        assert sorted(p["learner_id"] for p in announced(trained)) == [1, 2, 3]
        assert consumer.run_once() == 4  # a full batch again: queued, and a new run sent
        while queued(trained) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert queued(trained) == {}
    assert not redis_client.exists(RESCORE_DUE_KEY)  # the run cleared it as it started
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0


def test_a_batch_with_more_learners_than_it_rescores_itself_queues_them_though_not_full(
    trained, redis_client, monkeypatch
):
    monkeypatch.setattr(rescoring, "INLINE_LEARNERS", 2)
    consumer = make_consumer(trained, redis_client, policy=replace(FAST, batch_size=20))
    consumer.setup()
    send(redis_client, [interaction(9_200 + learner, learner, 5, "viewed")
                        for learner in (1, 2, 3)])  # fmt: skip

    assert consumer.run_once() == 3  # not a full batch: nothing more is waiting

    assert queued(trained) == {1: "interaction", 2: "interaction", 3: "interaction"}
    assert announced(trained) == []
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0


def test_a_learner_queued_again_while_the_queue_drains_stays_queued(trained):
    first, later = utcnow(), utcnow()
    with trained.session_scope() as session:
        rescoring.queue(session, {7: "interaction", 8: "profile-changed"}, first)
    with trained.session_scope() as session:
        rows = [(row.learner_id, row.queued_at) for row in session.scalars(select(QueuedRescore))]
        rescoring.queue(session, {7: "interaction"}, later)  # a new event meanwhile
    with trained.session_scope() as session:
        rescoring.dequeue(session, rows)
        assert rescoring.queued(session) == 1
    assert queued(trained) == {7: "interaction"}


def test_erasing_a_queued_learner_takes_them_off_the_queue(trained):
    with trained.session_scope() as session:
        rescoring.queue(session, {3: "interaction", 4: "interaction"}, utcnow())
    erased = make_event("profile.learner.erased", 1, {"learner_id": 3}, producer="profile")
    with trained.session_scope() as session:
        on_learner_erased(erased, session)
    assert queued(trained) == {4: "interaction"}
