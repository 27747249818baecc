"""Erasure tombstones in the consumer: an erasure keeps one, and events naming an erased learner
are recorded in the inbox but never reach their handler, however they come back."""

from __future__ import annotations

import json
import logging

from sqlalchemy import delete, func, select

from services.recommender.handlers import HANDLERS
from services.recommender.models import (
    CourseView,
    ErasedLearner,
    InboxEntry,
    InteractionView,
    LearnerView,
)
from shared.bus.streams import dead_letter_stream, stream_name
from shared.events import Envelope, lookup, make_event
from tests.integration.bus.conftest import drain, make_consumer

PROFILE = stream_name("profile")
CATALOGUE = stream_name("catalogue")


def profile_event(event_type: str, **payload: object) -> Envelope:
    """A profile event built from its contract's example, with `payload` overriding fields."""
    example = json.loads(lookup(event_type, 1).example_path.read_text())
    return make_event(event_type, 1, {**example, **payload}, producer="profile")


def registered(learner_id: int) -> Envelope:
    return profile_event("profile.learner.registered", learner_id=learner_id)


def interaction(learner_id: int, interaction_id: int) -> Envelope:
    return profile_event(
        "profile.interaction.recorded", learner_id=learner_id, interaction_id=interaction_id
    )


def erased(learner_id: int) -> Envelope:
    return profile_event("profile.learner.erased", learner_id=learner_id)


def send(client, stream: str, *events: Envelope) -> None:
    for event in events:
        client.xadd(stream, {"envelope": event.to_json()})


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_an_erasure_keeps_a_tombstone_and_deletes_what_the_handler_deletes(
    consumer, recommender_db, redis_client
):
    send(redis_client, PROFILE, registered(5), interaction(5, 1), erased(5))

    assert drain(consumer) == 3

    with recommender_db.session_scope() as session:
        assert session.get(ErasedLearner, 5) is not None
        assert count(session, LearnerView) == count(session, InteractionView) == 0
        assert count(session, InboxEntry) == 3


def test_old_events_replayed_after_the_inbox_was_purged_do_not_recreate_the_learner(
    consumer, recommender_db, redis_client, caplog
):
    old = [registered(5), interaction(5, 1), interaction(5, 2)]
    send(redis_client, PROFILE, *old, erased(5))
    drain(consumer)
    with recommender_db.session_scope() as session:
        session.execute(delete(InboxEntry))  # as bus.purge_handled does after 30 days

    send(redis_client, PROFILE, *old)
    with caplog.at_level(logging.INFO, logger="shared.bus.erasure"):
        assert drain(consumer) == 3

    with recommender_db.session_scope() as session:
        assert count(session, LearnerView) == count(session, InteractionView) == 0
        handled = set(session.scalars(select(InboxEntry.event_id)))
    assert handled == {event.id for event in old}  # recorded, so not offered to the handler again
    assert sum("learner 5 was erased" in message for message in caplog.messages) == 3
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 0
    assert not redis_client.exists(dead_letter_stream("recommender"))


def test_a_new_event_about_an_erased_learner_is_skipped_too(consumer, recommender_db, redis_client):
    """Events from another stream may arrive after the erasure (no order across streams)."""
    send(redis_client, PROFILE, erased(8))
    drain(consumer)
    send(redis_client, PROFILE, interaction(8, 3))

    drain(consumer)

    with recommender_db.session_scope() as session:
        assert count(session, InteractionView) == 0
        assert count(session, InboxEntry) == 2


def test_events_about_other_learners_and_about_no_learner_are_handled(
    consumer, recommender_db, redis_client
):
    send(redis_client, PROFILE, erased(5), registered(6), interaction(6, 4))
    send(
        redis_client,
        CATALOGUE,
        make_event(
            "catalogue.course.published",
            1,
            {"course_id": 4127, "provider_id": 1, "changed_fields": ["title"]},
            producer="catalogue",
        ),
    )

    drain(consumer)

    with recommender_db.session_scope() as session:
        assert session.get(LearnerView, 6) is not None
        assert count(session, InteractionView, InteractionView.learner_id == 6) == 1
        assert session.get(CourseView, 4127) is not None
        assert [row.learner_id for row in session.scalars(select(ErasedLearner))] == [5]


def test_an_erasure_handled_twice_keeps_one_tombstone(consumer, recommender_db, redis_client):
    event = erased(5)
    send(redis_client, PROFILE, event)
    drain(consumer)
    with recommender_db.session_scope() as session:
        first = session.get(ErasedLearner, 5).erased_at
        session.execute(delete(InboxEntry))

    send(redis_client, PROFILE, event)
    drain(consumer)

    with recommender_db.session_scope() as session:
        assert count(session, ErasedLearner) == 1
        assert session.get(ErasedLearner, 5).erased_at == first


def test_the_tombstone_commits_with_the_erasure_handler_or_not_at_all(recommender_db, redis_client):
    def fails(event, session) -> None:
        raise RuntimeError("read model locked")

    member = make_consumer(
        recommender_db, redis_client, {**HANDLERS, ("profile.learner.erased", 1): fails}
    )
    member.setup()
    send(redis_client, PROFILE, erased(5))

    member.run_once()

    with recommender_db.session_scope() as session:
        assert count(session, ErasedLearner) == 0
        assert count(session, InboxEntry) == 0
    assert redis_client.xpending(PROFILE, "recommender")["pending"] == 1  # to be retried
