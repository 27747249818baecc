"""Events the catalogue consumes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.events import Envelope


def on_learner_erased(event: Envelope, session: Session) -> None:
    """The catalogue holds no learner data: the erasure is acknowledged (and kept in the inbox)."""


HANDLERS = {
    ("profile.learner.erased", 1): on_learner_erased,
}
