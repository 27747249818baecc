"""Handlers that take a run of events at once (`Batched`): consecutive events of their type
read together go to `many` in one call, anything else between them ends the run first, and a
run that fails leaves every event of the batch to be handled alone. Real Redis, real consumer."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import func, select

from services.recommender.handlers import HANDLERS
from services.recommender.models import InteractionView, LearnerView
from shared.bus.consumer import Batched
from shared.bus.streams import dead_letter_stream, stream_name
from tests.integration.bus.conftest import FAST, drain, make_consumer
from tests.integration.bus.test_tombstones import erased, interaction, registered, send

PROFILE = stream_name("profile")
RECORDED = ("profile.interaction.recorded", 1)
REGISTERED = ("profile.learner.registered", 1)


def recording(calls: list, handlers: dict) -> dict:
    """`handlers` with registrations and interactions also noted in `calls`, in the order and
    grouping the consumer applied them: ("one", [interaction ids]) or ("many", [...])."""
    real = handlers[RECORDED]

    def one(event, session) -> None:
        calls.append(("one", [event.payload["interaction_id"]]))
        real.one(event, session)

    def many(events, session) -> None:
        calls.append(("many", [event.payload["interaction_id"] for event in events]))
        real.many(events, session)

    def registration(event, session) -> None:
        calls.append(("registered", [event.payload["learner_id"]]))
        handlers[REGISTERED](event, session)

    return {**handlers, RECORDED: Batched(one, many), REGISTERED: registration}


def stored_interactions(database) -> list[int]:
    with database.session_scope() as session:
        return sorted(session.scalars(select(InteractionView.interaction_id)))


def test_consecutive_interactions_read_together_are_applied_in_one_call_in_stream_order(
    recommender_db, redis_client
):
    calls: list = []
    member = make_consumer(recommender_db, redis_client, recording(calls, HANDLERS))
    member.setup()
    send(redis_client, PROFILE, registered(5), interaction(5, 1), interaction(5, 2),
         registered(6), interaction(6, 3), interaction(5, 4))  # fmt: skip

    assert member.run_once() == 6

    assert calls == [
        ("registered", [5]),
        ("many", [1, 2]),
        ("registered", [6]),
        ("many", [3, 4]),
    ]
    assert stored_interactions(recommender_db) == [1, 2, 3, 4]


def test_an_erasure_between_a_learners_interactions_deletes_the_earlier_and_skips_the_later(
    consumer, recommender_db, redis_client
):
    send(redis_client, PROFILE, registered(5), registered(6), interaction(5, 1),
         interaction(6, 2), interaction(5, 3), erased(5), interaction(5, 4),
         interaction(6, 5))  # fmt: skip

    assert drain(consumer) == 8

    assert stored_interactions(recommender_db) == [2, 5]
    with recommender_db.session_scope() as session:
        assert list(session.scalars(select(LearnerView.learner_id))) == [6]


def test_a_run_that_fails_leaves_each_event_to_be_handled_alone_and_only_the_bad_one_fails(
    recommender_db, redis_client, caplog
):
    real = HANDLERS[RECORDED]
    alone: list[int] = []

    def one(event, session) -> None:
        alone.append(event.payload["interaction_id"])
        if event.payload["interaction_id"] == 2:
            raise ValueError("interaction 2 cannot be kept")
        real.one(event, session)

    def many(events, session) -> None:
        real.many(events, session)  # its writes roll back with the failure
        if any(event.payload["interaction_id"] == 2 for event in events):
            raise ValueError("interaction 2 cannot be kept")

    policy = replace(FAST, max_deliveries=2)
    handlers = {**HANDLERS, RECORDED: Batched(one, many)}
    member = make_consumer(recommender_db, redis_client, handlers, policy=policy)
    member.setup()
    send(redis_client, PROFILE, registered(5), interaction(5, 1), interaction(5, 2),
         interaction(5, 3))  # fmt: skip

    with caplog.at_level(logging.WARNING, logger="shared.bus.consumer"):
        for _ in range(200):
            member.run_once()
            if redis_client.exists(dead_letter_stream("recommender")):
                break

    assert stored_interactions(recommender_db) == [1, 3]
    assert any("a run of 3 profile.interaction.recorded events failed" in m
               for m in caplog.messages)  # fmt: skip
    assert alone.count(2) == 2  # its second delivery was its last
    [(_, fields)] = redis_client.xrange(dead_letter_stream("recommender"))
    assert b"interaction 2 cannot be kept" in fields[b"error"]
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0
    with recommender_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(LearnerView)) == 1
