"""A catalogue outbox relaying to a recommender consumer over a real Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from services.catalogue.models import OutboxEvent, RelayCheckpoint
from services.recommender.handlers import HANDLERS
from services.recommender.models import ErasedLearner, InboxEntry
from shared.bus.consumer import Consumer, ConsumerPolicy
from shared.bus.relay import Relay
from shared.db import Database

FAST = ConsumerPolicy(
    max_deliveries=3,
    retry_base_seconds=0.01,
    retry_max_seconds=0.05,
    handler_time_limit_seconds=5,
    reclaim_idle_seconds=6,
    block_ms=50,
)


def make_relay(catalogue_db: Database, client: redis.Redis) -> Relay:
    return Relay(
        catalogue_db.sessions,
        OutboxEvent,
        RelayCheckpoint,
        client,
        republish_window=timedelta(seconds=5),
    )


def make_consumer(
    recommender_db: Database,
    client: redis.Redis,
    handlers: dict | None = None,
    policy: ConsumerPolicy = FAST,
    name: str = "test-consumer",
) -> Consumer:
    return Consumer(
        "recommender",
        handlers or HANDLERS,
        recommender_db.sessions,
        InboxEntry,
        client,
        policy,
        name=name,
        tombstones=ErasedLearner,
    )


@pytest.fixture
def relay(catalogue_db: Database, redis_client: redis.Redis) -> Relay:
    return make_relay(catalogue_db, redis_client)


@pytest.fixture
def consumer(recommender_db: Database, redis_client: redis.Redis) -> Consumer:
    member = make_consumer(recommender_db, redis_client)
    member.setup()
    return member


def drain(consumer: Consumer, rounds: int = 20) -> int:
    """Run the consumer until a round handles nothing; return how many it handled."""
    total = 0
    for _ in range(rounds):
        handled = consumer.run_once()
        total += handled
        if handled == 0:
            break
    return total
