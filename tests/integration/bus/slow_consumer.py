"""A recommender consumer whose handler stalls, run as its own process so a test can SIGKILL it.

Usage: python slow_consumer.py DATABASE_URL REDIS_URL MARKER_FILE
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import redis

from services.recommender.handlers import HANDLERS
from services.recommender.models import ErasedLearner, InboxEntry
from shared.bus.consumer import Consumer, ConsumerPolicy
from shared.db import Database


def main(database_url: str, redis_url: str, marker: Path) -> None:
    def stall(event, session) -> None:
        marker.write_text(event.id)
        time.sleep(120)

    handlers = {**HANDLERS, ("catalogue.course.published", 1): stall}
    consumer = Consumer(
        "recommender",
        handlers,
        Database(database_url).sessions,
        InboxEntry,
        redis.Redis.from_url(redis_url),
        ConsumerPolicy(handler_time_limit_seconds=300, reclaim_idle_seconds=600),
        name="doomed",
        tombstones=ErasedLearner,
    )
    consumer.run_forever(threading.Event())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
