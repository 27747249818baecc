"""Finding the best routes to a target occupation: an exact branch-and-bound search over
ordered course lists, bounded where the catalogue is large.

The problem. A route is complete when, after its steps, the learner holds the target's entry
level (when it has one) and at least `min_share` of its essential skills. Among complete routes
of at most `max_steps` steps whose every step can be entered after the earlier ones and whose
up-front cost fits the budget, answer the `routes` best by `routes.Components.total`, none a
superset of a better one (adding a step to a better route is not an alternative to it).

The search.

1. **Relevant courses.** Only courses that can matter: those teaching a missing essential skill,
   and, repeatedly until nothing changes, those that give a level, skill or qualification a
   relevant course (or the target) asks for. Everything else cannot improve a route's skills or
   make it valid, and only adds time, cost and travel.
2. **Bounding.** Relevant courses are grouped by what they give and ask for (the essential
   skills they teach, the level they give, their entry requirements, their funding kind); a
   group keeps its `per_group` best as single steps (time, cost, travel, learners like you).
   This is the only place the search is not exact, and only where a group has more courses
   than that: on the hand-built catalogues of the tests every group is small and the answer
   is exact.
3. **Depth-first branch and bound.** Routes grow one step at a time, each step placed in time
   by `routes.schedule` and paid for by the funding the learner holds at that point
   (`funding.funding_for`, with the level reached by the steps ended by then). A partial route
   is cut when even its most hopeful completion cannot beat the routes already found: every
   component is bounded (skills by adding every relevant skill; time, cost and travel by their
   values so far, since steps only add to them; learners like you by the best of the mean so
   far and the best single course; demand is fixed). The same steps at the same dates reached
   by placing them in another order are explored once. The search stops after
   `node_budget` expansions and says so (`exact` False).

When no route exists the answer says why, in the learner's words: the essential skill no
course they can take teaches, the entry requirement nothing on offer lets them meet, the level
the occupation asks for, or the bound (steps, budget) that ruled the rest out.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from services.recommender.funding import Funding, funding_for
from services.recommender.routes import (
    Components,
    Placed,
    Progress,
    Route,
    RouteCourse,
    RouteWeights,
    Starting,
    Target,
    components,
    end_of,
    first_start,
    schedule,
    switches,
    totals,
)

#: `funding.funding_for`'s signature: (level, cost, kind, age band, learner level, *,
#: full_qualification) -> Funding.
FundingRule = Callable[..., Funding]


@dataclass(frozen=True)
class SearchLimits:
    """How far the search goes: steps per route, routes answered, the share of essential
    skills a complete route must reach, courses kept per group, expansions before stopping."""

    max_steps: int = 4
    routes: int = 3
    min_share: float = 0.6
    per_group: int = 4
    node_budget: int = 20_000


DEFAULT_LIMITS = SearchLimits()
DEFAULT_WEIGHTS = RouteWeights()


@dataclass(frozen=True)
class RouteAnswer:
    """The best routes, best first; when there are none, `reason` says why."""

    routes: list[Route]
    reason: str | None = None
    explored: int = 0
    exact: bool = True
    candidates: int = 0


def find_routes(
    courses: Sequence[RouteCourse],
    starting: Starting,
    target: Target,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
    funding: FundingRule = funding_for,
) -> RouteAnswer:
    """Up to `limits.routes` best complete routes from `starting` to `target` over `courses`
    (already through the route-independent hard filters)."""
    if _complete(starting.progress, target, limits.min_share):
        return RouteAnswer([], f"you already hold what {target.title} asks for")
    relevant = relevant_courses(courses, starting.progress, target)
    kept = _best_of_groups(relevant, starting, target, weights, limits.per_group)
    if not _complete(_reachable(kept, starting.progress).progress, target, limits.min_share):
        # not even taking every course, whatever the time or money: nothing to search
        return RouteAnswer([], why_none(courses, starting, target, limits), 0, True, len(kept))
    search = _Search(kept, starting, target, weights, limits, funding)
    search.extend((), starting.progress)
    found = search.answer()
    if found:
        return RouteAnswer(found, None, search.explored, not search.stopped, len(kept))
    reason = why_none(courses, starting, target, limits)
    if search.stopped:
        reason = (
            f"the search stopped after {limits.node_budget:,} tries without finding a route"
            f" (it may exist: ask an adviser); {reason}"
        )
    return RouteAnswer([], reason, search.explored, False, len(kept))


def _share(progress: Progress, target: Target) -> float:
    if not target.essential_skills:
        return 1.0
    return sum(target.covered(progress.skills)) / len(target.essential_skills)


def _complete(progress: Progress, target: Target, min_share: float) -> bool:
    if target.entry_level is not None and (progress.level or -1) < target.entry_level:
        return False
    return _share(progress, target) >= min_share - 1e-9


def relevant_courses(
    courses: Sequence[RouteCourse], progress: Progress, target: Target
) -> list[RouteCourse]:
    """The courses that can matter to a route to `target` (step 1 of the module docstring)."""
    missing = set().union(
        *(
            s.keys
            for s, held in zip(
                target.essential_skills, target.covered(progress.skills), strict=True
            )
            if not held
        )
    )
    chosen = {c.course_id: c for c in courses if c.skills & missing}
    while True:
        wanted_skills = set().union(*(c.required_skills for c in chosen.values()))
        wanted_quals = set().union(*(c.required_qualifications for c in chosen.values()))
        wanted_level = max(
            [target.entry_level or -1]
            + [max(c.rqf_level - 1, c.min_level or -1) for c in chosen.values()]
        )
        added = [
            c
            for c in courses
            if c.course_id not in chosen
            and (
                c.skills & wanted_skills
                or c.qualification_type.casefold() in wanted_quals
                or (c.qualifying and (progress.level or -1) < c.rqf_level <= wanted_level)
            )
        ]
        if not added:
            return list(chosen.values())
        chosen.update((c.course_id, c) for c in added)


def _best_of_groups(
    courses: Sequence[RouteCourse],
    starting: Starting,
    target: Target,
    weights: RouteWeights,
    per_group: int,
) -> list[RouteCourse]:
    """At most `per_group` courses per group of courses that give and ask for the same things,
    the best as single steps first; the kept courses in that order overall."""
    groups: dict[tuple, list[RouteCourse]] = {}
    for course in courses:
        groups.setdefault(_group(course, target), []).append(course)
    kept: list[tuple[float, RouteCourse]] = []
    for members in groups.values():
        ranked = sorted(members, key=lambda c: -_alone(c, starting, target, weights))
        kept.extend((_alone(c, starting, target, weights), c) for c in ranked[:per_group])
    kept.sort(key=lambda pair: (-pair[0], pair[1].course_id))
    return [course for _, course in kept]


def _group(course: RouteCourse, target: Target) -> tuple:
    return (
        tuple(target.covered(course.skills)),
        course.rqf_level if course.qualifying else None,
        course.qualification_type.casefold(),
        course.min_level,
        course.required_skills,
        course.required_qualifications,
        course.funding,
        course.rqf_level,
    )


def _alone(course: RouteCourse, starting: Starting, target: Target, weights: RouteWeights) -> float:
    """How good `course` is as a step on its own: time to finish, cost, travel, learners
    like you (the skills it teaches are its group's)."""
    start = first_start(course, starting.earliest_start)
    months = (end_of(course, start) - starting.earliest_start).days / 30.4375
    return (
        weights.time * weights.months_scale / (weights.months_scale + months)
        + weights.cost * weights.cost_scale_pence / (weights.cost_scale_pence + course.cost_pence)
        + weights.travel
        * weights.travel_scale_km
        / (weights.travel_scale_km + (course.distance_km or 0.0))
        + weights.collaborative * min(1.0, course.learners_like_you / weights.like_you_scale)
    )


@dataclass
class _Search:
    courses: list[RouteCourse]
    starting: Starting
    target: Target
    weights: RouteWeights
    limits: SearchLimits
    funding: FundingRule
    explored: int = 0
    stopped: bool = False
    found: list[Route] = field(default_factory=list)  # best first
    reached: set[frozenset[tuple[int, date]]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.masks = {c.course_id: _mask(self.target.covered(c.skills)) for c in self.courses}
        every = Progress(None, frozenset().union(*(c.skills for c in self.courses)), frozenset())
        self.best_skills = _share(
            Progress(None, self.starting.progress.skills | every.skills, frozenset()),
            self.target,
        )
        self.best_like_you = max(
            (min(1.0, c.learners_like_you / self.weights.like_you_scale) for c in self.courses),
            default=0.0,
        )

    def extend(self, placed: tuple[Placed, ...], progress: Progress) -> None:
        """Try every next step after `placed` (which leaves the learner holding `progress`),
        those adding the most missing essential skills first: complete routes are found early,
        so the bound cuts sooner (the order changes the work, never the answer)."""
        if self.stopped or len(placed) >= self.limits.max_steps:
            return
        used = {p.course.course_id for p in placed}
        held = _mask(self.target.covered(progress.skills))
        gains = [(self.masks[c.course_id] & ~held).bit_count() for c in self.courses]
        order = sorted(range(len(self.courses)), key=lambda i: -gains[i])  # stable: goodness next
        for course in (self.courses[i] for i in order):
            if course.course_id in used:
                continue
            self.explored += 1
            if self.explored > self.limits.node_budget:
                self.stopped = True
                return
            route = self._place(placed, course)
            if route is None:
                continue
            pays = sum(p.pays_pence for p in route)
            budget = self.starting.budget_pence
            if budget is not None and pays > budget:
                continue
            if not self._new(route):
                continue
            after = progress.after(course)
            if _complete(after, self.target, self.limits.min_share):
                self._keep(route)
            if self._hopeful(route):
                self.extend(route, after)

    def _place(self, placed: tuple[Placed, ...], course: RouteCourse) -> tuple[Placed, ...] | None:
        """`placed` with `course` added where it can start, every step paid for by the funding
        the learner holds when it begins (a step placed later in the search may start earlier
        in time, so funding is settled over the whole route), or None when it cannot be."""
        start = schedule(placed, course, self.starting)
        if start is None:
            return None
        if not placed and (start - self.starting.earliest_start).days > self.starting.horizon_days:
            return None  # the first step starts in the learner's window
        route = (*placed, Placed(course, start, end_of(course, start), 0, 0, ""))
        return tuple(self._paid(step, route) for step in route)

    def _paid(self, step: Placed, route: tuple[Placed, ...]) -> Placed:
        course = step.course
        paid = self.funding(
            course.rqf_level,
            course.cost_pence,
            course.funding,
            self.starting.age_band,
            _level_before(route, self.starting.progress, step.start),
            full_qualification=course.qualifying,
        )
        return replace(
            step, pays_pence=paid.pays_pence, loan_pence=paid.loan_pence, funding_reason=paid.reason
        )

    def _new(self, route: tuple[Placed, ...]) -> bool:
        """False when the same steps at the same dates were already reached (in another
        order of placing them): their futures are the same."""
        key = frozenset((p.course.course_id, p.start) for p in route)
        if key in self.reached:
            return False
        self.reached.add(key)
        return True

    def _keep(self, route: tuple[Placed, ...]) -> None:
        ordered = tuple(sorted(route, key=lambda p: (p.start, p.end, p.course.course_id)))
        sums = totals(ordered, self.starting, self.target)
        parts = components(sums, [p.course for p in ordered], self.target, self.weights)
        scored = Route(
            ordered, sums, parts, round(parts.total(self.weights), 6), tuple(switches(ordered))
        )
        keys = [-r.score for r in self.found]
        self.found.insert(bisect.bisect_right(keys, -scored.score), scored)
        del self.found[4 * self.limits.routes + 8 :]

    def answer(self) -> list[Route]:
        """The best routes, none a superset of a better one, at most `limits.routes`."""
        chosen: list[Route] = []
        for route in self.found:
            ids = set(route.course_ids)
            if any(set(better.course_ids) <= ids for better in chosen):
                continue
            chosen.append(route)
            if len(chosen) == self.limits.routes:
                break
        return chosen

    def _hopeful(self, route: tuple[Placed, ...]) -> bool:
        """Whether some completion of `route` could still enter the answer."""
        answer = self.answer()
        if len(answer) < self.limits.routes:
            return True
        sums = totals(route, self.starting, self.target)
        now = components(sums, [p.course for p in route], self.target, self.weights)
        hope = Components(
            skills=self.best_skills,
            time=now.time,
            cost=now.cost,
            travel=now.travel,
            collaborative=max(now.collaborative, self.best_like_you),
            demand=now.demand,
        )
        return hope.total(self.weights) > answer[-1].score + 1e-9


def _mask(covered: Sequence[bool]) -> int:
    """Essential skills as bits (bit i: the target's i-th essential skill)."""
    return sum(1 << i for i, held in enumerate(covered) if held)


def _level_before(placed: Sequence[Placed], progress: Progress, start: date) -> int | None:
    """The level the learner holds when a step starting on `start` begins: their own, raised by
    the qualifying steps that end by then."""
    level = progress.level
    for step in placed:
        if step.end <= start and step.course.qualifying:
            level = step.course.rqf_level if level is None else max(level, step.course.rqf_level)
    return level


def why_none(
    courses: Sequence[RouteCourse], starting: Starting, target: Target, limits: SearchLimits
) -> str:
    """Why no route exists, naming what is missing: a skill nobody teaches, an entry
    requirement nothing lets the learner meet, the level asked, or the search's bounds."""
    reachable = _reachable(courses, starting.progress)
    open_courses = [c for c in courses if c.course_id in reachable.ids]
    taught = starting.progress.skills.union(*(c.skills for c in open_courses))
    needed = int(-(-limits.min_share * len(target.essential_skills) // 1))
    missing = [
        s
        for s, held in zip(target.essential_skills, target.covered(taught), strict=True)
        if not held
    ]
    if len(target.essential_skills) - len(missing) < needed:
        locked = [c for c in courses if c.course_id not in reachable.ids and c.skills]
        return _missing_skills(missing, locked, reachable.progress, target, needed)
    if target.entry_level is not None and (reachable.progress.level or -1) < target.entry_level:
        return (
            f"{target.title} asks for level {target.entry_level}, and no course you can take"
            f" leads there from level {starting.progress.level}"
        )
    budget = "" if starting.budget_pence is None else " and your budget"
    return (
        f"no route of at most {limits.max_steps} courses fits your dates{budget} while covering"
        f" {needed} of the {len(target.essential_skills)} essential skills of {target.title}"
    )


def _missing_skills(
    missing: Sequence, locked: Sequence[RouteCourse], best: Progress, target: Target, needed: int
) -> str:
    """The reason for skills out of reach: no course teaches them, or those that do ask for
    something the learner cannot get."""
    for skill in missing:
        teaching = [c for c in locked if c.skills & skill.keys]
        if teaching:
            course = teaching[0]
            unmet = "; ".join(best.unmet(course)) or "its entry requirements"
            return (
                f"{skill.label} (an essential skill of {target.title}) is taught by"
                f" {course.title}, but {unmet}"
            )
    labels = ", ".join(s.label for s in missing)
    return (
        f"no course you can take teaches {labels}, and {target.title} needs {needed} of its"
        f" {len(target.essential_skills)} essential skills"
    )


@dataclass(frozen=True)
class _Reach:
    ids: frozenset[int]
    progress: Progress


def _reachable(courses: Sequence[RouteCourse], progress: Progress) -> _Reach:
    """Every course the learner could ever enter (taking any courses before it, ignoring
    time, money and the number of steps), and what they would hold after all of them."""
    ids: set[int] = set()
    while True:
        added = [c for c in courses if c.course_id not in ids and progress.can_enter(c)]
        if not added:
            return _Reach(frozenset(ids), progress)
        for course in added:
            ids.add(course.course_id)
            progress = progress.after(course)
