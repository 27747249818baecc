"""Learners: registration and reading. Registration announces the learner's starting point
(ids and coarse attributes, never name, email or full postcode)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.models import Learner, OutboxEvent


class ProfileError(LookupError):
    """A request names something the profile service does not hold; `field` says which."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class NewLearner:
    name: str
    email: str
    postcode: str
    rqf_level: int
    occupation_code: str | None = None
    route_preference: str = "either"
    goals: list[str] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] = field(default_factory=dict)


def shared_attributes(learner: Learner) -> dict[str, Any]:
    """What other services may know of a learner."""
    return {
        "occupation_code": learner.occupation_code,
        "rqf_level": learner.rqf_level,
        "postcode_district": learner.postcode_district,
        "goals": list(learner.goals),
        "route_preference": learner.route_preference,
        "constraints": dict(learner.constraints),
        "consent": dict(learner.consent),
    }


def register_learner(session: Session, new: NewLearner) -> Learner:
    email = new.email.strip().lower()
    if session.scalar(select(Learner.id).where(Learner.email == email)) is not None:
        raise ProfileError("email", "a learner with this email is registered")
    learner = Learner(**{**vars(new), "email": email, "postcode": new.postcode.strip().upper()})
    session.add(learner)
    session.flush()
    attributes = shared_attributes(learner)
    OutboxEvent.publish(
        session,
        "profile.learner.registered",
        1,
        {"learner_id": learner.id, "changed_fields": sorted(attributes), "attributes": attributes},
    )
    return learner


def get_learner(session: Session, learner_id: int) -> Learner:
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise ProfileError("learner_id", f"no learner {learner_id}")
    return learner
