"""Reskilling routes: what a route is made of, when its steps can run, and how good it is.

A **route** is an ordered list of courses (its **steps**) that takes a learner from where they
are (RQF level, skills, qualifications) to a target occupation (its essential skills and the
level people usually enter it at). This module holds the pieces the search
(`route_search.py`) puts together, all plain Python:

- `RouteCourse`: one course as the search sees it, already through the hard filters that do
  not depend on the route (published, near enough, a mode the learner takes, hours they have,
  not turned down); skills as match keys.
- `Starting`: the learner's starting point, and `Progress`, what they hold after some steps.
  Completing a qualification (every type but short courses and bootcamps) raises the level
  held to the course's level; every course adds its skills, and its qualification type to the
  qualifications held.
- `Target`: the occupation, its essential skills (each with the keys that match it) and its
  entry level.
- `schedule`: when a step can start. A step waits until what the learner holds (their own,
  plus the steps ended by then) meets its entry requirements; it may run
  alongside other steps only while the hours of the steps running together stay within the
  learner's weekly hours (when the learner gave none, steps never overlap). Courses with
  intakes take the first listed start on or after that day; catalogues list only the next
  cycle, so a date after the last one listed is the same intake a whole number of years
  later (colleges and universities recruit yearly). Roll-on, roll-off courses start at once.
- `RouteWeights` and `score`: the route's components, each 0..1 with 1 best, and their
  weighted sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

#: Qualification types that do not give a level on completion: a short course or a Skills
#: Bootcamp teaches skills but is not a full qualification at its level.
NOT_QUALIFYING = frozenset({"short course", "skills bootcamp"})
ACADEMIC, TECHNICAL = "academic", "technical"
DAYS_PER_MONTH = 30.4375


def skill_key(text: str) -> str:
    """How a skill is matched: a course's, a learner's and an occupation's skill are the same
    skill when their keys are equal (an ESCO URI, or a label, casefolded and trimmed)."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class RouteCourse:
    """One course the learner could take as a step.

    `skills` are match keys (`skill_key`); `starts` the listed start dates,
    ascending (empty: roll-on, roll-off); `distance_km` None when open anywhere or not
    measured; `learners_like_you` how many learners with the learner's starting occupation took
    it (the collaborative signal).
    """

    course_id: int
    provider_id: int
    title: str
    rqf_level: int
    qualification_type: str = ""
    route_kind: str = "both"
    skills: frozenset[str] = frozenset()
    skill_labels: tuple[str, ...] = ()
    occupations: frozenset[str] = frozenset()
    min_level: int | None = None
    required_skills: frozenset[str] = frozenset()
    required_qualifications: frozenset[str] = frozenset()
    starts: tuple[date, ...] = ()
    duration_weeks: int = 0
    hours_per_week: float | None = None
    cost_pence: int = 0
    funding: str = "fee"
    distance_km: float | None = None
    delivery_mode: str | None = None
    learners_like_you: int = 0

    @cached_property
    def qualifying(self) -> bool:
        """Completing it gives the learner its level."""
        return self.qualification_type.casefold() not in NOT_QUALIFYING


@dataclass(frozen=True)
class Progress:
    """What the learner holds at some point of a route (level None: not known)."""

    level: int | None
    skills: frozenset[str]
    qualifications: frozenset[str]

    def after(self, course: RouteCourse) -> Progress:
        """What they hold once `course` is completed."""
        level = self.level
        if course.qualifying:
            level = course.rqf_level if level is None else max(level, course.rqf_level)
        return Progress(
            level,
            self.skills | course.skills,
            self.qualifications | {course.qualification_type.casefold()},
        )

    def can_enter(self, course: RouteCourse) -> bool:
        """Entry requirements held: at most one level up (entry level open to all), the
        course's own minimum level, its prerequisite skills and qualifications."""
        if self.level is not None and not _level_lets_in(self.level, course):
            return False
        return course.required_skills <= self.skills and (
            course.required_qualifications <= self.qualifications
        )

    def unmet(self, course: RouteCourse) -> list[str]:
        """Each entry requirement of `course` not held, in plain English."""
        reasons = []
        if self.level is not None and course.rqf_level > self.level + 1:
            reasons.append(f"it is at level {course.rqf_level}, two or more above your level")
        if (
            self.level is not None
            and course.min_level is not None
            and self.level < course.min_level
        ):
            reasons.append(f"it asks for level {course.min_level} first")
        for skill in sorted(course.required_skills - self.skills):
            reasons.append(f"it asks for {skill} first")
        for qualification in sorted(course.required_qualifications - self.qualifications):
            reasons.append(f"it asks for {qualification} first")
        return reasons


def _level_lets_in(level: int, course: RouteCourse) -> bool:
    """At most one level above `level` (entry level open to all), and the course's own
    minimum level."""
    if course.rqf_level > max(level + 1, 0):
        return False
    return course.min_level is None or course.min_level <= level


@dataclass(frozen=True)
class Starting:
    """The learner's starting point and limits for a route."""

    progress: Progress
    age_band: str | None = None
    occupation: str | None = None
    earliest_start: date = date(1970, 1, 1)
    horizon_days: int = 365
    hours_per_week: float | None = None
    budget_pence: int | None = None
    route_preference: str | None = None


@dataclass(frozen=True)
class TargetSkill:
    """One essential skill of the target: its label, and the keys that match it."""

    label: str
    keys: frozenset[str]


@dataclass(frozen=True)
class Target:
    """The occupation a route leads to. `entry_level` None when not known (not required);
    `demand` 0..1, the occupation's demand in the learner's area among occupations there."""

    code: str
    title: str
    essential_skills: tuple[TargetSkill, ...]
    entry_level: int | None = None
    demand: float = 0.0

    def covered(self, skills: Iterable[str]) -> list[bool]:
        """Which essential skills `skills` (match keys) cover, in `essential_skills` order."""
        held = frozenset(skills)
        return [bool(skill.keys & held) for skill in self.essential_skills]


@dataclass(frozen=True)
class Placed:
    """A step placed in time: the course, its start and end (exclusive), what it costs."""

    course: RouteCourse
    start: date
    end: date
    pays_pence: int
    loan_pence: int
    funding_reason: str


def end_of(course: RouteCourse, start: date) -> date:
    return start + timedelta(weeks=max(course.duration_weeks, 1))


def first_start(course: RouteCourse, day: date) -> date:
    """The course's first start on or after `day` (yearly intakes repeat; roll-on: `day`)."""
    if not course.starts:
        return day
    for start in course.starts:
        if start >= day:
            return start
    years = 1
    while True:  # a listed intake, a whole number of years later
        for start in course.starts:
            later = _years_later(start, years)
            if later >= day:
                return later
        years += 1


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def schedule(placed: Sequence[Placed], course: RouteCourse, starting: Starting) -> date | None:
    """When `course` can start alongside the steps already `placed`, or None when it cannot be
    entered at all after them: the first day on which what the learner holds (their own, plus
    the steps ended by then) lets them in, moved past any clash of hours. Which order the steps
    were placed in does not matter, only when each runs."""
    ready = _ready(placed, course, starting)
    if ready is None:
        return None
    start = first_start(course, ready)
    for _ in range(len(placed) + 1):  # each pass moves past at least one clashing step
        clash = _clashing_end(placed, course, start, starting.hours_per_week)
        if clash is None:
            return start
        start = first_start(course, clash)
    return start


def _ready(placed: Sequence[Placed], course: RouteCourse, starting: Starting) -> date | None:
    """The first day the learner can enter `course`: their earliest start if they can already,
    else the end of the step after which (with every step ended by then) they can."""
    progress = starting.progress
    if progress.can_enter(course):
        return starting.earliest_start
    ordered = sorted(placed, key=lambda p: p.end)
    if progress.level is not None and not (
        course.required_skills or course.required_qualifications
    ):
        # only the level keeps them out: the same answer without building what they hold
        level = progress.level
        for step in ordered:
            if step.course.qualifying:
                level = max(level, step.course.rqf_level)
                if _level_lets_in(level, course):
                    return max(starting.earliest_start, step.end)
        return None
    for step in ordered:
        progress = progress.after(step.course)
        if progress.can_enter(course):
            return max(starting.earliest_start, step.end)
    return None


def _clashing_end(
    placed: Sequence[Placed], course: RouteCourse, start: date, weekly_hours: float | None
) -> date | None:
    """The end of the latest step that makes running `course` from `start` too much."""
    end = end_of(course, start)
    running = [p for p in placed if p.start < end and start < p.end]
    if not running:
        return None
    if weekly_hours is not None:
        hours = (course.hours_per_week or 0) + sum(p.course.hours_per_week or 0 for p in running)
        known = course.hours_per_week is not None and all(
            p.course.hours_per_week is not None for p in running
        )
        if known and hours <= weekly_hours:
            return None
    return max(p.end for p in running)


@dataclass(frozen=True)
class RouteWeights:
    """Weights of a route's components and the scales that turn totals into 0..1 (a total
    equal to its scale scores 0.5)."""

    skills: float = 0.35
    time: float = 0.2
    cost: float = 0.15
    travel: float = 0.1
    collaborative: float = 0.1
    demand: float = 0.1
    months_scale: float = 12.0
    cost_scale_pence: int = 100_000
    travel_scale_km: float = 20.0
    like_you_scale: int = 10


WEIGHT_NAMES = ("skills", "time", "cost", "travel", "collaborative", "demand")


def route_weights(text: str) -> RouteWeights:
    """Weights from "skills=0.4,cost=0.2" (names not given keep their defaults); ValueError
    naming the pair that is not a known component with a weight of 0 or more."""
    chosen: dict[str, float] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = pair.partition("=")
        name = name.strip()
        if name not in WEIGHT_NAMES:
            raise ValueError(f"route weight {pair!r}: the components are {', '.join(WEIGHT_NAMES)}")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"route weight {pair!r}: {value.strip()!r} is not a number") from None
        if not weight >= 0:
            raise ValueError(f"route weight {pair!r}: weights are 0 or more")
        chosen[name] = weight
    return replace(RouteWeights(), **chosen)


@dataclass(frozen=True)
class Totals:
    """A route's totals: months from the learner's earliest start to the end of the last
    step, the most hours a week at once, what they pay up front and borrow, the farthest
    campus (None: every step open anywhere), and the essential skills covered before and
    after."""

    months: float
    hours_per_week: float | None
    cost_pence: int
    loan_pence: int
    travel_km: float | None
    skills_before: int
    skills_after: int
    skills_total: int
    missing: tuple[str, ...]

    @property
    def share_before(self) -> float:
        return self.skills_before / self.skills_total if self.skills_total else 1.0

    @property
    def share_after(self) -> float:
        return self.skills_after / self.skills_total if self.skills_total else 1.0


def totals(placed: Sequence[Placed], starting: Starting, target: Target) -> Totals:
    before = target.covered(starting.progress.skills)
    skills = set(starting.progress.skills)
    for step in placed:
        skills |= step.course.skills
    after = target.covered(skills)
    finish = max((p.end for p in placed), default=starting.earliest_start)
    distances = [p.course.distance_km for p in placed if p.course.distance_km is not None]
    return Totals(
        months=round((finish - starting.earliest_start).days / DAYS_PER_MONTH, 1),
        hours_per_week=_peak_hours(placed),
        cost_pence=sum(p.pays_pence for p in placed),
        loan_pence=sum(p.loan_pence for p in placed),
        travel_km=round(max(distances), 1) if distances else None,
        skills_before=sum(before),
        skills_after=sum(after),
        skills_total=len(target.essential_skills),
        missing=tuple(
            s.label for s, held in zip(target.essential_skills, after, strict=True) if not held
        ),
    )


def _peak_hours(placed: Sequence[Placed]) -> float | None:
    """The most hours a week the steps take at once (None when no step states its hours)."""
    if all(p.course.hours_per_week is None for p in placed):
        return None
    return max(
        sum(q.course.hours_per_week or 0 for q in placed if q.start <= p.start < q.end)
        for p in placed
    )


@dataclass(frozen=True)
class Components:
    """A route's score components, each 0..1 with 1 best."""

    skills: float
    time: float
    cost: float
    travel: float
    collaborative: float
    demand: float

    def total(self, weights: RouteWeights) -> float:
        return (
            weights.skills * self.skills
            + weights.time * self.time
            + weights.cost * self.cost
            + weights.travel * self.travel
            + weights.collaborative * self.collaborative
            + weights.demand * self.demand
        )


def components(
    sums: Totals, courses: Sequence[RouteCourse], target: Target, weights: RouteWeights
) -> Components:
    """The components of a route with totals `sums` over `courses`: skills is the share of
    essential skills held after it; time, cost and travel fall from 1 towards 0 as the total
    grows (scale / (scale + total)); collaborative is the mean over steps of how many learners
    like this one took the step, against `like_you_scale`; demand is the target's."""
    return Components(
        skills=sums.share_after,
        time=_falling(sums.months, weights.months_scale),
        cost=_falling(sums.cost_pence, weights.cost_scale_pence),
        travel=_falling(sums.travel_km or 0.0, weights.travel_scale_km),
        collaborative=_like_you(courses, weights.like_you_scale),
        demand=target.demand,
    )


def _falling(total: float, scale: float) -> float:
    return scale / (scale + max(total, 0.0))


def _like_you(courses: Sequence[RouteCourse], scale: int) -> float:
    if not courses:
        return 0.0
    return sum(min(1.0, c.learners_like_you / scale) for c in courses) / len(courses)


@dataclass(frozen=True)
class Switch:
    """Where a route moves between academic and technical study."""

    after_step: int
    from_kind: str
    to_kind: str
    description: str


def switches(placed: Sequence[Placed]) -> list[Switch]:
    """Each move from an academic to a technical step or back, in time order ("both" steps,
    which serve either route, never count as a move)."""
    ordered = sorted(placed, key=lambda p: (p.start, p.end))
    found = []
    last: tuple[int, Placed] | None = None
    for number, step in enumerate(ordered, start=1):
        kind = step.course.route_kind
        if kind not in (ACADEMIC, TECHNICAL):
            continue
        if last is not None and last[1].course.route_kind != kind:
            before = last[1].course
            found.append(
                Switch(
                    after_step=number - 1,
                    from_kind=before.route_kind,
                    to_kind=kind,
                    description=(
                        f"switches from {before.route_kind} study ({before.title}) to {kind}"
                        f" study ({step.course.title})"
                    ),
                )
            )
        last = (number, step)
    return found


@dataclass(frozen=True)
class Route:
    """One complete route: its steps in time order, totals, components and score."""

    steps: tuple[Placed, ...]
    totals: Totals
    components: Components
    score: float
    switches: tuple[Switch, ...] = field(default=())

    @property
    def course_ids(self) -> tuple[int, ...]:
        return tuple(p.course.course_id for p in self.steps)
