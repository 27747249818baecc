"""A consumer-group member: read, dedupe through the inbox, dispatch, acknowledge, retry,
dead-letter, and reclaim what crashed members left pending.

Rules it keeps:
- an event is acknowledged only after its handler's transaction (effects + inbox row) commits;
  a failure is never acknowledged away: it stays pending and is retried with exponential backoff;
- after `max_deliveries` deliveries, or at once when it cannot be read or fails its contract,
  the event goes to the group's dead-letter stream with its error, so it never blocks the stream;
- messages another member left pending longer than `reclaim_idle` are taken over (XAUTOCLAIM);
  that threshold exceeds the handler time limit, so a slow but live handler keeps its message;
- given the service's tombstone model, an erasure keeps its tombstone and an event naming an
  erased learner is recorded in the inbox but never handled (`shared/bus/erasure.py`);
- new messages read together are handled in one transaction and acknowledged with one XACK
  (a backlog costs one commit, one inbox query and one tombstone query per read, not per
  event); if a handler fails, the transaction rolls back whole, that event waits for its retry
  and the others are handled again on their own, so one bad event fails alone (when a run of
  a `Batched` handler fails, below, no event is named: each is handled again on its own, the
  bad one included, and fails alone then).
  A handler given as `Batched` also takes a run of consecutive events of its type at once
  (`many`): one statement for the run's rows instead of a round trip per event, which is most
  of a batch's time on PostgreSQL. Any other event ends the run first, so effects keep the
  stream's order (an erasure after a learner's interactions still finds them to delete).
  While the batch is full the transaction carries `BACKLOG` in `session.info`: a handler may
  then defer costly follow-up work (the recommender queues rescoring instead of doing it).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.bus.erasure import ErasedLearnerMixin, Tombstones, admit
from shared.bus.inbox import InboxBatch, InboxMixin, first_time
from shared.bus.outbox import correlation_id
from shared.bus.streams import as_text as _text
from shared.bus.streams import dead_letter_stream, ensure_group, stream_name
from shared.events import (
    Envelope,
    EnvelopeError,
    envelope_from_json,
    lookup,
    utcnow,
    validate_payload,
)
from shared.events.contract import InvalidEventPayload, UnknownEventType

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, Session], None]
ManyHandler = Callable[[list[Envelope], Session], None]


@dataclass(frozen=True)
class Batched:
    """A handler that can also apply a run of consecutive events of its type in one call.

    `one` handles an event alone (retries, reclaims, a batch that failed); `many` must leave
    the same state as `one` applied to each event in order, within the caller's transaction.
    """

    one: Handler
    many: ManyHandler

    def __call__(self, event: Envelope, session: Session) -> None:
        self.one(event, session)


#: `session.info` key, True while the consumer reads full batches (more events are waiting).
BACKLOG = "bus.backlog"


def in_backlog(session: Session) -> bool:
    """Whether this transaction handles a full batch read from a stream with more waiting."""
    return bool(session.info.get(BACKLOG))


@dataclass(frozen=True)
class ConsumerPolicy:
    """Retry, dead-letter and reclaim figures (from settings)."""

    max_deliveries: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    handler_time_limit_seconds: float = 30.0
    reclaim_idle_seconds: float = 60.0
    block_ms: int = 1000
    #: Per transaction: a checkout, an inbox and a tombstone query, a commit, four Redis calls;
    #: 100 events share them (20 left PostgreSQL at ~0.23 of a bare XREADGROUP + XACK loop,
    #: 100 at ~0.47: bench/recommender_bus.py).
    batch_size: int = 100

    def backoff_ms(self, deliveries: int) -> int:
        """Wait before delivery number `deliveries + 1`: base * 2^(deliveries - 1), capped."""
        delay = self.retry_base_seconds * 2 ** max(deliveries - 1, 0)
        return int(min(delay, self.retry_max_seconds) * 1000)


class HandlerTimeout(Exception):  # noqa: N818 - reads as what happened
    """A handler ran past the time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (SIGALRM: main thread only, else no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise HandlerTimeout(f"handler exceeded {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Consumer:
    """One member of the consumer group `group`, dispatching through `handlers`.

    `tombstones` is the service's `ErasedLearner` model. It is required (keyword only) so no
    consumer can be built that would let a replayed event re-create an erased learner.
    """

    def __init__(
        self,
        group: str,
        handlers: Mapping[tuple[str, int], Handler],
        sessions: sessionmaker[Session],
        inbox: type[InboxMixin],
        client: redis.Redis,
        policy: ConsumerPolicy | None = None,
        name: str | None = None,
        *,
        tombstones: type[ErasedLearnerMixin],
    ) -> None:
        self.group = group
        self.handlers = dict(handlers)
        self.sessions = sessions
        self.inbox = inbox
        self.tombstones = tombstones
        self.client = client
        self.policy = policy or ConsumerPolicy()
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.streams = sorted({stream_name(lookup(*key).producer) for key in self.handlers})
        self._errors: dict[str, str] = {}

    def setup(self) -> None:
        for stream in self.streams:
            ensure_group(self.client, stream, self.group)

    def run_forever(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; Redis outages and restarts are waited out."""
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    self.setup()
                    ready = True
                self.run_once()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.warning("consumer %s: Redis unavailable (%s); retrying", self.group, error)
                ready = False
                stop.wait(1.0)
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                log.warning(
                    "consumer %s: stream or group vanished (Redis restart?); recreating", self.group
                )
                ready = False

    def run_once(self) -> int:
        """Retry due failures, reclaim abandoned messages, read new ones; return how many."""
        handled = 0
        for stream in self.streams:
            handled += self._retry_due(stream) + self._reclaim(stream)
        response = self.client.xreadgroup(
            self.group,
            self.name,
            dict.fromkeys(self.streams, ">"),
            count=self.policy.batch_size,
            block=self.policy.block_ms,
        )
        for stream, messages in response or []:
            self._handle_new(_text(stream), messages)
            handled += len(messages)
        return handled

    def _handle_new(self, stream: str, messages: list) -> None:
        """Handle messages read for the first time together: one transaction, one XACK. If a
        handler fails, the transaction rolls back whole; that event is left for its retry and
        the others are handled again, each on its own (all of them when a run failed)."""
        ready: list[tuple[str, str, Envelope, Handler]] = []
        done: list[str] = []
        for message_id, fields in messages:
            message_id, raw = _text(message_id), _raw(fields)
            try:
                event = _read(raw)
            except (EnvelopeError, UnknownEventType, InvalidEventPayload) as error:
                self._dead_letter(stream, message_id, raw, f"rejected: {error}", 1)
                continue
            handler = self.handlers.get(event.key)
            if handler is None:
                done.append(message_id)  # another group's event on this stream
            else:
                ready.append((message_id, raw, event, handler))
        try:
            failure = self._apply_all(ready, backlog=len(messages) >= self.policy.batch_size)
        except Exception as error:  # the commit failed (an inbox race?): each on its own
            log.warning(
                "consumer %s: batch of %d failed (%r); handling each on its own",
                self.group, len(ready), error,
            )  # fmt: skip
            failure = ("", error)
        if failure is None:
            done += [message_id for message_id, *_rest in ready]
        else:
            self._after_failed_batch(stream, ready, *failure)
        if done:
            self.client.xack(stream, self.group, *done)

    def _after_failed_batch(
        self,
        stream: str,
        ready: list[tuple[str, str, Envelope, Handler]],
        failed_id: str,
        error: Exception,
    ) -> None:
        """Nothing of the batch committed: the failed event counts this delivery as failed
        (its handler is not run twice in one delivery); every other is handled on its own.
        `failed_id` "" (a failed commit or run names no event): every event is."""
        for message_id, raw, event, _handler in ready:
            if message_id != failed_id:
                self._handle(stream, message_id, {"envelope": raw}, deliveries=1)
            elif self._failed(stream, message_id, raw, event, error, 1):
                self.client.xack(stream, self.group, message_id)

    def _retry_due(self, stream: str) -> int:
        """Claim again this member's own failed messages whose backoff has passed."""
        pending = self.client.xpending_range(
            stream,
            self.group,
            min="-",
            max="+",
            count=self.policy.batch_size,
            consumername=self.name,
        )
        handled = 0
        for entry in pending:
            if entry["time_since_delivered"] < self.policy.backoff_ms(entry["times_delivered"]):
                continue
            message_id = _text(entry["message_id"])
            for claimed_id, fields in self.client.xclaim(
                stream, self.group, self.name, 0, [message_id]
            ):
                self._handle(stream, _text(claimed_id), fields, entry["times_delivered"] + 1)
                handled += 1
        return handled

    def _reclaim(self, stream: str) -> int:
        """Take over messages other members left pending past the reclaim threshold."""
        idle_ms = int(self.policy.reclaim_idle_seconds * 1000)
        reply = self.client.xautoclaim(
            stream, self.group, self.name, idle_ms, "0-0", count=self.policy.batch_size
        )
        handled = 0
        for message_id, fields in reply[1]:
            message_id = _text(message_id)
            info = self.client.xpending_range(stream, self.group, message_id, message_id, 1)
            deliveries = info[0]["times_delivered"] if info else 1
            log.warning(
                "consumer %s: reclaimed %s (delivery %d)", self.group, message_id, deliveries
            )
            self._handle(stream, message_id, fields, deliveries)
            handled += 1
        return handled

    def _handle(
        self, stream: str, message_id: str, fields: Mapping | None, deliveries: int
    ) -> None:
        raw = _raw(fields)
        try:
            event = _read(raw)
        except (EnvelopeError, UnknownEventType, InvalidEventPayload) as error:
            self._dead_letter(stream, message_id, raw, f"rejected: {error}", deliveries)
            return
        handler = self.handlers.get(event.key)
        if handler is None:
            self.client.xack(stream, self.group, message_id)  # another group's event on this stream
            return
        if deliveries > self.policy.max_deliveries:
            error = self._errors.pop(
                message_id, "delivered too often without success (crash or timeout)"
            )
            self._dead_letter(stream, message_id, raw, error, deliveries)
            return
        try:
            self._apply(handler, event)
        except Exception as error:
            if self._failed(stream, message_id, raw, event, error, deliveries):
                self.client.xack(stream, self.group, message_id)
            return
        self.client.xack(stream, self.group, message_id)
        self._errors.pop(message_id, None)

    def _failed(
        self,
        stream: str,
        message_id: str,
        raw: str,
        event: Envelope,
        error: Exception,
        deliveries: int,
    ) -> bool:
        """Deal with a handler's failure: True when the message is to be acknowledged (another
        member handled the event: it won the inbox race); else it is dead-lettered after its
        last delivery, or left pending for a retry."""
        if self._already_handled(event):
            return True
        log.error(
            "consumer %s: %s %s failed (delivery %d)",
            self.group, event.type, event.id, deliveries,
            exc_info=(type(error), error, error.__traceback__),
        )  # fmt: skip
        if deliveries >= self.policy.max_deliveries:
            self._dead_letter(stream, message_id, raw, repr(error), deliveries)
        else:
            self._errors[message_id] = repr(error)
        return False

    def _apply(self, handler: Handler, event: Envelope) -> None:
        """Record the inbox row, keep or check the tombstones, and run the handler, in one
        transaction."""
        with (
            self._handling(event.correlation_id),
            self.sessions() as session,
            session.begin(),
        ):
            if not first_time(session, self.inbox, event):
                return
            if admit(session, self.tombstones, event):
                handler(event, session)

    @contextmanager
    def _handling(self, correlation: str) -> Iterator[None]:
        """Handler work under `correlation` (what it publishes carries it) and the time limit."""
        token = correlation_id.set(correlation)
        try:
            with time_limit(self.policy.handler_time_limit_seconds):
                yield
        finally:
            correlation_id.reset(token)

    def _apply_all(
        self, ready: list[tuple[str, str, Envelope, Handler]], backlog: bool
    ) -> tuple[str, Exception] | None:
        """`_apply` for several events in one transaction, with one inbox query and insert and
        one tombstone query for all, consecutive events of a `Batched` handler as one run.
        Returns the first failure (message id, or "" for a run, and the error), after which
        nothing commits; raises if the commit fails (nothing committed either)."""
        if not ready:
            return None
        events = [event for _id, _raw, event, _handler in ready]
        with self.sessions() as session:
            session.begin()
            session.info[BACKLOG] = backlog
            inbox = InboxBatch(session, self.inbox, events)
            tombstones = Tombstones(session, self.tombstones, events)
            run = _Run()
            for message_id, _raw_json, event, handler in ready:
                if run.events and not run.takes(handler):
                    failure = self._apply_run(run, session)  # before this event's admission
                    if failure is not None:
                        return failure
                try:
                    if not (inbox.first_time(event) and tombstones.admit(event)):
                        continue
                    if isinstance(handler, Batched):
                        run.add(handler, event)
                        continue
                    self._apply_one(handler, event, session)
                except Exception as error:
                    session.rollback()
                    return message_id, error
            failure = self._apply_run(run, session)
            if failure is not None:
                return failure
            inbox.record()
            with time_limit(self.policy.handler_time_limit_seconds):
                session.commit()  # runs the work the handlers left for it (run_before_commit)
        return None

    def _apply_one(self, handler: Handler, event: Envelope, session: Session) -> None:
        """Run one event's handler with its correlation id and the time limit."""
        with self._handling(event.correlation_id):
            handler(event, session)

    def _apply_run(self, run: _Run, session: Session) -> tuple[str, Exception] | None:
        """Apply the events collected in `run` with its handler's `many`, then empty it.
        What the run publishes carries its first event's correlation id. On failure the
        transaction is rolled back and the failure names no event (""): every event of the
        batch is then handled alone, and the bad one fails alone."""
        if not run.events:
            return None
        events, handler = run.take()
        try:
            with self._handling(events[0].correlation_id):
                handler.many(events, session)
        except Exception as error:
            log.warning(
                "consumer %s: a run of %d %s events failed; handling each on its own",
                self.group, len(events), events[0].type, exc_info=True,
            )  # fmt: skip
            session.rollback()
            return "", error
        return None

    def _already_handled(self, event: Envelope) -> bool:
        with self.sessions() as session:
            found = session.scalar(
                select(self.inbox.event_id).where(self.inbox.event_id == event.id)
            )
            return found is not None

    def _dead_letter(
        self, stream: str, message_id: str, raw: str, error: str, deliveries: int
    ) -> None:
        """Move the message to the group's dead-letter stream and acknowledge it, atomically."""
        log.error(
            "consumer %s: dead-lettering %s from %s: %s", self.group, message_id, stream, error
        )
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(
            dead_letter_stream(self.group),
            {
                "envelope": raw,
                "error": error[:4000],
                "stream": stream,
                "message_id": message_id,
                "group": self.group,
                "deliveries": deliveries,
                "failed_at": utcnow().isoformat(),
            },
        )
        pipe.xack(stream, self.group, message_id)
        pipe.execute()


class _Run:
    """Consecutive admitted events of one `Batched` handler, waiting to be applied together."""

    def __init__(self) -> None:
        self.handler: Batched | None = None
        self.events: list[Envelope] = []

    def takes(self, handler: Handler) -> bool:
        """Whether an event of `handler` may join this run."""
        return handler is self.handler

    def add(self, handler: Batched, event: Envelope) -> None:
        self.handler = handler
        self.events.append(event)

    def take(self) -> tuple[list[Envelope], Batched]:
        """The run's events and handler; the run is empty afterwards."""
        events, handler = self.events, self.handler
        assert handler is not None
        self.events, self.handler = [], None
        return events, handler


def _raw(fields: Mapping | None) -> str:
    """The envelope JSON of a stream message ('' when it has none)."""
    fields = fields or {}
    return _text(fields.get(b"envelope", fields.get("envelope", b"")))


def _read(raw: str) -> Envelope:
    """Parse and check an event against its contract; raise if it can never be handled."""
    event = envelope_from_json(raw)
    validate_payload(event.type, event.version, event.payload)
    return event
