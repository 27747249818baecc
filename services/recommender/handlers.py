"""Events the recommender consumes: each keeps the read model current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.recommender import read_model
from services.recommender.models import OutboxEvent
from shared.bus.erasure import delete_learner_events
from shared.events import Envelope


def on_course_published(event: Envelope, session: Session) -> None:
    p = event.payload
    read_model.record_course(
        session, p["course_id"], p["provider_id"], "published", p["changed_fields"]
    )


def on_course_updated(event: Envelope, session: Session) -> None:
    p = event.payload
    read_model.record_course(
        session, p["course_id"], p["provider_id"], "published", p["changed_fields"]
    )


def on_course_withdrawn(event: Envelope, session: Session) -> None:
    p = event.payload
    read_model.record_course(session, p["course_id"], p["provider_id"], "withdrawn", ["status"])


def on_taxonomy_updated(event: Envelope, session: Session) -> None:
    read_model.record_taxonomy(session, event.payload["version"], event.payload["counts"])


def on_learner_changed(event: Envelope, session: Session) -> None:
    read_model.record_learner(session, event.payload["learner_id"], event.payload["attributes"])


def on_learner_erased(event: Envelope, session: Session) -> None:
    """Drop the learner from the read model and their suggestions not yet relayed (or relayed:
    they name the learner all the same). The consumer keeps the tombstone."""
    learner_id = event.payload["learner_id"]
    read_model.forget_learner(session, learner_id)
    delete_learner_events(session, OutboxEvent, learner_id)


def on_interaction_recorded(event: Envelope, session: Session) -> None:
    p = event.payload
    read_model.record_interaction(
        session,
        p["interaction_id"],
        p["learner_id"],
        p["course_id"],
        p["kind"],
        datetime.fromisoformat(p["occurred_at"]),
    )


HANDLERS = {
    ("catalogue.course.published", 1): on_course_published,
    ("catalogue.course.updated", 1): on_course_updated,
    ("catalogue.course.withdrawn", 1): on_course_withdrawn,
    ("catalogue.taxonomy.updated", 1): on_taxonomy_updated,
    ("profile.learner.registered", 1): on_learner_changed,
    ("profile.learner.updated", 1): on_learner_changed,
    ("profile.learner.erased", 1): on_learner_erased,
    ("profile.interaction.recorded", 1): on_interaction_recorded,
}
