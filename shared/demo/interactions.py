"""Demo interactions: the implicit feedback the recommender trains on, shaped like the real thing.

Three things make real course-browsing data hard for a recommender, and the demo keeps all three:
popularity is heavy-tailed (a Zipf law over courses, so a few courses take much of the traffic);
it is conditioned on the learner (mostly courses in the sectors of their goals, at or one above
their level, within reach of home, on their preferred route); and it is a funnel, where many views
lead to fewer saves, fewer applications, fewer enrolments and fewer completions still.
Timestamps fall in the 18 months before a fixed reference time, busier in January and at the
start of the academic year, and quieter at night and at weekends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from shared.demo.model import DemoCourse, DemoInteraction, DemoLearner
from shared.demo.places import DISTRICTS, PROVIDERS
from shared.demo.taxonomy import OCCUPATION_SECTORS
from shared.events.profile import INTERACTION_KINDS

KINDS = INTERACTION_KINDS  # the contract's kinds, so demo events always validate
WINDOW_DAYS = 548  # 18 months
ZIPF_EXPONENT = 1.1
GOAL_SECTOR_SHARE = 0.85  # of a learner's attention that goes to their goal sectors

_DAY = 86_400.0
_MONTH_WEIGHTS = (1.3, 1.0, 0.9, 0.8, 0.9, 1.1, 1.2, 1.6, 1.5, 1.0, 0.9, 0.6)
_HOUR_WEIGHTS = np.array(
    [
        0.1,
        0.05,
        0.03,
        0.03,
        0.03,
        0.1,
        0.3,
        0.6,
        0.8,
        0.9,
        0.9,
        1.0,
        1.3,
        1.1,
        0.9,
        0.9,
        1.0,
        1.1,
        1.4,
        1.8,
        2.0,
        1.8,
        1.2,
        0.5,
    ]
)
_ROUTE_FIT = {
    "academic": {"academic": 1.0, "both": 0.8, "technical": 0.3},
    "technical": {"academic": 0.3, "both": 0.8, "technical": 1.0},
    "either": {"academic": 1.0, "both": 1.0, "technical": 1.0},
}


def goal_sectors(learner: DemoLearner) -> tuple[str, ...]:
    """The sectors whose courses lead to the learner's goals, in goal order, without repeats."""
    return tuple(
        dict.fromkeys(OCCUPATION_SECTORS[g] for g in learner.goals if g in OCCUPATION_SECTORS)
    )


class _Courses:
    """The catalogue as arrays, for scoring every course against one learner at once."""

    def __init__(self, rng: np.random.Generator, courses: tuple[DemoCourse, ...]) -> None:
        self.courses = courses
        self.popularity = (rng.permutation(len(courses)) + 1.0) ** -ZIPF_EXPONENT
        self.sectors = np.array([c.sector for c in courses])
        self.levels = np.array([c.rqf_level for c in courses])
        self.online = np.array([c.campus_name is None for c in courses])
        self.hours = np.array([c.hours_per_week for c in courses])
        self.on_the_job = np.array([c.delivery_mode == "workplace" for c in courses])
        self.route_fit = {
            pref: np.array([fit[c.route_kind] for c in courses]) for pref, fit in _ROUTE_FIT.items()
        }
        campuses = {(p.key, c.name): c for p in PROVIDERS for c in p.campuses}
        first = {p.key: p.campuses[0] for p in PROVIDERS}
        places = [
            campuses.get((c.provider_key, c.campus_name), first[c.provider_key]) for c in courses
        ]
        self.lat = np.radians([p.latitude for p in places])
        self.lon = np.radians([p.longitude for p in places])
        self._distances: dict[str, np.ndarray] = {}

    def distances_from(self, district: str) -> np.ndarray:
        if district not in self._distances:
            home = next(d for d in DISTRICTS if d.code == district)
            lat, lon = np.radians(home.latitude), np.radians(home.longitude)
            a = (
                np.sin((self.lat - lat) / 2) ** 2
                + np.cos(lat) * np.cos(self.lat) * np.sin((self.lon - lon) / 2) ** 2
            )
            self._distances[district] = 2 * 6371.0 * np.arcsin(np.sqrt(a))
        return self._distances[district]

    def weights_for(self, learner: DemoLearner) -> tuple[np.ndarray, np.ndarray]:
        """(sampling weights, goal-sector mask) for one learner."""
        delta = self.levels - learner.rqf_level
        level = np.select(
            [delta == 0, delta == 1, delta == 2, delta == -1], [1.0, 1.0, 0.35, 0.3], default=0.04
        )
        km = self.distances_from(learner.postcode.split()[0])
        reach = learner.max_travel_km
        travel = np.where(
            self.online, 0.9, np.where(km <= reach, 1.0, 0.5 * np.exp(-(km - reach) / 8.0))
        )
        fits_week = self.on_the_job | (self.hours <= 1.5 * learner.hours_per_week + 2)
        base = (
            self.popularity
            * level
            * travel
            * self.route_fit[learner.route_preference]
            * np.where(fits_week, 1.0, 0.4)
        )
        goal = np.isin(self.sectors, goal_sectors(learner))
        in_goal, elsewhere = base[goal].sum(), base[~goal].sum()
        if in_goal == 0 or elsewhere == 0:
            return base / base.sum(), goal
        share = GOAL_SECTOR_SHARE
        return np.where(goal, share * base / in_goal, (1 - share) * base / elsewhere), goal


def _day_weights(window_start: datetime) -> np.ndarray:
    days = [window_start + timedelta(days=i) for i in range(WINDOW_DAYS)]
    return np.array(
        [_MONTH_WEIGHTS[d.month - 1] * (0.7 if d.weekday() >= 5 else 1.0) for d in days]
    )


def _funnel(
    rng: np.random.Generator,
    start: float,
    course: DemoCourse,
    in_goal: bool,
    digest: str,
    may_enrol: bool,
) -> list[tuple[float, str]]:
    """One learner's steps with one course, from first look to completion, as (seconds, kind)."""
    steps: list[tuple[float, str]] = []
    t = start
    if digest != "never" and rng.random() < 0.08:
        steps.append((t, "email-click"))
        t += float(rng.integers(5, 90))
    steps.append((t, "viewed"))
    steps += [(t + rng.exponential(2.5 * _DAY), "viewed") for _ in range(rng.poisson(0.5))]
    if rng.random() < 0.06:
        return [*steps, (t + rng.exponential(300.0), "dismissed")]
    if rng.random() < 0.025:
        return [*steps, (t + rng.exponential(600.0), "not-interested")]
    saved = rng.random() < (0.3 if in_goal else 0.12)
    if saved:
        t += rng.exponential(0.5 * _DAY)
        steps.append((t, "saved"))
    if rng.random() >= (0.4 if saved else 0.03):
        return steps
    t += rng.exponential(6 * _DAY)
    steps.append((t, "applied"))
    if rng.random() >= (0.55 if may_enrol else 0.08):
        return steps
    t += rng.exponential(20 * _DAY)
    steps.append((t, "enrolled"))
    if rng.random() < 0.75:
        steps.append((t + course.duration_weeks * 7 * _DAY, "completed"))
    return steps


def generate_interactions(
    rng: np.random.Generator,
    learners: tuple[DemoLearner, ...],
    courses: tuple[DemoCourse, ...],
    reference: datetime,
) -> tuple[DemoInteraction, ...]:
    """Interactions in the 18 months before ``reference``, in time order.

    Each learner engages with 1 + lognormal-many courses (about 5 on average, a long tail of
    keen browsers), drawn without repeats by weight; each engagement runs a funnel, and any
    step that would fall at or after ``reference`` is cut off with everything after it.
    """
    if not learners or not courses:
        return ()
    catalogue = _Courses(rng, courses)
    window_start = reference - timedelta(days=WINDOW_DAYS)
    day_weights = _day_weights(window_start)
    hours = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
    horizon = WINDOW_DAYS * _DAY
    rows: list[tuple[float, str, str, int]] = []
    for learner in learners:
        weights, goal = catalogue.weights_for(learner)
        count = min(1 + int(rng.lognormal(1.3, 0.85)), 60, int(np.count_nonzero(weights)))
        chosen = rng.choice(len(courses), size=count, replace=False, p=weights / weights.sum())
        joined = int(rng.integers(0, WINDOW_DAYS - 7))
        days = day_weights[joined:] / day_weights[joined:].sum()
        enrolled = False
        for index in chosen:
            course = courses[int(index)]
            day = joined + int(rng.choice(len(days), p=days))
            start = day * _DAY + rng.choice(24, p=hours) * 3600.0 + rng.integers(3600)
            for seconds, kind in sorted(
                _funnel(
                    rng, start, course, bool(goal[index]), learner.digest_frequency, not enrolled
                )
            ):
                if seconds >= horizon:
                    break
                enrolled = enrolled or kind == "enrolled"
                rows.append((seconds, learner.key, course.key, KINDS.index(kind)))
    rows.sort()
    return tuple(
        DemoInteraction(
            learner_key=learner_key,
            course_key=course_key,
            kind=KINDS[kind],
            occurred_at=window_start + timedelta(seconds=int(seconds)),
        )
        for seconds, learner_key, course_key, kind in rows
    )
