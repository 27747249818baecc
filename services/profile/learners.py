"""Learners: registration, reading, self-service and adviser edits, export and erasure.

Profiles arrive as the nested documents `resources/learners/schemas.py` validates (goals,
constraints and consent as objects); this module checks what a schema cannot (codes against the
cached taxonomy, the minimum age, a unique email), stores them, and announces what changed with
ids and coarse attributes only: never a name, an email, a full postcode or a date of birth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.profile import taxonomy_cache
from services.profile.models import (
    ActionPlanEntry,
    Adviser,
    CaseloadEntry,
    ConsoleVisit,
    ErasedLearner,
    Interaction,
    Learner,
    OutboxEvent,
)
from shared.bus.erasure import delete_learner_events, record_erasure
from shared.events import utcnow

#: Funding in England turns on age at the start of the course: 16-18 is free, 19-23 has the
#: legal entitlement to a first full level 2 or 3, 24+ can take an Advanced Learner Loan.
AGE_BANDS = ("16-18", "19-23", "24+")


class ProfileError(Exception):
    """A request the profile service cannot do; `field` and `reason` say why (for 4xx bodies)."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class LearnerNotFound(ProfileError):  # noqa: N818 - reads as what happened
    status = 404


class EmailTaken(ProfileError):  # noqa: N818 - reads as what happened
    status = 409


class InvalidProfile(ProfileError):  # noqa: N818 - reads as what happened
    """Several fields may be wrong at once: `errors` is marshmallow-shaped (field -> reasons)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(next(iter(errors)), "invalid")
        self.errors = errors


class TaxonomyNotReady(ProfileError):  # noqa: N818 - reads as what happened
    """Codes cannot be checked before the catalogue's taxonomy reached this service (503)."""

    status = 503


@dataclass(frozen=True)
class ProfileRules:
    """Rules from settings, and today's date (passed in so tests can fix it)."""

    minimum_age: int = 16
    today: date | None = None

    def on(self) -> date:
        return self.today or utcnow().date()


# --- the document <-> row mapping ------------------------------------------------------------

_PLAIN = (
    "name", "email", "postcode", "date_of_birth", "age_band", "employment_status",
    "occupation_code", "rqf_level", "qualifications", "skills", "route_preference",
    "wants_route_switch",
)  # fmt: skip


def _apply(learner: Learner, details: Mapping[str, Any]) -> None:
    """Copy a (partial) validated document onto the row."""
    for name in _PLAIN:
        if name in details:
            setattr(learner, name, details[name])
    if "email" in details:
        learner.email = details["email"].strip().lower()
    if "postcode" in details:
        learner.postcode = tidy_postcode(details["postcode"])
    if details.get("constraints") is not None:
        given = {k: v.isoformat() if isinstance(v, date) else v
                 for k, v in details["constraints"].items()}  # fmt: skip
        learner.constraints = {**(learner.constraints or {}), **given}
    goals = details.get("goals")
    if goals is not None:
        learner.goal_occupations = list(goals.get("occupations", learner.goal_occupations or []))
        learner.goal_sectors = list(goals.get("sectors", learner.goal_sectors or []))
        learner.goal_not_sure = bool(goals.get("not_sure", learner.goal_not_sure))
    consent = details.get("consent")
    if consent is not None:
        if "suggestion_emails" in consent:
            learner.email_consent = consent["suggestion_emails"]
        if "frequency" in consent:
            learner.email_frequency = consent["frequency"]
        if "share_with_adviser" in consent:
            learner.share_with_adviser = consent["share_with_adviser"]
        learner.consent_updated_at = utcnow()


def tidy_postcode(text: str) -> str:
    """Upper case with one space before the inward code ("pr12he" -> "PR1 2HE")."""
    compact = "".join(text.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def constraints_of(learner: Learner) -> dict[str, Any]:
    """The constraints with `earliest_start` as a date again (JSON keeps it as ISO text)."""
    constraints = dict(learner.constraints or {})
    if isinstance(constraints.get("earliest_start"), str):
        constraints["earliest_start"] = date.fromisoformat(constraints["earliest_start"])
    return constraints


def goals_of(learner: Learner) -> dict[str, Any]:
    return {
        "occupations": list(learner.goal_occupations or []),
        "sectors": list(learner.goal_sectors or []),
        "not_sure": bool(learner.goal_not_sure),
    }


def consent_of(learner: Learner) -> dict[str, Any]:
    return {
        "suggestion_emails": bool(learner.email_consent),
        "frequency": learner.email_frequency,
        "share_with_adviser": bool(learner.share_with_adviser),
        "updated_at": learner.consent_updated_at,
    }


def shared_attributes(learner: Learner) -> dict[str, Any]:
    """What other services may know of a learner: coarse facts, no identity."""
    consent = consent_of(learner)
    consent.pop("updated_at")
    return {
        "occupation_code": learner.occupation_code,
        "rqf_level": learner.rqf_level,
        "postcode_district": learner.postcode_district,
        "age_band": learner.age_band,
        "employment_status": learner.employment_status,
        "qualifications": [
            {"type": q["type"], "rqf_level": q["rqf_level"]} for q in learner.qualifications or []
        ],
        "skills": list(learner.skills or []),
        "goals": goals_of(learner),
        "route_preference": learner.route_preference,
        "wants_route_switch": bool(learner.wants_route_switch),
        "constraints": dict(learner.constraints or {}),
        "consent": consent,
    }


def document(learner: Learner) -> dict[str, Any]:
    """The learner's whole profile, shaped as `LearnerSchema` dumps it."""
    row = {name: getattr(learner, name) for name in _PLAIN}
    return {
        **row,
        "constraints": constraints_of(learner),
        "id": learner.id,
        "goals": goals_of(learner),
        "consent": consent_of(learner),
        "created_at": learner.created_at,
        "updated_at": learner.updated_at,
    }


def export(session: Session, learner: Learner) -> dict[str, Any]:
    """Everything this service holds about the learner (a subject access request)."""
    interactions = session.scalars(
        select(Interaction).where(Interaction.learner_id == learner.id).order_by(Interaction.id)
    )
    advisers = session.execute(
        select(Adviser.name, Adviser.organisation, CaseloadEntry.assigned_at)
        .join(CaseloadEntry, CaseloadEntry.adviser_id == Adviser.id)
        .where(CaseloadEntry.learner_id == learner.id)
    )
    plan = session.scalars(
        select(ActionPlanEntry)
        .where(ActionPlanEntry.learner_id == learner.id)
        .order_by(ActionPlanEntry.id)
    )
    profile = document(learner)
    return {
        "learner": _plain_json(profile),
        "interactions": [
            {"id": i.id, "course_id": i.course_id, "kind": i.kind, "source": i.source,
             "occurred_at": i.occurred_at.isoformat(), "client_ref": i.client_ref}
            for i in interactions
        ],
        "advisers": [
            {"name": name, "organisation": organisation, "assigned_at": assigned.isoformat()}
            for name, organisation, assigned in advisers
        ],
        "action_plan": [
            {"kind": e.kind, "text": e.text, "written_by": e.adviser_name,
             "due_on": e.due_on.isoformat() if e.due_on else None,
             "done_at": e.done_at.isoformat() if e.done_at else None,
             "created_at": e.created_at.isoformat()}
            for e in plan
        ],
        "exported_at": utcnow(),
        "note": "Other services hold only your learner id with coarse facts (recommendations, "
        "mail delivery records); erasing your profile deletes those too.",
    }  # fmt: skip


def _plain_json(value: Any) -> Any:
    """`value` with every date and datetime as ISO 8601 text (exports are read by people)."""
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


# --- checks a schema cannot make ----------------------------------------------------------


def age_band_on(born: date, today: date) -> tuple[int, str | None]:
    """Age in whole years on `today`, and its funding band (None under 16)."""
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 16:
        return age, None
    return age, "16-18" if age <= 18 else "19-23" if age <= 23 else "24+"


def _check(session: Session, details: Mapping[str, Any], rules: ProfileRules) -> dict[str, Any]:
    """Fill the age band from the date of birth; raise InvalidProfile naming every bad field."""
    details = dict(details)
    errors: dict[str, Any] = {}
    born = details.get("date_of_birth")
    if born is not None:
        age, band = age_band_on(born, rules.on())
        if age < rules.minimum_age or band is None:
            errors["date_of_birth"] = [f"learners must be at least {rules.minimum_age} years old"]
        else:
            details["age_band"] = band
    errors.update(_unknown_codes(session, details))
    if errors:
        raise InvalidProfile(errors)
    return details


def _unknown_codes(session: Session, details: Mapping[str, Any]) -> dict[str, Any]:
    """Occupation, skill and sector codes the cached taxonomy lacks, by field path."""
    wanted: list[tuple[str, str, list[tuple[str | int, str]]]] = []
    if details.get("occupation_code"):
        wanted.append(("occupation_code", taxonomy_cache.OCCUPATION,
                       [("", details["occupation_code"])]))  # fmt: skip
    goals = details.get("goals") or {}
    for key, kind in (
        ("occupations", taxonomy_cache.OCCUPATION),
        ("sectors", taxonomy_cache.SECTOR),
    ):
        if goals.get(key):
            wanted.append((f"goals.{key}", kind, list(enumerate(goals[key]))))
    if details.get("skills"):
        wanted.append(("skills", taxonomy_cache.SKILL,
                       [(i, s["skill"]) for i, s in enumerate(details["skills"])]))  # fmt: skip
    if not wanted:
        return _unknown_district(session, details)
    if taxonomy_cache.cached_version(session) is None:
        raise TaxonomyNotReady(
            wanted[0][0], "the occupation and skill codes are not loaded yet; retry in a minute"
        )
    errors: dict[str, Any] = _unknown_district(session, details)
    for path, kind, items in wanted:
        unknown = taxonomy_cache.unknown_codes(session, kind, [code for _, code in items])
        for index, code in items:
            if code in unknown:
                where = f"{path}.{index}" if index != "" else path
                if kind == taxonomy_cache.SKILL:
                    where += ".skill"
                errors[where] = [f"unknown {kind} code {code!r}"]
    return errors


def _unknown_district(session: Session, details: Mapping[str, Any]) -> dict[str, Any]:
    """A postcode whose district the catalogue has no centroid for (when it has districts)."""
    postcode = details.get("postcode")
    if not postcode or not taxonomy_cache.has_codes(session, taxonomy_cache.DISTRICT):
        return {}
    district = tidy_postcode(postcode).split()[0]
    if taxonomy_cache.unknown_codes(session, taxonomy_cache.DISTRICT, [district]):
        return {"postcode": [f"postcode district {district} is not one we have a location for"]}
    return {}


# --- operations ------------------------------------------------------------------------------


def register_learner(
    session: Session, details: Mapping[str, Any], rules: ProfileRules | None = None
) -> Learner:
    """Store a new learner and announce their starting point."""
    details = _check(session, details, rules or ProfileRules())
    _refuse_taken_email(session, details["email"])
    learner = Learner(qualifications=[], skills=[], constraints={}, goal_occupations=[],
                      goal_sectors=[])  # fmt: skip
    _apply(learner, details)
    session.add(learner)
    session.flush()
    attributes = shared_attributes(learner)
    _announce(session, "profile.learner.registered", learner.id, sorted(attributes), attributes)
    return learner


def update_learner(
    session: Session,
    learner: Learner,
    changes: Mapping[str, Any],
    rules: ProfileRules | None = None,
) -> list[str]:
    """Apply a partial document; announce the shared attributes it changed (none: no event)."""
    changes = _check(session, changes, rules or ProfileRules())
    if "email" in changes and changes["email"].strip().lower() != learner.email:
        _refuse_taken_email(session, changes["email"])
    before = shared_attributes(learner)
    _apply(learner, changes)
    learner.updated_at = utcnow()
    session.flush()
    after = shared_attributes(learner)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        _announce(session, "profile.learner.updated", learner.id, changed, after)
    return changed


def get_learner(session: Session, learner_id: int) -> Learner:
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise LearnerNotFound("learner_id", f"no learner {learner_id}")
    return learner


def find_by_email(session: Session, email: str) -> Learner | None:
    return session.scalar(select(Learner).where(Learner.email == email.strip().lower()))


def erase_learner(session: Session, learner_id: int) -> None:
    """Delete everything held about the learner here, keep a tombstone of the id, delete the
    learner's own events still in the outbox, and announce the erasure to every service."""
    learner = get_learner(session, learner_id)
    session.execute(delete(Interaction).where(Interaction.learner_id == learner_id))
    session.execute(delete(CaseloadEntry).where(CaseloadEntry.learner_id == learner_id))
    session.execute(delete(ActionPlanEntry).where(ActionPlanEntry.learner_id == learner_id))
    session.execute(delete(ConsoleVisit).where(ConsoleVisit.learner_id == learner_id))
    session.delete(learner)
    delete_learner_events(session, OutboxEvent, learner_id)
    record_erasure(session, ErasedLearner, learner_id)
    OutboxEvent.publish(session, "profile.learner.erased", 1, {"learner_id": learner_id})


def _refuse_taken_email(session: Session, email: str) -> None:
    if find_by_email(session, email) is not None:
        raise EmailTaken("email", "a learner with this email is registered")


def _announce(
    session: Session, event_type: str, learner_id: int, changed: list[str], attributes: dict
) -> None:
    OutboxEvent.publish(
        session,
        event_type,
        1,
        {"learner_id": learner_id, "changed_fields": changed, "attributes": attributes},
    )
