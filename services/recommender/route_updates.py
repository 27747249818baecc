"""Keeping each learner's best route to their goal fresh, and announcing when it changes.

Each learner with a goal occupation has their best route stored (`LearnerRoute`: its target,
steps, months and up-front cost; `LearnerRouteStep`: which courses it uses, so a course change
finds the learners who use it). After anything that can change it, the route is planned again
(`route_planning.plan_routes`, one route) and compared with the stored one; when it moved,
it is stored and `recommender.routes.updated` (v2) goes out through the outbox in the caller's
transaction, saying what changed:

- "new-best-route": the steps differ (a first route counts);
- "shorter" / "cheaper": the new best takes fewer months / costs less up front;
- "course-withdrawn": a course of the old best was withdrawn;
- "no-route": there was a route and now there is none.

What can change a route: the learner's profile (goal, level, skills, constraints, place), a
course they use or a course that could serve their target (published, changed, withdrawn:
`audience_of_course`), and a course of their route they turn down. The same route twice
publishes nothing; a route that only got longer or dearer with the same steps is stored
without an event (nothing to tell a learner). No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, false, func, or_, select
from sqlalchemy.orm import Session

from services.recommender import read_model
from services.recommender.models import (
    CourseView,
    LearnerRoute,
    LearnerRouteStep,
    LearnerView,
    OccupationSkillView,
    OutboxEvent,
)
from services.recommender.route_planning import NoTarget, UnknownOccupation, plan_routes
from services.recommender.route_search import DEFAULT_LIMITS, DEFAULT_WEIGHTS, SearchLimits
from services.recommender.routes import RouteWeights, skill_key
from services.recommender.serving import Recommender, Snapshot, UnknownLearner
from services.recommender.top_courses import chunks
from shared.db import Database
from shared.events import utcnow

EVENT = ("recommender.routes.updated", 2)
#: The most routes a consumer transaction plans itself (tens of milliseconds each, 0.45 s at
#: worst: bench/results/routes_search.json); more are planned by the `plan_routes` task.
INLINE_ROUTES = 5
#: A route at least this many months shorter counts as "shorter".
MONTHS_NOTICED = 0.5


@dataclass(frozen=True)
class BestRoute:
    """A learner's best route now (course ids in time order; empty: no route)."""

    target: str
    course_ids: list[int]
    months: float | None
    cost_pence: int | None


def refresh(
    session: Session,
    snapshot: Snapshot,
    learner_id: int,
    today: date,
    horizon_days: int,
    now: datetime,
    cause_course_id: int | None = None,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> bool:
    """Plan the learner's best route again; store it and publish when it changed, in the
    caller's transaction. True when an event went out."""
    best = best_route(session, snapshot, learner_id, today, horizon_days, weights, limits)
    return record(session, learner_id, best, now, cause_course_id)


def refresh_many(
    database: Database,
    recommender: Recommender,
    learner_ids: Iterable[int],
    horizon_days: int,
    cause_course_id: int | None = None,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
    batch: int = 100,
) -> int:
    """`refresh` for many learners, `batch` at a time: routes planned in a read-only
    transaction, the moved ones written in a short one. Returns how many events went out."""
    published = 0
    for learner_batch in chunks(learner_ids, batch):
        now = utcnow()
        with database.read_scope() as session:
            snapshot = recommender.snapshot(session)
            best = {
                learner_id: best_route(
                    session, snapshot, learner_id, now.date(), horizon_days, weights, limits
                )
                for learner_id in learner_batch
            }
        with database.session_scope() as session:
            published += sum(
                record(session, learner_id, route, now, cause_course_id)
                for learner_id, route in best.items()
            )
    return published


def record(
    session: Session,
    learner_id: int,
    best: BestRoute | None,
    now: datetime,
    cause_course_id: int | None = None,
) -> bool:
    """Store the learner's best route and publish what changed, if anything did (None: they
    have no goal any more, and their stored route goes). True when an event went out."""
    if session.get(LearnerView, learner_id) is None:
        return False  # erased since the route was planned: nothing may name them again
    stored = session.get(LearnerRoute, learner_id)
    if best is None:
        if stored is not None:
            forget(session, learner_id)
        return False
    changes = _changes(session, stored, best, cause_course_id)
    before = (stored.months, stored.cost_pence) if stored is not None else (None, None)
    _store(session, learner_id, best, now)  # updates `stored` in place
    if not changes:
        return False
    _publish(session, learner_id, best, before, changes, cause_course_id)
    return True


def best_route(
    session: Session,
    snapshot: Snapshot,
    learner_id: int,
    today: date,
    horizon_days: int,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> BestRoute | None:
    """The learner's best route to their first goal occupation now (None: no goal, an
    occupation the taxonomy lacks, or a learner the read model does not hold)."""
    one = SearchLimits(**{**vars(limits), "routes": 1})
    try:
        plan = plan_routes(session, snapshot, learner_id, None, today, horizon_days, weights, one)
    except (NoTarget, UnknownOccupation, UnknownLearner):
        return None
    if not plan.answer.routes:
        return BestRoute(plan.target.code, [], None, None)
    route = plan.answer.routes[0]
    return BestRoute(
        plan.target.code, list(route.course_ids), route.totals.months, route.totals.cost_pence
    )


def _changes(
    session: Session, stored: LearnerRoute | None, best: BestRoute, cause: int | None
) -> list[str]:
    if stored is None or stored.target != best.target:
        return ["new-best-route"] if best.course_ids else []
    if stored.course_ids == best.course_ids:
        changes = []
    elif not best.course_ids:
        changes = ["no-route"]
    else:
        changes = ["new-best-route"]
    if best.course_ids and _less(best.months, stored.months, MONTHS_NOTICED):
        changes.append("shorter")
    if best.course_ids and _less(best.cost_pence, stored.cost_pence, 1):
        changes.append("cheaper")
    if cause is not None and cause in stored.course_ids and _withdrawn(session, cause):
        changes.append("course-withdrawn")
    return changes


def _less(now: float | None, before: float | None, by: float) -> bool:
    """`now` is at least `by` below `before` (both known)."""
    return now is not None and before is not None and now <= before - by


def _withdrawn(session: Session, course_id: int) -> bool:
    view = session.get(CourseView, course_id)
    return view is not None and view.status == read_model.WITHDRAWN


def _store(session: Session, learner_id: int, best: BestRoute, now: datetime) -> None:
    session.merge(
        LearnerRoute(
            learner_id=learner_id,
            target=best.target,
            course_ids=best.course_ids,
            months=best.months,
            cost_pence=best.cost_pence,
            updated_at=now,
        )
    )
    session.execute(delete(LearnerRouteStep).where(LearnerRouteStep.learner_id == learner_id))
    session.add_all(LearnerRouteStep(learner_id=learner_id, course_id=c) for c in best.course_ids)


def forget(session: Session, learner_id: int) -> None:
    """Drop the learner's stored route (erasure, or no goal any more)."""
    session.execute(delete(LearnerRouteStep).where(LearnerRouteStep.learner_id == learner_id))
    session.execute(delete(LearnerRoute).where(LearnerRoute.learner_id == learner_id))


def _publish(
    session: Session,
    learner_id: int,
    best: BestRoute,
    before: tuple[float | None, int | None],
    changes: list[str],
    cause: int | None,
) -> None:
    payload = {
        "learner_id": learner_id,
        "target": best.target,
        "changes": changes,
        "course_ids": best.course_ids,
        "months": best.months,
        "months_before": before[0],
        "cost_pence": best.cost_pence,
        "cost_before_pence": before[1],
        "course_id": cause,
    }
    OutboxEvent.publish(session, *EVENT, payload)


def audience_of_course(session: Session, course_id: int) -> list[int]:
    """Learners whose best route a change to `course_id` may move: those whose route uses it,
    and those whose target occupation it leads to or whose target's essential skills it
    teaches; less those whose route was planned after the course last changed (their plan
    already saw it: a catalogue sync of many courses plans each learner about once, not once
    per course)."""
    view = session.get(CourseView, course_id)
    if view is None:
        return []
    users = select(LearnerRouteStep.learner_id).where(LearnerRouteStep.course_id == course_id)
    served = set(view.occupations or []) | _targets_taught(session, view.skills or [])
    audience = or_(
        LearnerRoute.learner_id.in_(users),
        LearnerRoute.target.in_(served) if served else false(),
    )
    rows = session.scalars(
        select(LearnerRoute.learner_id)
        .where(audience)
        .where(LearnerRoute.updated_at < view.updated_at)
        .order_by(LearnerRoute.learner_id)
    )
    return list(rows)


def _targets_taught(session: Session, skills: Iterable[str]) -> set[str]:
    """Occupations with an essential skill among `skills` (by URI or label)."""
    raw = [s for s in skills if s]
    if not raw:
        return set()
    keys = {skill_key(s) for s in raw}
    rows = session.scalars(
        select(OccupationSkillView.code)
        .where(OccupationSkillView.relation == "essential")
        .where(
            or_(OccupationSkillView.uri.in_(raw), func.lower(OccupationSkillView.label).in_(keys))
        )
        .distinct()
    )
    return set(rows)


def learners_using(session: Session, steps: Iterable[tuple[int, int]]) -> list[int]:
    """The learners among `steps` ((learner id, course id) pairs) whose stored best route uses
    their course, ascending, in one query."""
    wanted = set(steps)
    if not wanted:
        return []
    rows = session.execute(
        select(LearnerRouteStep.learner_id, LearnerRouteStep.course_id).where(
            LearnerRouteStep.learner_id.in_(sorted({learner for learner, _ in wanted}))
        )
    )
    return sorted({learner for learner, course in rows if (learner, course) in wanted})
