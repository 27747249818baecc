"""Events the profile service consumes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.profile.models import TaxonomySeen
from services.profile.tasks import refresh_taxonomy
from shared.events import Envelope
from shared.tasks import enqueue_after_commit


def on_taxonomy_updated(event: Envelope, session: Session) -> None:
    """Remember the catalogue's newest taxonomy version and, once that is committed, fetch its
    codes (learners' occupations, skills, goals and postcodes are checked against them)."""
    version = event.payload["version"]
    session.merge(TaxonomySeen(version=version, counts=event.payload["counts"]))
    enqueue_after_commit(session, refresh_taxonomy, version)


HANDLERS = {
    ("catalogue.taxonomy.updated", 1): on_taxonomy_updated,
}
