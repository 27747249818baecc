"""Events the profile service consumes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.profile.models import TaxonomySeen
from shared.events import Envelope


def on_taxonomy_updated(event: Envelope, session: Session) -> None:
    """Remember the catalogue's newest taxonomy version (learners' goals are checked against it)."""
    session.merge(TaxonomySeen(version=event.payload["version"], counts=event.payload["counts"]))


HANDLERS = {
    ("catalogue.taxonomy.updated", 1): on_taxonomy_updated,
}
