"""Which advisers look after which learners, for the notifier's weekly adviser summaries.

The notifier knows whose routes changed (from the recommender's events) but not who advises
them; it names those learners and gets back each open adviser account with the learners among
them it may see (in its caseload, sharing their profile with advisers), so it never holds a
caseload of its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.models import Adviser, CaseloadEntry, Learner

#: The most learners one lookup may name (the notifier asks in batches of this).
MAX_LEARNERS = 1000


@dataclass(frozen=True)
class AdviserContact:
    """An adviser, their address, and the named learners in their caseload: (id, name)."""

    adviser_id: int
    name: str
    email: str
    learners: tuple[tuple[int, str], ...]


def advisers_of(session: Session, learner_ids: Collection[int]) -> list[AdviserContact]:
    """The open adviser accounts that may see any of `learner_ids`, by adviser id, each with
    those learners (by learner id)."""
    rows = session.execute(
        select(Adviser.id, Adviser.name, Adviser.email, Learner.id, Learner.name)
        .join(CaseloadEntry, CaseloadEntry.adviser_id == Adviser.id)
        .join(Learner, Learner.id == CaseloadEntry.learner_id)
        .where(
            CaseloadEntry.learner_id.in_(sorted(set(learner_ids))),
            Learner.share_with_adviser.is_(True),
            Adviser.active.is_(True),
        )
        .order_by(Adviser.id, Learner.id)
    )
    found: dict[int, AdviserContact] = {}
    for adviser_id, name, email, learner_id, learner_name in rows:
        known = found.get(adviser_id) or AdviserContact(adviser_id, name, email, ())
        found[adviser_id] = AdviserContact(
            adviser_id, name, email, (*known.learners, (learner_id, learner_name))
        )
    return list(found.values())
