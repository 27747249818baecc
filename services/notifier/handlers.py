"""Events the notifier consumes: consent, erasure, and what to tell learners.

Instant alerts: a learner whose consent says `frequency: "instant"` (with suggestion emails)
gets an alert when a course enters their top three, or when their best route got shorter. The
handler only sends `notifier.send_digest(learner_id, "alert", <event id>)` after the consumer's
transaction commits; the send checks consent again with the profile service, and the alert's
digest id (from the event id) makes a duplicate event, or a task run twice, send nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.notifier import delivery_records
from services.notifier.models import DigestItem, OutboxEvent, Recipient, RouteChange
from shared.bus.erasure import delete_learner_events
from shared.events import Envelope, utcnow

#: A course entering this many of a learner's first suggestions is worth an instant alert.
ALERT_TOP = 3


def on_learner_changed(event: Envelope, session: Session) -> None:
    """Keep the learner's consent (the only learner fact the notifier needs before sending)."""
    learner_id = event.payload["learner_id"]
    recipient = session.get(Recipient, learner_id) or Recipient(learner_id=learner_id, consent={})
    if "consent" in event.payload["attributes"]:
        recipient.consent = event.payload["attributes"]["consent"]
    recipient.updated_at = utcnow()
    session.add(recipient)


def on_learner_erased(event: Envelope, session: Session) -> None:
    """Delete the learner's consent, pending suggestions and route changes, and any event of
    ours naming them. The consumer keeps the tombstone."""
    learner_id = event.payload["learner_id"]
    for model in (DigestItem, RouteChange, Recipient):
        session.execute(delete(model).where(model.learner_id == learner_id))
    delivery_records.forget_learner(session, learner_id)
    delete_learner_events(session, OutboxEvent, learner_id)


def on_recommendations_updated(event: Envelope, session: Session) -> None:
    """Keep the suggestions for the next digest; alert an "instant" learner when a course is
    new to their top three."""
    p = event.payload
    new_on_top = wants_alerts(session, p["learner_id"]) and enters_top(
        session, p["learner_id"], event.id, p["top_course_ids"]
    )
    for rank, course_id in enumerate(p["top_course_ids"], start=1):
        session.add(
            DigestItem(
                event_id=event.id,
                learner_id=p["learner_id"],
                course_id=course_id,
                rank=rank,
                model_version=p["model_version"],
            )
        )
    if new_on_top:
        _alert_after_commit(session, p["learner_id"], event.id)


def on_routes_updated(event: Envelope, session: Session) -> None:
    """Keep the change for the next digest; alert an "instant" learner whose route got
    shorter."""
    p = event.payload
    session.add(
        RouteChange(
            event_id=event.id, learner_id=p["learner_id"], target=p["target"], changes=p["changes"]
        )
    )
    if "shorter" in p["changes"] and wants_alerts(session, p["learner_id"]):
        _alert_after_commit(session, p["learner_id"], event.id)


def wants_alerts(session: Session, learner_id: int) -> bool:
    """The learner's consent, as the profile's events told it: suggestion emails, instantly."""
    recipient = session.get(Recipient, learner_id)
    consent = recipient.consent if recipient is not None else {}
    return bool(consent.get("suggestion_emails")) and consent.get("frequency") == "instant"


def enters_top(
    session: Session, learner_id: int, event_id: str, top_course_ids: Sequence[int]
) -> bool:
    """Whether a course of this event's top three was not in the learner's previous top three
    (every course is new when there was none before)."""
    top = set(top_course_ids[:ALERT_TOP])
    previous = session.scalar(
        select(DigestItem.event_id)
        .where(DigestItem.learner_id == learner_id, DigestItem.event_id != event_id)
        .order_by(DigestItem.created_at.desc(), DigestItem.id.desc())
        .limit(1)
    )
    if previous is None:
        return bool(top)
    before = session.scalars(
        select(DigestItem.course_id).where(
            DigestItem.event_id == previous, DigestItem.rank <= ALERT_TOP
        )
    )
    return bool(top - set(before))


def _alert_after_commit(session: Session, learner_id: int, event_id: str) -> None:
    """Send `notifier.send_digest(learner_id, "alert", event_id)` once the consumer's
    transaction commits. The tasks are imported here, not at the top: importing them creates
    the Celery app, which reads its broker URL from the environment once."""
    from services.notifier import tasks
    from shared.tasks import enqueue_after_commit

    enqueue_after_commit(session, tasks.send_digest, learner_id, "alert", event_id)


HANDLERS = {
    ("profile.learner.registered", 1): on_learner_changed,
    ("profile.learner.updated", 1): on_learner_changed,
    ("profile.learner.erased", 1): on_learner_erased,
    ("recommender.recommendations.updated", 1): on_recommendations_updated,
    ("recommender.routes.updated", 1): on_routes_updated,
    ("recommender.routes.updated", 2): on_routes_updated,
}
