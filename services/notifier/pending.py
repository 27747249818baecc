"""What is waiting to be told to a learner: suggestions for the next digest and route changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifier.models import DigestItem, RouteChange


def pending_for(session: Session, learner_id: int) -> dict[str, Any]:
    items = session.scalars(
        select(DigestItem)
        .where(DigestItem.learner_id == learner_id)
        .order_by(DigestItem.created_at.desc(), DigestItem.rank)
    ).all()
    changes = session.scalars(
        select(RouteChange)
        .where(RouteChange.learner_id == learner_id)
        .order_by(RouteChange.created_at.desc())
    ).all()
    return {"learner_id": learner_id, "digest_items": items, "route_changes": changes}
