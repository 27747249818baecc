"""Hard filters: which courses a learner can actually take, and in plain English why not.

Every recommendation and every route step passes all of them; none is a score. The rules:

- **Published.** Only courses the catalogue publishes and whose facts the recommender has read;
  a withdrawn course fails the moment its event is handled.
- **Not already done or turned down.** Never a course the learner completed, dismissed or said
  is not for them (the caller passes those ids).
- **Starts in the learner's window.** A start date on or after max(today, earliest start) and
  at most `horizon_days` after that (the window moves with a later earliest start, so a learner
  who can only start in two years still gets suggestions). A course with no start dates is
  roll-on, roll-off (the catalogue's own reading: it never goes out of date) and passes.
- **Near enough.** Within the learner's `max_travel_km` of the campus, by great-circle
  (haversine) distance from the centroid of their postcode district. Courses open anywhere pass
  whatever the distance: national ones, online ones, and workplace ones without a campus (taught
  where the learner works). When the learner's district is not located, only those pass. A
  learner who gave no maximum is not filtered by distance.
- **A mode they accept.** The course's delivery mode is one the learner allowed, when they
  named any.
- **A level they can enter.** At most one RQF level above the learner's (the highest of their
  stated level and their qualifications' levels): a step up is how people progress, two at once
  is not (level 2 to level 3, not level 2 to a degree). Entry-level courses (level 0) are open to
  everyone. A course's own minimum entry level, when it states one, must also be held. A
  learner whose level is not known is not filtered by level.
- **Affordable after funding.** What the learner pays up front, after the funding their age
  band and level make them eligible for, must be within their budget, when they gave one.
  `services.recommender.funding` holds the rules (one set, for both forms here and for
  routes): nothing for "fully-funded" and "employer-funded" courses, nor for "free-16-19"
  courses at 16-18; a first full level 2 (at 19-23) or level 3 (at 19+) fully funded for an
  adult who holds none yet; nothing up front when a loan pays the fee (an Advanced Learner
  Loan for "loan-eligible" courses from level 3, a tuition fee loan for fee courses from
  level 4, at 19+); otherwise the full cost. A learner whose age band or level is not known
  gets no entitlement.
- **Hours they have.** The course's weekly hours are within the learner's, when both are known.

`check_course` decides one course and gives every reason it fails. `CourseTable` holds many
courses as numpy arrays built once (in the serving process, refreshed when the read model
changes) and `feasible` applies every rule to all of them for one learner in a few vector
operations, per request; both follow the same rules, which a test checks course by course.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from services.recommender.funding import (  # the constants are re-exported for callers
    ADULT_AGE_BANDS,  # noqa: F401
    FUNDING_KINDS,  # noqa: F401
    LOAN_MIN_LEVEL,  # noqa: F401
    funding_code,
    funding_for,
    up_front_costs,
)

DEFAULT_HORIZON_DAYS = 365
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), as the catalogue measures
ENTRY_LEVEL = 0
DELIVERY_MODES = ("classroom", "online", "blended", "workplace")
_EPOCH = date(1970, 1, 1)
_NO_DATE = np.iinfo(np.int32).max


@dataclass(frozen=True)
class CourseFacts:
    """What the hard filters need of one course (the read model's `CourseView` has more)."""

    course_id: int
    provider_id: int
    status: str = "published"
    rqf_level: int | None = None
    min_level: int | None = None
    delivery_mode: str | None = None
    national: bool = False
    latitude: float | None = None
    longitude: float | None = None
    start_dates: tuple[date, ...] = ()
    hours_per_week: float | None = None
    cost_pence: int | None = None
    funding: str | None = None
    fetched: bool = True

    @classmethod
    def from_view(cls, view: Any) -> CourseFacts:
        """From a read-model row (anything with `CourseView`'s attributes)."""
        entry = view.entry_requirements or {}
        return cls(
            course_id=view.course_id,
            provider_id=view.provider_id,
            status=view.status,
            rqf_level=view.rqf_level,
            min_level=entry.get("min_level"),
            delivery_mode=view.delivery_mode,
            national=bool(view.national),
            latitude=view.latitude,
            longitude=view.longitude,
            start_dates=tuple(sorted(date.fromisoformat(d) for d in view.start_dates or [])),
            hours_per_week=view.hours_per_week,
            cost_pence=view.cost_pence,
            funding=view.funding,
            fetched=view.fetched_at is not None,
        )

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def open_anywhere(self) -> bool:
        """Taken wherever the learner lives: national, online, or at their workplace."""
        return (
            self.national
            or self.delivery_mode == "online"
            or (self.delivery_mode == "workplace" and not self.located)
        )


@dataclass(frozen=True)
class LearnerLimits:
    """What the hard filters need of one learner: their level and age band, where they are,
    and the constraints they set (None: not given, so not filtered on)."""

    rqf_level: int | None = None
    age_band: str | None = None
    centroid: tuple[float, float] | None = None
    max_travel_km: float | None = None
    delivery_modes: frozenset[str] = frozenset()
    hours_per_week: float | None = None
    earliest_start: date | None = None
    budget_pence: int | None = None
    excluded_course_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_attributes(
        cls,
        attributes: Mapping[str, Any],
        centroid: tuple[float, float] | None = None,
        excluded_course_ids: Iterable[int] = (),
    ) -> LearnerLimits:
        """From the attributes learner events carry (`profile.learner.*`), the centroid of
        their postcode district, and the courses they completed, dismissed or turned down."""
        constraints = attributes.get("constraints") or {}
        levels = [attributes.get("rqf_level")]
        levels += [q.get("rqf_level") for q in attributes.get("qualifications") or []]
        known_levels = [level for level in levels if level is not None]
        earliest = constraints.get("earliest_start")
        return cls(
            rqf_level=max(known_levels) if known_levels else None,
            age_band=attributes.get("age_band"),
            centroid=centroid,
            max_travel_km=constraints.get("max_travel_km"),
            delivery_modes=frozenset(constraints.get("delivery_modes") or ()),
            hours_per_week=constraints.get("hours_per_week"),
            earliest_start=date.fromisoformat(earliest) if isinstance(earliest, str) else earliest,
            budget_pence=constraints.get("budget_pence"),
            excluded_course_ids=frozenset(excluded_course_ids),
        )

    def window(self, today: date, horizon_days: int) -> tuple[date, date]:
        """The first and last day a course may start on for this learner."""
        first = max(today, self.earliest_start or today)
        return first, first + timedelta(days=horizon_days)


@dataclass(frozen=True)
class Feasibility:
    """The verdict on one course for one learner: eligible, or every reason it is not; and
    the facts reasons are built from (distance None when not measured: open anywhere, or a
    place not known; `next_start` None for roll-on courses or none in the window)."""

    eligible: bool
    reasons: list[str]
    distance_km: float | None
    cost_to_learner_pence: int | None
    next_start: date | None = None


def cost_to_learner(
    course: CourseFacts, age_band: str | None, learner_level: int | None = None
) -> int:
    """What the learner pays up front after the funding they are eligible for (pence), given
    their age band and the highest RQF level they hold (None, the default: not known, so no
    entitlement that depends on it)."""
    return funding_for(
        course.rqf_level, course.cost_pence, course.funding, age_band, learner_level
    ).pays_pence


def haversine_km(origin: tuple[float, float], latitude: float, longitude: float) -> float:
    """Great-circle distance in kilometres from `origin` (latitude, longitude) to a point."""
    phi1, phi2 = math.radians(origin[0]), math.radians(latitude)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(longitude - origin[1]) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def check_course(
    learner: LearnerLimits,
    course: CourseFacts,
    today: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Feasibility:
    """Whether `learner` can take `course` (see the module's rules), with every reason not."""
    if course.status != "published":
        return Feasibility(False, [f"it is not open to learners ({course.status})"], None, None)
    if not course.fetched:
        return Feasibility(False, ["its details have not arrived from the catalogue"], None, None)
    reasons: list[str] = []
    if course.course_id in learner.excluded_course_ids:
        reasons.append("you have completed it or said it is not for you")
    first, last = learner.window(today, horizon_days)
    starts = [d for d in course.start_dates if first <= d <= last]
    if course.start_dates and not starts:
        reasons.append(f"it does not start between {_day(first)} and {_day(last)}")
    distance = _distance(learner, course)
    reasons.extend(_travel_reasons(learner, course, distance))
    if learner.delivery_modes and course.delivery_mode not in learner.delivery_modes:
        allowed = " or ".join(sorted(learner.delivery_modes))
        reasons.append(
            f"it is taught {course.delivery_mode or 'in a way not stated'}; you chose {allowed}"
        )
    reasons.extend(_level_reasons(learner, course))
    cost = cost_to_learner(course, learner.age_band, learner.rqf_level)
    if learner.budget_pence is not None and cost > learner.budget_pence:
        budget = _pounds(learner.budget_pence)
        reasons.append(f"it costs you {_pounds(cost)}, more than your budget of {budget}")
    hours = course.hours_per_week
    if learner.hours_per_week is not None and hours is not None and hours > learner.hours_per_week:
        reasons.append(
            f"it takes {hours:g} hours a week, more than the {learner.hours_per_week:g} you have"
        )
    return Feasibility(not reasons, reasons, distance, cost, starts[0] if starts else None)


def _distance(learner: LearnerLimits, course: CourseFacts) -> float | None:
    if course.open_anywhere or learner.centroid is None:
        return None
    if course.latitude is None or course.longitude is None:
        return None
    return haversine_km(learner.centroid, course.latitude, course.longitude)


def _travel_reasons(
    learner: LearnerLimits, course: CourseFacts, distance: float | None
) -> list[str]:
    limit = learner.max_travel_km
    if limit is None or course.open_anywhere:
        return []
    if learner.centroid is None:
        return ["we do not know where you are, and it is not online"]
    if distance is None:
        return ["the catalogue does not say where it is taught"]
    if distance > limit:
        return [f"it is {distance:.0f} km away, more than the {limit:g} km you can travel"]
    return []


def _level_reasons(learner: LearnerLimits, course: CourseFacts) -> list[str]:
    have, level = learner.rqf_level, course.rqf_level
    if have is None:
        return []
    reasons = []
    if level is not None and level > ENTRY_LEVEL and level > have + 1:
        reasons.append(f"it is at level {level}, more than one level above your level {have}")
    if course.min_level is not None and have < course.min_level:
        reasons.append(f"it needs level {course.min_level} first, and you have level {have}")
    return reasons


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


# --- many courses at once ---------------------------------------------------------------------


@dataclass(frozen=True)
class CourseTable:
    """Many courses' facts as arrays, one row per course in `ids` order (n rows):

    - `ids`, `provider_ids`: int64 (n,)
    - `open`: bool (n,), published with facts read
    - `level`, `min_level`: int16 (n,), -1 when not stated
    - `mode`: int8 (n,), index into DELIVERY_MODES, -1 when not stated
    - `anywhere`: bool (n,), national, online or workplace without a campus
    - `latitude`, `longitude`: float64 (n,) in radians, NaN without a campus
    - `starts`: int32 (n, k), start dates as days since 1970-01-01, ascending, padded with the
      largest int32 (k >= 1: the most start dates any course has)
    - `any_time`: bool (n,), no start dates (roll-on, roll-off)
    - `hours`: float64 (n,), NaN when not stated
    - `cost`: int64 (n,), full cost in pence (0 when not stated)
    - `funding`: int8 (n,), `funding.funding_code`: index into FUNDING_KINDS (unknown kinds
      count as a fee)

    Build it once per read-model change (`from_courses`), never per request.
    """

    ids: np.ndarray
    provider_ids: np.ndarray
    open: np.ndarray
    level: np.ndarray
    min_level: np.ndarray
    mode: np.ndarray
    anywhere: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    starts: np.ndarray
    any_time: np.ndarray
    hours: np.ndarray
    cost: np.ndarray
    funding: np.ndarray

    @classmethod
    def from_courses(cls, courses: Sequence[CourseFacts]) -> CourseTable:
        n = len(courses)
        k = max([len(c.start_dates) for c in courses] + [1])
        starts = np.full((n, k), _NO_DATE, dtype=np.int32)
        for row, course in enumerate(courses):
            days = [(d - _EPOCH).days for d in course.start_dates]
            starts[row, : len(days)] = days
        modes = {mode: i for i, mode in enumerate(DELIVERY_MODES)}

        def column(values: Iterable[Any], dtype: Any) -> np.ndarray:
            return np.fromiter(values, dtype=dtype, count=n)

        def degrees(value: float | None) -> float:
            return math.nan if value is None else math.radians(value)

        return cls(
            ids=column((c.course_id for c in courses), np.int64),
            provider_ids=column((c.provider_id for c in courses), np.int64),
            open=column((c.status == "published" and c.fetched for c in courses), bool),
            level=column((_or(c.rqf_level, -1) for c in courses), np.int16),
            min_level=column((_or(c.min_level, -1) for c in courses), np.int16),
            mode=column((modes.get(c.delivery_mode or "", -1) for c in courses), np.int8),
            anywhere=column((c.open_anywhere for c in courses), bool),
            latitude=column((degrees(c.latitude if c.located else None) for c in courses), float),
            longitude=column((degrees(c.longitude if c.located else None) for c in courses), float),
            starts=starts,
            any_time=column((not c.start_dates for c in courses), bool),
            hours=column((_or(c.hours_per_week, math.nan) for c in courses), float),
            cost=column((c.cost_pence or 0 for c in courses), np.int64),
            funding=column((funding_code(c.funding) for c in courses), np.int8),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def holding(self, course_ids: Iterable[int]) -> np.ndarray:
        """bool (n,): True at the rows of `course_ids` (ids the table lacks are ignored); what
        `np.isin(ids, course_ids)` says, by binary search over the ids sorted once (isin sorted
        all 50,000 ids on every call, ~0.13 ms of a request)."""
        wanted = np.fromiter(course_ids, dtype=np.int64)
        order, ordered = self._ids_sorted
        found = np.zeros(len(self.ids), dtype=bool)
        if len(wanted) and len(ordered):
            at = np.minimum(np.searchsorted(ordered, wanted), len(ordered) - 1)
            found[order[at[ordered[at] == wanted]]] = True
        return found

    @functools.cached_property
    def _ids_sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """(row order that sorts `ids`, the sorted ids), each (n,)."""
        order = np.argsort(self.ids, kind="stable")
        return order, self.ids[order]


@dataclass(frozen=True)
class FeasibleCourses:
    """`feasible`'s answer, aligned with the table's rows (n):

    - `mask`: bool (n,), True where the learner can take the course
    - `distance_km`: float64 (n,), NaN where not measured (open anywhere, or no place known)
    - `cost_to_learner_pence`: int64 (n,)
    """

    table: CourseTable
    mask: np.ndarray
    distance_km: np.ndarray
    cost_to_learner_pence: np.ndarray

    @property
    def course_ids(self) -> np.ndarray:
        """Ids of the courses the learner can take, int64 (m,), in table order."""
        return self.table.ids[self.mask]


class FilterParts:
    """The parts of `feasible` that each depend on one or two limits, for one `table`:
    distances from a centroid, the start-window mask, the delivery-modes mask, the costs after
    funding for an age band and level. Kept (read-only) once computed, so learners sharing a
    district, window, modes or funding share them: a batch of learners computes each once
    (distances alone are half of `feasible`). A fresh one per call keeps nothing.

    `limit`: at most that many arrays kept, the least recently used dropped first (a serving
    process keeps one per course index for every request: districts and days would otherwise
    pile up, 8 bytes a course each); None keeps all (a batch's, dropped with it). Safe to share
    between threads: two may compute the same part at once, and one of them is kept.
    """

    def __init__(self, table: CourseTable, limit: int | None = None) -> None:
        self.table = table
        self.limit = limit
        self._kept: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _keep(self, key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            value = self._kept.get(key)
            if value is not None:
                self._kept.move_to_end(key)
                return value
        value = make()
        value.setflags(write=False)
        with self._lock:
            self._kept[key] = value
            if self.limit is not None and len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._kept)

    def distances(self, centroid: tuple[float, float] | None) -> np.ndarray:
        """float64 (n,): `_distances` from `centroid`."""
        return self._keep(("km", centroid), lambda: _distances(self.table, centroid))

    def starts_between(self, first: date, last: date) -> np.ndarray:
        """bool (n,): roll-on, or a start date from `first` to `last`."""

        def make() -> np.ndarray:
            starts = self.table.starts
            in_window = (starts >= (first - _EPOCH).days) & (starts <= (last - _EPOCH).days)
            return self.table.any_time | in_window.any(axis=1)

        return self._keep(("window", first, last), make)

    def taught_in(self, modes: frozenset[str]) -> np.ndarray:
        """bool (n,): a delivery mode among `modes`."""

        def make() -> np.ndarray:
            codes = [DELIVERY_MODES.index(m) for m in modes if m in DELIVERY_MODES]
            return np.isin(self.table.mode, np.asarray(codes, dtype=np.int8))

        return self._keep(("modes", modes), make)

    def costs(self, age_band: str | None, learner_level: int | None) -> np.ndarray:
        """int64 (n,): `_costs_to_learner` for the age band and level."""
        return self._keep(
            ("cost", age_band, learner_level),
            lambda: _costs_to_learner(self.table, age_band, learner_level),
        )


def feasible(
    table: CourseTable,
    learner: LearnerLimits,
    today: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    parts: FilterParts | None = None,
) -> FeasibleCourses:
    """Every hard filter over every course of `table` for one learner, as vector operations
    (the same rules as `check_course`). `parts`: shared parts kept for `table` across
    learners (a batch's), or None to compute each here."""
    parts = FilterParts(table) if parts is None else parts
    mask = table.open.copy()
    if learner.excluded_course_ids:
        mask &= ~table.holding(learner.excluded_course_ids)

    mask &= parts.starts_between(*learner.window(today, horizon_days))

    distance = parts.distances(learner.centroid)
    if learner.max_travel_km is not None:
        near = table.anywhere.copy()
        if learner.centroid is not None:
            near |= distance <= learner.max_travel_km
        mask &= near

    if learner.delivery_modes:
        mask &= parts.taught_in(learner.delivery_modes)

    if learner.rqf_level is not None:
        have = learner.rqf_level
        mask &= (table.level <= have + 1) | (table.level <= ENTRY_LEVEL)
        mask &= table.min_level <= have

    cost = parts.costs(learner.age_band, learner.rqf_level)
    if learner.budget_pence is not None:
        mask &= cost <= learner.budget_pence
    if learner.hours_per_week is not None:
        mask &= ~(table.hours > learner.hours_per_week)  # NaN (not stated) passes
    return FeasibleCourses(table, mask, distance, cost)


def _distances(table: CourseTable, centroid: tuple[float, float] | None) -> np.ndarray:
    """Haversine km from `centroid` to every campus; NaN where open anywhere or unknown."""
    if centroid is None:
        return np.full(len(table), np.nan)
    phi1, lambda1 = math.radians(centroid[0]), math.radians(centroid[1])
    half_dphi = (table.latitude - phi1) / 2
    half_dlambda = (table.longitude - lambda1) / 2
    a = np.sin(half_dphi) ** 2 + math.cos(phi1) * np.cos(table.latitude) * np.sin(half_dlambda) ** 2
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    distance[table.anywhere] = np.nan
    return distance


def _costs_to_learner(
    table: CourseTable, age_band: str | None, learner_level: int | None = None
) -> np.ndarray:
    """`cost_to_learner` for every course of `table`: int64 (n,), pence."""
    return up_front_costs(table.level, table.cost, table.funding, age_band, learner_level)


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value
