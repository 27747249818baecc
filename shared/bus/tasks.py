"""Periodic bus upkeep run by Celery beat: trim acknowledged stream entries, purge old rows."""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from sqlalchemy import delete

from shared.bus.streams import trim_acknowledged
from shared.events import REGISTRY, utcnow
from shared.settings import Settings
from shared.tasks import celery

log = logging.getLogger(__name__)

OUTBOX_RETENTION = timedelta(days=7)
INBOX_RETENTION = timedelta(days=30)  # far longer than any redelivery, re-send window or retry


@celery.task(name="bus.trim_streams", acks_late=True)
def trim_streams() -> dict[str, int]:
    """Trim every producer's stream below its slowest consumer group (idempotent)."""
    client = redis.Redis.from_url(Settings.from_env().redis_url)
    removed = {c.producer: 0 for c in REGISTRY.values()}
    for producer in removed:
        removed[producer] = trim_acknowledged(client, producer)
    log.info("trimmed streams: %s", removed)
    return removed


@celery.task(name="bus.purge_handled", acks_late=True)
def purge_handled() -> dict[str, int]:
    """Delete outbox rows published long ago and inbox rows older than any redelivery."""
    from services import all_specs  # composition root: imported at run time, not by shared/

    purged = {}
    now = utcnow()
    for spec in all_specs():
        database = spec.database()
        with database.session_scope() as session:
            outbox = session.execute(
                delete(spec.models.OutboxEvent).where(
                    spec.models.OutboxEvent.published_at < now - OUTBOX_RETENTION
                )
            )
            inbox = session.execute(
                delete(spec.models.InboxEntry).where(
                    spec.models.InboxEntry.handled_at < now - INBOX_RETENTION
                )
            )
            purged[spec.name] = outbox.rowcount + inbox.rowcount
        database.dispose()
    return purged
