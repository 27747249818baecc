"""Routes and career changes for one learner from the read model: their starting point, the
target occupation, the courses they could take as steps, and the search
(`route_search.find_routes`); career changes out of an occupation (`career_changes`), with the
best route to each for a learner.

Reads: the learner and their history (`serving.Learner.read`), their district's centroid and
labour-market area, the target occupation and its demand there (`occupations`); the courses
come from the serving process's in-memory `CourseIndex`, so nothing is read per course.

Hard filters that do not depend on the route (published, near enough or open anywhere, a mode
they accept, hours they have, not turned down) run once over every course
(`feasibility.feasible`, with a start window as long as a route may take); level, entry
requirements, funding and budget depend on the earlier steps and are the search's. No Flask or
Celery here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from services.recommender import occupations, read_model
from services.recommender.career_changes import CareerChange, career_changes
from services.recommender.course_index import CourseIndex
from services.recommender.feasibility import LearnerLimits, feasible
from services.recommender.route_search import (
    DEFAULT_LIMITS,
    DEFAULT_WEIGHTS,
    RouteAnswer,
    SearchLimits,
    StepTable,
    find_routes_in,
)
from services.recommender.routes import (
    Progress,
    RouteWeights,
    Starting,
    Target,
    TargetSkill,
)
from services.recommender.serving import TURNED_DOWN, Learner, Snapshot, similar_learners_taken

#: A route's later steps may start years after the first: the window the step filters use.
ROUTE_WINDOW_DAYS = 4 * 365


class NoTarget(ValueError):  # noqa: N818 - reads as what happened
    """No target occupation was asked for and the learner has no goal occupation."""


class NoOrigin(ValueError):  # noqa: N818 - reads as what happened
    """The learner has no current occupation to suggest moves from."""


class UnknownOccupation(LookupError):  # noqa: N818 - reads as what happened
    """The taxonomy has no occupation with this code."""


@dataclass(frozen=True)
class RoutePlan:
    """The routes answered for one learner and target, with what they were computed from."""

    learner_id: int
    target: Target
    starting: Starting
    answer: RouteAnswer
    area: str | None
    current_occupation: str | None


def plan_routes(
    session: Session,
    snapshot: Snapshot,
    learner_id: int,
    target_code: str | None,
    today: date,
    horizon_days: int,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> RoutePlan:
    """Up to `limits.routes` routes for the learner to `target_code` (their first goal
    occupation when None)."""
    learner = Learner.read(session, learner_id)
    code = target_code or _first_goal(learner)
    occupation = occupations.occupation(session, code)
    if occupation is None:
        raise UnknownOccupation(f"no occupation {code} in the taxonomy")
    centroid = read_model.district_centroid(session, learner.attributes.get("postcode_district"))
    area = occupations.area_of(session, *centroid) if centroid else None
    target = _target(session, occupation, area)
    limits_now = _step_limits(learner, centroid)
    starting = _starting(learner, limits_now, today, horizon_days)
    steps = step_courses(snapshot, learner, limits_now, today)
    answer = steps.routes(starting, target, weights, limits)
    return RoutePlan(learner_id, target, starting, answer, area, learner.occupation)


def _first_goal(learner: Learner) -> str:
    goals = (learner.attributes.get("goals") or {}).get("occupations") or []
    if not goals:
        raise NoTarget("give a target occupation, or set a goal occupation for the learner")
    return str(goals[0])


def _target(session: Session, occupation: occupations.Occupation, area: str | None) -> Target:
    return Target(
        code=occupation.code,
        title=occupation.title,
        essential_skills=tuple(
            TargetSkill(skill.label, occupations.skill_keys(skill))
            for skill in occupation.essential_skills
        ),
        entry_level=occupation.typical_entry_level,
        demand=occupations.demand_share(session, occupation.code, area),
    )


def _step_limits(learner: Learner, centroid: tuple[float, float] | None) -> LearnerLimits:
    """The learner's limits for steps: level and budget are left to the search (they depend on
    the earlier steps and on the whole route)."""
    turned_down = {i.course_id for i in learner.history if i.kind in TURNED_DOWN}
    own = LearnerLimits.from_attributes(learner.attributes, centroid, turned_down)
    return replace(own, rqf_level=None, budget_pence=None)


def _starting(learner: Learner, limits: LearnerLimits, today: date, horizon_days: int) -> Starting:
    attributes = learner.attributes
    levels = [attributes.get("rqf_level")]
    levels += [q.get("rqf_level") for q in attributes.get("qualifications") or []]
    known = [level for level in levels if level is not None]
    skills = {
        occupations.skill_key(str(s.get("skill", ""))) for s in attributes.get("skills") or []
    }
    qualifications = {
        str(q.get("type", "")).casefold() for q in attributes.get("qualifications") or []
    }
    constraints = attributes.get("constraints") or {}
    first, _ = limits.window(today, horizon_days)
    return Starting(
        progress=Progress(
            max(known) if known else None,
            frozenset(skills - {""}),
            frozenset(qualifications - {""}),
        ),
        age_band=attributes.get("age_band"),
        occupation=learner.occupation,
        earliest_start=first,
        horizon_days=horizon_days,
        hours_per_week=constraints.get("hours_per_week"),
        budget_pence=constraints.get("budget_pence"),
        route_preference=attributes.get("route_preference"),
    )


#: Route preferences that narrow the steps ("either", or none, keeps every course).
PREFERRED_KINDS = ("academic", "technical")


@dataclass(frozen=True)
class StepCourses:
    """The courses a learner could take as steps: the catalogue's `table`, the `rows` through
    the hard filters, and for every row their distance to it (km, NaN: not measured) and how
    many learners in their current occupation took it; `index` the course index they come
    from (for the route kind of each row)."""

    table: StepTable
    rows: np.ndarray
    distance_km: np.ndarray
    like_you: np.ndarray
    index: CourseIndex

    def routes(
        self,
        starting: Starting,
        target: Target,
        weights: RouteWeights,
        limits: SearchLimits,
    ) -> RouteAnswer:
        """`route_search.find_routes_in` over these courses, kept to the learner's preferred
        route kind (courses of that kind or of both). When no route of that kind alone
        exists but one mixing kinds does, the mixed routes are answered with a `note` saying
        so: an adviser would rather see them than an empty page (the learner said
        "preferably", not "only")."""
        kind = starting.route_preference
        if kind not in PREFERRED_KINDS:
            return self._search(self.rows, starting, target, weights, limits)
        preferred = self.rows[self.index.route_kind_mask(kind)[self.rows]]
        answer = self._search(preferred, starting, target, weights, limits)
        if answer.routes:
            return answer
        mixed = self._search(self.rows, starting, target, weights, limits)
        if not mixed.routes:
            return answer
        note = (
            f"no route of {kind} courses alone was found ({answer.reason});"
            f" these routes also take courses of the other kind"
        )
        return replace(mixed, note=note)

    def _search(
        self,
        rows: np.ndarray,
        starting: Starting,
        target: Target,
        weights: RouteWeights,
        limits: SearchLimits,
    ) -> RouteAnswer:
        return find_routes_in(
            self.table, rows, self.distance_km, self.like_you,
            starting, target, weights, limits,
        )  # fmt: skip


def step_courses(
    snapshot: Snapshot, learner: Learner, limits: LearnerLimits, today: date
) -> StepCourses:
    """Every course the learner could take as a step (as rows of the catalogue's step table:
    the search makes objects only of the few it keeps)."""
    index = snapshot.index
    verdict = feasible(index.table, limits, today, ROUTE_WINDOW_DAYS)
    rows = np.flatnonzero(verdict.mask)
    like_you = np.zeros(len(index), dtype=float)
    like_you[rows] = similar_learners_taken(snapshot, learner, rows)
    return StepCourses(step_table(index), rows, verdict.distance_km, like_you, index)


_tables: list[tuple[CourseIndex, StepTable]] = []


def step_table(index: CourseIndex) -> StepTable:
    """The route search's arrays over `index.steps`, built once per course index (a new index
    comes with every catalogue change)."""
    for built, table in _tables:
        if built is index:
            return table
    table = StepTable.build(index.steps)
    _tables[:] = [(index, table)]
    return table


@dataclass(frozen=True)
class CareerChangePlan:
    """Career changes out of an occupation, each with its best route's headline when planned
    for a learner (`routes[code]`: None when no route was found)."""

    origin: occupations.Occupation
    area: str | None
    changes: list[CareerChange]
    routes: dict[str, tuple[Target, RouteAnswer]]


def occupation_career_changes(
    session: Session, code: str, n: int, area: str | None = None
) -> CareerChangePlan:
    """The `n` best career changes out of occupation `code`, demand weighted in `area`."""
    origin = occupations.occupation(session, code)
    if origin is None:
        raise UnknownOccupation(f"no occupation {code} in the taxonomy")
    return CareerChangePlan(origin, area, _changes(session, origin, area, n, None), {})


def plan_career_changes(
    session: Session,
    snapshot: Snapshot,
    learner_id: int,
    n: int,
    today: date,
    horizon_days: int,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> CareerChangePlan:
    """The `n` best career changes out of the learner's current occupation, with their skills
    gap and the best route to each (one search per suggestion, over the same steps)."""
    learner = Learner.read(session, learner_id)
    if not learner.occupation:
        raise NoOrigin("the learner has no current occupation to move from")
    origin = occupations.occupation(session, learner.occupation)
    if origin is None:
        raise UnknownOccupation(f"no occupation {learner.occupation} in the taxonomy")
    centroid = read_model.district_centroid(session, learner.attributes.get("postcode_district"))
    area = occupations.area_of(session, *centroid) if centroid else None
    limits_now = _step_limits(learner, centroid)
    starting = _starting(learner, limits_now, today, horizon_days)
    changes = _changes(session, origin, area, n, starting.progress.skills)
    steps = step_courses(snapshot, learner, limits_now, today)
    destinations = occupations.occupations(session, [c.code for c in changes])
    best = replace(limits, routes=1)
    routes = {}
    for change in changes:
        target = _target(session, destinations[change.code], area)
        routes[change.code] = (target, steps.routes(starting, target, weights, best))
    return CareerChangePlan(origin, area, changes, routes)


def _changes(
    session: Session,
    origin: occupations.Occupation,
    area: str | None,
    n: int,
    skills: frozenset[str] | None,
) -> list[CareerChange]:
    moves = occupations.transitions_from(session, origin.code)
    destinations = occupations.occupations(session, {m.code for m in moves})
    return career_changes(
        origin,
        moves,
        destinations,
        lambda code: occupations.demand_share(session, code, area),
        skills,
        n,
    )
