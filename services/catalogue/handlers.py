"""Events the catalogue consumes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.catalogue.models import OutboxEvent
from shared.bus.erasure import delete_learner_events
from shared.events import Envelope


def on_learner_erased(event: Envelope, session: Session) -> None:
    """The catalogue keeps no learner data; only events of its own that name the learner (none
    today) are deleted. The consumer keeps the tombstone."""
    delete_learner_events(session, OutboxEvent, event.payload["learner_id"])


HANDLERS = {
    ("profile.learner.erased", 1): on_learner_erased,
}
