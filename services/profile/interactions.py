"""Interactions: the implicit feedback the recommender learns from, recorded once per client ref."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.learners import get_learner
from services.profile.models import Interaction, OutboxEvent


@dataclass(frozen=True)
class NewInteraction:
    course_id: int
    kind: str
    source: str
    occurred_at: datetime
    client_ref: str | None = None


def record_interaction(
    session: Session, learner_id: int, new: NewInteraction
) -> tuple[Interaction, bool]:
    """Record an interaction and announce it; a repeated `client_ref` returns the first (False)."""
    get_learner(session, learner_id)
    if new.client_ref is not None:
        existing = session.scalar(
            select(Interaction).where(Interaction.client_ref == new.client_ref)
        )
        if existing is not None:
            return existing, False
    interaction = Interaction(learner_id=learner_id, **vars(new))
    session.add(interaction)
    session.flush()
    OutboxEvent.publish(
        session,
        "profile.interaction.recorded",
        1,
        {
            "interaction_id": interaction.id,
            "learner_id": learner_id,
            "course_id": new.course_id,
            "kind": new.kind,
            "source": new.source,
            "occurred_at": new.occurred_at.isoformat(),
        },
    )
    return interaction, True
