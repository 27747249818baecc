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
    recorded_by_adviser_id: int | None = None


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
    announce(session, interaction)
    return interaction, True


def announce(session: Session, interaction: Interaction) -> None:
    """Publish `profile.interaction.recorded` for a stored interaction."""
    OutboxEvent.publish(
        session,
        "profile.interaction.recorded",
        1,
        {
            "interaction_id": interaction.id,
            "learner_id": interaction.learner_id,
            "course_id": interaction.course_id,
            "kind": interaction.kind,
            "source": interaction.source,
            "occurred_at": interaction.occurred_at.isoformat(),
        },
    )


def history(session: Session, learner_id: int, limit: int = 200) -> list[Interaction]:
    """The learner's interactions, newest first."""
    get_learner(session, learner_id)
    query = (
        select(Interaction)
        .where(Interaction.learner_id == learner_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
