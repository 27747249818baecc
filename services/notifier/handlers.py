"""Events the notifier consumes: consent, erasure, and what to tell learners."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.notifier.models import DigestItem, OutboxEvent, Recipient, RouteChange
from shared.bus.erasure import delete_learner_events
from shared.events import Envelope, utcnow


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
    delete_learner_events(session, OutboxEvent, learner_id)


def on_recommendations_updated(event: Envelope, session: Session) -> None:
    p = event.payload
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


def on_routes_updated(event: Envelope, session: Session) -> None:
    p = event.payload
    session.add(
        RouteChange(
            event_id=event.id, learner_id=p["learner_id"], target=p["target"], changes=p["changes"]
        )
    )


HANDLERS = {
    ("profile.learner.registered", 1): on_learner_changed,
    ("profile.learner.updated", 1): on_learner_changed,
    ("profile.learner.erased", 1): on_learner_erased,
    ("recommender.recommendations.updated", 1): on_recommendations_updated,
    ("recommender.routes.updated", 1): on_routes_updated,
    ("recommender.routes.updated", 2): on_routes_updated,
}
