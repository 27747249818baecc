"""The relay: moves committed outbox rows to the producer's Redis stream, in order.

A crash between XADD and marking the rows sent means they are sent again on the next pass
(at least once); consumers' inboxes absorb the duplicates. Redis can lose up to about a second
of acknowledged writes when it crashes with `appendfsync everysec` (and the CI and bundled
servers have no WAITAOF), so when the relay sees a new Redis `run_id` it re-sends every row
published within `republish_window` before the restart.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import redis
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shared.bus.outbox import OutboxMixin, RelayCheckpointMixin
from shared.bus.streams import ensure_groups_for, stream_name
from shared.events import utcnow

log = logging.getLogger(__name__)


class Relay:
    """Publishes one service's outbox to its stream."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        outbox: type[OutboxMixin],
        checkpoint: type[RelayCheckpointMixin],
        client: redis.Redis,
        *,
        batch_size: int = 200,
        republish_window: timedelta = timedelta(seconds=5),
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.checkpoint = checkpoint
        self.client = client
        self.batch_size = batch_size
        self.republish_window = republish_window
        self.stream = stream_name(outbox.producer)
        self._run_id: str | None = None

    def run_once(self) -> int:
        """Publish up to one batch of unsent rows; return how many were published."""
        self._notice_restart()
        with self.sessions() as session, session.begin():
            rows = session.scalars(
                select(self.outbox)
                .where(self.outbox.published_at.is_(None))
                .order_by(self.outbox.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            pipe = self.client.pipeline(transaction=False)
            for row in rows:
                pipe.xadd(self.stream, {"envelope": row.envelope_json()})
            stream_ids = pipe.execute()
            now = utcnow()
            for row, stream_id in zip(rows, stream_ids, strict=True):
                row.published_at = now
                row.stream_id = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
        return len(rows)

    def run_forever(self, stop: threading.Event, poll_seconds: float) -> None:
        """Relay until `stop` is set; a Redis or database outage is logged and waited out."""
        while not stop.is_set():
            try:
                published = self.run_once()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.warning("relay %s: Redis unavailable (%s); retrying", self.stream, error)
                self._run_id = None
                stop.wait(1.0)
                continue
            except OperationalError as error:
                # the database is down, or (SQLite) a writer held the lock past the busy
                # timeout: nothing was marked sent, so the next pass sends the same rows
                log.warning("relay %s: database unavailable (%s); retrying", self.stream, error)
                stop.wait(1.0)
                continue
            if published:
                log.info("relay %s: published %d", self.stream, published)
            if published < self.batch_size:
                stop.wait(poll_seconds)

    def _notice_restart(self) -> None:
        """Compare Redis' run_id with the checkpoint; after a change, re-send the window."""
        run_id = self.client.info("server")["run_id"]
        if run_id == self._run_id:
            return
        ensure_groups_for(self.client, self.outbox.producer)
        with self.sessions() as session, session.begin():
            saved = session.get(self.checkpoint, self.stream)
            if saved is None:
                session.add(
                    self.checkpoint(stream=self.stream, redis_run_id=run_id, updated_at=utcnow())
                )
            elif saved.redis_run_id != run_id:
                resent = self._unmark_window(session, self._restart_time())
                log.warning(
                    "relay %s: Redis restarted (run_id %s -> %s); re-sending %d events",
                    self.stream,
                    saved.redis_run_id,
                    run_id,
                    resent,
                )
                saved.redis_run_id = run_id
                saved.updated_at = utcnow()
        self._run_id = run_id

    def _restart_time(self) -> datetime:
        """A moment no earlier than the new server's start (uptime is whole seconds, so +1 s):
        rows published after it and re-sent too are only duplicates, which inboxes absorb."""
        uptime = int(self.client.info("server")["uptime_in_seconds"])
        return utcnow() - timedelta(seconds=uptime - 1)

    def _unmark_window(self, session: Session, restarted_at: datetime) -> int:
        """Mark unsent again every row published within the window before the last one the old
        server received; the next pass re-sends them in their original order."""
        last_before = session.scalar(
            select(func.max(self.outbox.published_at)).where(
                self.outbox.published_at <= restarted_at
            )
        )
        if last_before is None:
            return 0
        result = session.execute(
            update(self.outbox)
            .where(self.outbox.published_at >= last_before - self.republish_window)
            .values(published_at=None, stream_id=None)
        )
        return result.rowcount
