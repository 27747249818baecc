"""Events the profile service consumes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.profile.models import Learner, RouteChange, TaxonomySeen
from services.profile.tasks import refresh_taxonomy
from shared.events import Envelope
from shared.tasks import enqueue_after_commit


def on_taxonomy_updated(event: Envelope, session: Session) -> None:
    """Remember the catalogue's newest taxonomy version and, once that is committed, fetch its
    codes (learners' occupations, skills, goals and postcodes are checked against them)."""
    version = event.payload["version"]
    session.merge(TaxonomySeen(version=version, counts=event.payload["counts"]))
    enqueue_after_commit(session, refresh_taxonomy, version)


def on_routes_updated(event: Envelope, session: Session) -> None:
    """Remember when the learner's best route last changed: the adviser console's caseload
    flags the learner until their adviser opens the learner's page again. An older event
    arriving late (a retry) never moves the time back."""
    learner_id = event.payload["learner_id"]
    if session.get(Learner, learner_id) is None:
        return  # not (or no longer) a learner here: nothing to flag
    change = session.get(RouteChange, learner_id)
    if change is None:
        change = RouteChange(learner_id=learner_id, changed_at=event.occurred_at)
        session.add(change)
    elif change.changed_at >= event.occurred_at:
        return
    change.changed_at = event.occurred_at
    change.target = event.payload["target"]
    change.changes = list(event.payload["changes"])


HANDLERS = {
    ("catalogue.taxonomy.updated", 1): on_taxonomy_updated,
    ("recommender.routes.updated", 1): on_routes_updated,
    ("recommender.routes.updated", 2): on_routes_updated,
}
