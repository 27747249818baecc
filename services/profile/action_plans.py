"""Action plans: the dated entries an adviser keeps for a learner in the console (actions agreed,
notes, and records of what was done with the learner's consent), and each adviser's last visit
to a learner's page with the routes they saw then.

The entries are the learner's personal data: a subject access export includes them and erasure
deletes them. Plain Python: no Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.profile.learners import ProfileError
from services.profile.models import ActionPlanEntry, Adviser, ConsoleVisit, RouteChange
from shared.events import utcnow

ACTION = "action"
NOTE = "note"
PROFILE_CHANGE = "profile-change"
SHORTLIST = "shortlist"
KINDS = (ACTION, NOTE, PROFILE_CHANGE, SHORTLIST)
MAX_TEXT = 2000


class EntryNotFound(ProfileError):  # noqa: N818 - reads as what happened
    status = 404


def add_entry(
    session: Session,
    learner_id: int,
    adviser: Adviser,
    text: str,
    kind: str = ACTION,
    due_on: date | None = None,
) -> ActionPlanEntry:
    """Add an entry to the learner's plan (the caller has checked the adviser may see them)."""
    text = text.strip()
    if not text:
        raise ProfileError("text", "write what was agreed")
    if len(text) > MAX_TEXT:
        raise ProfileError("text", f"use at most {MAX_TEXT:,} characters")
    if kind not in KINDS:
        raise ProfileError("kind", f"one of {', '.join(KINDS)}")
    entry = ActionPlanEntry(
        learner_id=learner_id,
        adviser_id=adviser.id,
        adviser_name=adviser.name,
        kind=kind,
        text=text,
        due_on=due_on,
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def plan_of(session: Session, learner_id: int) -> list[ActionPlanEntry]:
    """The learner's plan: open actions first (soonest due first, undated last), then the
    rest newest first."""
    entries = list(
        session.scalars(
            select(ActionPlanEntry)
            .where(ActionPlanEntry.learner_id == learner_id)
            .order_by(ActionPlanEntry.created_at.desc(), ActionPlanEntry.id.desc())
        )
    )
    open_actions = [e for e in entries if e.kind == ACTION and e.done_at is None]
    open_actions.sort(key=lambda e: (e.due_on is None, e.due_on or date.max))
    return open_actions + [e for e in entries if e not in open_actions]


def mark_done(
    session: Session, learner_id: int, entry_id: int, now: datetime | None = None
) -> ActionPlanEntry:
    """Tick an action off (ticking it twice changes nothing)."""
    entry = session.get(ActionPlanEntry, entry_id)
    if entry is None or entry.learner_id != learner_id:
        raise EntryNotFound("entry_id", f"no entry {entry_id} in this learner's plan")
    if entry.done_at is None:
        entry.done_at = now or utcnow()
    return entry


# --- visits ----------------------------------------------------------------------------------


def last_visit(session: Session, adviser_id: int, learner_id: int) -> ConsoleVisit | None:
    return session.scalar(
        select(ConsoleVisit).where(
            ConsoleVisit.adviser_id == adviser_id, ConsoleVisit.learner_id == learner_id
        )
    )


def record_visit(
    session: Session,
    adviser_id: int,
    learner_id: int,
    routes: Sequence[Sequence[int]] | None,
    now: datetime | None = None,
) -> bool:
    """Note this visit and the routes shown (course ids per route; None when the recommender
    could not answer, which keeps what was seen before). True when the routes differ from
    those seen at the last visit (never on a first visit)."""
    visit = last_visit(session, adviser_id, learner_id)
    seen = [list(route) for route in routes] if routes is not None else None
    changed = (
        visit is not None
        and seen is not None
        and visit.routes_seen is not None
        and visit.routes_seen != seen
    )
    if visit is None:
        visit = ConsoleVisit(adviser_id=adviser_id, learner_id=learner_id)
        session.add(visit)
    visit.visited_at = now or utcnow()
    if seen is not None:
        visit.routes_seen = seen
    session.flush()
    return changed


def visits_of(session: Session, adviser_id: int, learner_ids: Sequence[int]) -> dict[int, datetime]:
    """learner id -> when the adviser last opened their page."""
    rows = session.execute(
        select(ConsoleVisit.learner_id, ConsoleVisit.visited_at).where(
            ConsoleVisit.adviser_id == adviser_id, ConsoleVisit.learner_id.in_(learner_ids)
        )
    )
    return {learner_id: visited for learner_id, visited in rows}


def new_routes_since_visit(
    session: Session, adviser_id: int, learner_ids: Sequence[int]
) -> set[int]:
    """Those of `learner_ids` whose best route changed (as the recommender announced) after
    the adviser last opened their page; a learner never opened is not flagged (their page
    has nothing "since" to compare with)."""
    rows = session.execute(
        select(RouteChange.learner_id)
        .join(
            ConsoleVisit,
            (ConsoleVisit.learner_id == RouteChange.learner_id)
            & (ConsoleVisit.adviser_id == adviser_id),
        )
        .where(
            RouteChange.learner_id.in_(learner_ids),
            RouteChange.changed_at > ConsoleVisit.visited_at,
        )
    )
    return set(rows.scalars())
