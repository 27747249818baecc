"""The delivery record: each digest or alert is claimed before it is sent and completed after,
so a task that runs twice or a duplicate event never sends a second message.

A conditional write is the claim, not a preceding read: `claim` inserts the digest's row (`ON
CONFLICT DO NOTHING` on its unique digest id) or takes over a row nobody holds any more with a
conditional UPDATE, and proceeds only if it changed one row. Two workers racing on one digest
cannot both win, on SQLite (one writer at a time) or PostgreSQL (the row lock re-checks the
UPDATE's condition).

States: `claimed` -> `sent` (the server accepted), `bounced` (refused for good), `failed`
(transient failures outlasted the tries), `skipped` (nothing to tell). A `failed` row may be
claimed again by a later run, `max_claims` claims in all. A `claimed` row whose lease ran out
(its worker died) may be claimed again: if the worker died after the server accepted the
message but before `mark_sent` committed, that second claim sends it again, with the same
Message-ID. The caller commits `mark_sent` right after the server's reply, so that window is one
UPDATE and one commit long, and at most one resend per killed worker can come of it.

The send path's functions take a `Session` or, cheaper for a batch of thousands, a Core
`Connection` (`sending.send_batch`'s): every statement here is a Core statement.

Plain Python: no Flask or Celery.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notifier.models import BouncedAddress, Delivery
from shared.db import UtcDateTime
from shared.events import utcnow

log = logging.getLogger(__name__)

CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
SKIPPED = "skipped"

#: Why a claim was refused, by the state of the row that holds the digest.
REFUSALS = {
    SENT: "already-sent",
    BOUNCED: "already-bounced",
    SKIPPED: "already-skipped",
    CLAIMED: "in-progress",
    FAILED: "given-up",
}


@dataclass(frozen=True)
class DigestKey:
    """What a delivery is: a learner's digest or alert, or (`adviser_id`, no learner) an
    adviser's weekly summary."""

    digest_id: str
    learner_id: int | None
    kind: str
    period: str
    adviser_id: int | None = None


# The statements of the send path, built once (a send makes a few per message: building them
# each time cost more than running them on SQLite).
_DELIVERIES = Delivery.__table__
_BOUNCES = BouncedAddress.__table__
_C = _DELIVERIES.c
_RECLAIM = (
    update(_DELIVERIES)
    .where(
        _C.digest_id == bindparam("key"),
        _C.attempts < bindparam("max_claims"),
        (_C.state == FAILED) | ((_C.state == CLAIMED) & (_C.claimed_at < bindparam("stale"))),
    )
    .values(
        state=CLAIMED,
        owner=bindparam("claimant"),
        attempts=_C.attempts + 1,
        claimed_at=bindparam("at", type_=UtcDateTime()),
        updated_at=bindparam("at", type_=UtcDateTime()),
        detail=None,
    )
)
_STATE = select(_C.state).where(_C.digest_id == bindparam("key"))
_OURS = (_C.digest_id == bindparam("key"), _C.owner == bindparam("claimant"), _C.state == CLAIMED)
_SENT = (
    update(_DELIVERIES)
    .where(*_OURS)
    .values(
        state=SENT,
        sent_at=bindparam("at", type_=UtcDateTime()),
        updated_at=bindparam("at", type_=UtcDateTime()),
        message_id=bindparam("message"),
        course_ids=bindparam("courses", type_=_C.course_ids.type),
    )
)
_ENDED = (
    update(_DELIVERIES)
    .where(*_OURS)
    .values(
        state=bindparam("new_state"),
        updated_at=bindparam("at", type_=UtcDateTime()),
        message_id=func.coalesce(bindparam("message", type_=String()), _C.message_id),
        detail=bindparam("why"),
    )
)
_BOUNCED = select(_BOUNCES.c.address_hash).where(_BOUNCES.c.address_hash == bindparam("hash"))


@dataclass(frozen=True)
class _DialectStatements:
    claim_new: Any
    bounce_new: Any


@functools.cache
def _statements_for(dialect: str) -> _DialectStatements:
    """The INSERTs that skip an existing row (`ON CONFLICT DO NOTHING`, PostgreSQL's and
    SQLite's)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return _DialectStatements(
        claim_new=module.insert(_DELIVERIES)
        .on_conflict_do_nothing(index_elements=["digest_id"])
        .returning(_C.digest_id),
        bounce_new=module.insert(_BOUNCES).on_conflict_do_nothing(index_elements=["address_hash"]),
    )


def _statements(session: Session | Connection) -> _DialectStatements:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return _statements_for(bind.dialect.name)


def claim(
    session: Session | Connection,
    key: DigestKey,
    owner: str,
    *,
    lease_seconds: float,
    max_claims: int,
    now: datetime | None = None,
) -> str | None:
    """Claim `key`'s digest for `owner`: None when it is ours to send now, else why not (a
    value of `REFUSALS`). The caller commits before sending."""
    now = now or utcnow()
    # A row back means the INSERT was ours (an INSERT's rowcount varies by driver).
    inserted = session.execute(
        _statements(session).claim_new,
        {
            "digest_id": key.digest_id,
            "learner_id": key.learner_id,
            "adviser_id": key.adviser_id,
            "kind": key.kind,
            "period": key.period,
            "state": CLAIMED,
            "owner": owner,
            "attempts": 1,
            "course_ids": [],
            "claimed_at": now,
            "updated_at": now,
        },
    ).first()
    if inserted is not None:
        return None
    stale = now - timedelta(seconds=lease_seconds)
    taken = session.execute(
        _RECLAIM,
        {"key": key.digest_id, "max_claims": max_claims, "stale": stale, "claimant": owner,
         "at": now},
    )  # fmt: skip
    if taken.rowcount == 1:
        log.warning(
            "digest %s claimed again by %s (its last send failed, or its worker died: if that "
            "worker died after the server accepted, the message goes out twice)",
            key.digest_id,
            owner,
        )
        return None
    state = session.execute(_STATE, {"key": key.digest_id}).scalar()
    return REFUSALS.get(state or "", "in-progress")


def _finish(
    session: Session | Connection, statement: Any, digest_id: str, owner: str, **values: Any
) -> bool:
    """Complete our claim; False when it is no longer ours (the lease ran out and another
    worker took it, or the learner was erased meanwhile)."""
    result = session.execute(
        statement, {"key": digest_id, "claimant": owner, "at": utcnow(), **values}
    )
    if result.rowcount != 1:
        log.warning("digest %s: the claim of %s was gone when it finished", digest_id, owner)
    return result.rowcount == 1


def mark_sent(
    session: Session | Connection,
    digest_id: str,
    owner: str,
    message_id: str,
    course_ids: Sequence[int],
) -> bool:
    """The server accepted the message: commit this at once (see the module doc)."""
    return _finish(session, _SENT, digest_id, owner, message=message_id, courses=list(course_ids))


def mark_failed(session: Session | Connection, digest_id: str, owner: str, detail: str) -> bool:
    """Transient failures outlasted the tries (or composing failed): a later run may claim it
    again."""
    return _finish(
        session, _ENDED, digest_id, owner, new_state=FAILED, message=None, why=detail[:500]
    )


def mark_skipped(session: Session | Connection, digest_id: str, owner: str, detail: str) -> bool:
    """Nothing to send for this digest (for good: the period is over or the alert is moot)."""
    return _finish(
        session, _ENDED, digest_id, owner, new_state=SKIPPED, message=None, why=detail[:500]
    )


def mark_bounced(
    session: Session | Connection,
    key: DigestKey,
    owner: str,
    address: str,
    code: int | None,
    detail: str,
    message_id: str | None = None,
) -> bool:
    """The server refused the address for good: complete the claim and, for a learner's
    address, never mail it again (an adviser's address is their organisation's to mend)."""
    if key.learner_id is not None:
        record_bounce(session, key.learner_id, address, code or 0, detail)
    return _finish(
        session, _ENDED, key.digest_id, owner, new_state=BOUNCED, message=message_id,
        why=detail[:500],
    )  # fmt: skip


def address_hash(address: str) -> str:
    """SHA-256 of the address, trimmed and lower-cased (the notifier keeps no addresses)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def record_bounce(
    session: Session | Connection, learner_id: int, address: str, code: int, detail: str
) -> None:
    """Remember that `address` bounced (once: a second bounce changes nothing)."""
    session.execute(
        _statements(session).bounce_new,
        {"address_hash": address_hash(address), "learner_id": learner_id, "smtp_code": code,
         "detail": detail[:500], "bounced_at": utcnow()},
    )  # fmt: skip


def is_bounced(session: Session | Connection, address: str) -> bool:
    return session.execute(_BOUNCED, {"hash": address_hash(address)}).first() is not None


def deliveries_of(session: Session, learner_id: int, limit: int = 100) -> list[Delivery]:
    """A learner's deliveries, newest claim first (the delivery log)."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.learner_id == learner_id)
            .order_by(Delivery.claimed_at.desc(), Delivery.digest_id)
            .limit(limit)
        )
    )


def forget_learner(session: Session, learner_id: int) -> None:
    """Erasure: delete the learner's delivery records and bounced-address hashes."""
    session.execute(delete(Delivery).where(Delivery.learner_id == learner_id))
    session.execute(delete(BouncedAddress).where(BouncedAddress.learner_id == learner_id))
