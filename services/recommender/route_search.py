"""Finding the best routes to a target occupation: a branch-and-bound search over ordered
course lists, exact where the problem is small and bounded, and saying so, where it is not.

The problem. A route is complete when, after its steps, the learner holds the target's entry
level (when it has one) and at least `min_share` of its essential skills. Among complete routes
of at most `max_steps` steps whose every step can be entered after the earlier ones and whose
up-front cost fits the budget, answer the `routes` best by `routes.Components.total`, none a
superset of a better one (adding a step to a better route is not an alternative to it).

The search.

1. **Relevant courses** (exact). Only courses that can matter: those teaching a missing
   essential skill, and, repeatedly until nothing changes, those that give a level, skill or
   qualification a relevant course (or the target) asks for. Everything else cannot improve a
   route's skills or make it valid, and only adds time, cost and travel. Then, round by round,
   which relevant courses the learner could ever enter (taking every course they can enter by
   then, whatever the time, money or steps): the others can never be a step. This runs over
   the catalogue's arrays (`StepTable`, built once per catalogue: skills and entry
   requirements as integer ids), so courses that cannot matter never become objects.
2. **Candidates** (the only inexact step, and only past `keep_all` relevant courses). Each
   relevant course is valued as a route of its own (the share of essential skills it adds,
   time to finish, what the learner pays at their level now, travel, learners like you).
   Kept are:
   - for each missing essential skill and course level, the `per_group` best courses
     teaching it, and the one teaching most missing skills;
   - for each level above the learner's, the `per_group` best qualifying courses at it, and
     the one the learner can enter soonest (fewest rounds of step 1);
   - then, until nothing changes, for each skill or qualification a kept course asks for, the
     `per_group` best courses giving it and the one the learner can enter soonest.
   The soonest ones make every kept course enterable from kept courses alone, so the kept
   courses reach every essential skill and level the relevant ones reach (the no-route
   reasons are the same); what can be lost is a better-timed or cheaper combination.
3. **Branch and bound, deepening by steps.** Routes grow one step at a time, each step placed
   in time by `routes.schedule` and paid for by the funding the learner holds at that point
   (`funding.funding_for`, with the level reached by the steps ended by then). The search
   runs a pass to one step, then to two, ... up to `max_steps`, keeping the routes found, so
   every one-step route is looked at before any longer one and the short routes found first
   make the bound cut the longer passes early. Each pass first adds a step to the routes one
   step shorter found so far, then starts from nothing, trying the steps adding most missing
   essential skills first. A partial route is cut when
   - it cannot be completed within the pass: the skills still missing are more than the
     steps left can add (each adds at most what the best candidate adds now), or the
     target's level is more levels away than steps left (a step is at most one level above
     the level held); with one step left, only steps completing the route are tried;
   - or even its most hopeful completion cannot beat the routes already kept: skills bounded
     by the skills held plus the largest gains of the candidates, one per step left; time,
     cost and travel by their values so far (steps only add to them, and a higher level
     only removes entitlements); learners like you by the best of the mean so far and the
     best single course; demand is fixed.
   The same steps at the same dates reached by placing them in another order are explored
   once per pass. Skills are bit masks over the target's essential skills; funding is looked
   up once per course and level held. A pass other than the last may use half of the
   `node_budget` placements left, the last all of them.

`RouteAnswer.exact` is True only when every relevant course the learner could ever enter was
kept and no pass reached its share of the budget: then the answer is the best there is (the
unit tests check it against brute force). Otherwise it is the best found among the candidates
within `node_budget` placements, and says so.

When no route exists the answer says why, in the learner's words: the essential skill no
course they can take teaches, the entry requirement nothing on offer lets them meet, the level
the occupation asks for, or the bound (steps, budget) that ruled the rest out.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from services.recommender.funding import Funding, funding_code, funding_for, up_front_costs
from services.recommender.routes import (
    DAYS_PER_MONTH,
    Placed,
    Progress,
    Route,
    RouteCourse,
    RouteWeights,
    Starting,
    Target,
    components,
    end_of,
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
    skills a complete route must reach, courses kept per group of candidates, relevant courses
    up to which every one is kept, placements before stopping."""

    max_steps: int = 4
    routes: int = 3
    min_share: float = 0.6
    per_group: int = 2
    keep_all: int = 40
    node_budget: int = 2_500


DEFAULT_LIMITS = SearchLimits()
DEFAULT_WEIGHTS = RouteWeights()


@dataclass(frozen=True)
class RouteAnswer:
    """The best routes, best first; when there are none, `reason` says why. `exact`: no
    relevant course set aside and the search ran to completion; `candidates` the courses
    searched, `relevant` the relevant courses they were chosen from; `note`: what the answer
    could not keep of what the learner asked for (their route preference)."""

    routes: list[Route]
    reason: str | None = None
    explored: int = 0
    exact: bool = True
    candidates: int = 0
    relevant: int = 0
    note: str | None = None


# --- 1-2. the catalogue as arrays, relevant courses and candidates --------------------------------

_EPOCH = date(1970, 1, 1)
_NO_DATE = np.iinfo(np.int32).max
_NO_LEVEL = -99


@dataclass(frozen=True)
class _Csr:
    """Rows of integer ids: row i holds `ids[starts[i]:starts[i + 1]]`."""

    starts: np.ndarray
    ids: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[Sequence[int]]) -> _Csr:
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        ids = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(starts[-1]))
        return cls(starts, ids)

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids of `rows`, and for each the row it belongs to."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.starts[rows + 1] - self.starts[rows]
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        owners = np.repeat(rows, lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self.ids[np.repeat(self.starts[rows], lengths) + offsets], owners


@dataclass(frozen=True)
class StepTable:
    """Courses as arrays for choosing candidates, one row per course of `steps` (n rows);
    built once per catalogue (`build`), read per learner (`candidates`).

    - `key_ids`: skill match key -> id; `qual_ids`: qualification type (casefolded) -> id
    - `taught`: each course's skill key ids; `teachers`: each key id's rows (the inverse)
    - `required`, `required_quals`: each course's prerequisite skill key / qualification ids
    - `qual`: int64 (n,), the id of each course's qualification type
    - `level`, `min_level`, `needs_level`: int64 (n,), RQF level (0 when not stated), the
      minimum level asked (-99: none), and the level entry asks for (max of level - 1 and
      the minimum level)
    - `qualifying`: bool (n,), completing it gives its level
    - `entry`: int64 (n,), one id per distinct set of entry requirements (level, minimum
      level, prerequisite skills and qualifications)
    - `cost`, `funding`: int64 (n,), fee in pence and `funding.funding_code`
    - `weeks`: int64 (n,), at least 1; `starts`: int64 (n, k) days since 1970-01-01, padded
      with the largest int32; `any_time`: bool (n,), no start dates
    """

    steps: tuple[RouteCourse, ...]
    key_ids: Mapping[str, int]
    qual_ids: Mapping[str, int]
    taught: _Csr
    teachers: _Csr
    required: _Csr
    required_quals: _Csr
    qual: np.ndarray
    level: np.ndarray
    needs_level: np.ndarray
    min_level: np.ndarray
    qualifying: np.ndarray
    entry: np.ndarray
    cost: np.ndarray
    funding: np.ndarray
    weeks: np.ndarray
    starts: np.ndarray
    any_time: np.ndarray

    @classmethod
    def build(cls, steps: Sequence[RouteCourse]) -> StepTable:
        steps = tuple(steps)
        n = len(steps)
        key_ids: dict[str, int] = {}
        qual_ids: dict[str, int] = {}
        entries: dict[tuple, int] = {}

        def key(text: str) -> int:
            return key_ids.setdefault(text, len(key_ids))

        def qual(text: str) -> int:
            return qual_ids.setdefault(text, len(qual_ids))

        taught = [sorted(key(k) for k in c.skills) for c in steps]
        required = [sorted(key(k) for k in c.required_skills) for c in steps]
        required_quals = [sorted(qual(q) for q in c.required_qualifications) for c in steps]
        quals = [qual(c.qualification_type.casefold()) for c in steps]
        entry = [
            entries.setdefault(
                (c.rqf_level, c.min_level, tuple(r), tuple(q)),
                len(entries),
            )
            for c, r, q in zip(steps, required, required_quals, strict=True)
        ]
        teachers: list[list[int]] = [[] for _ in key_ids]
        for row, ids in enumerate(taught):
            for i in ids:
                teachers[i].append(row)
        width = max([len(c.starts) for c in steps] + [1])
        starts = np.full((n, width), _NO_DATE, dtype=np.int64)
        for row, c in enumerate(steps):
            starts[row, : len(c.starts)] = [(d - _EPOCH).days for d in c.starts]

        def column(values: Sequence, dtype: type) -> np.ndarray:
            return np.asarray(values, dtype=dtype).reshape(n)

        level = column([c.rqf_level for c in steps], np.int64)
        min_level = column(
            [_NO_LEVEL if c.min_level is None else c.min_level for c in steps], np.int64
        )
        return cls(
            steps=steps,
            key_ids=key_ids,
            qual_ids=qual_ids,
            taught=_Csr.of(taught),
            teachers=_Csr.of(teachers),
            required=_Csr.of(required),
            required_quals=_Csr.of(required_quals),
            qual=column(quals, np.int64),
            level=level,
            needs_level=np.maximum(level - 1, np.where(min_level > 0, min_level, -1)),
            min_level=min_level,
            qualifying=column([c.qualifying for c in steps], bool),
            entry=column(entry, np.int64),
            cost=column([c.cost_pence for c in steps], np.int64),
            funding=column([funding_code(c.funding) for c in steps], np.int64),
            weeks=column([max(c.duration_weeks, 1) for c in steps], np.int64),
            starts=starts,
            any_time=column([not c.starts for c in steps], bool),
        )

    def __len__(self) -> int:
        return len(self.steps)

    def relevant(self, rows: np.ndarray, progress: Progress, target: Target) -> Relevant:
        """The relevant courses among `rows` (step 1 of the module docstring)."""
        n = len(self)
        open_ = np.zeros(n, dtype=bool)
        open_[rows] = True
        covered = target.covered(progress.skills)
        skill_of: list[tuple[int, int]] = []  # (key id, missing essential skill index)
        for index, (skill, held) in enumerate(zip(target.essential_skills, covered, strict=True)):
            if not held:
                skill_of += [(self.key_ids[k], index) for k in skill.keys if k in self.key_ids]
        teach_rows = np.zeros(0, dtype=np.int64)
        teach_skill = np.zeros(0, dtype=np.int64)
        for key, index in skill_of:
            teachers = self._teachers_of(key)
            teach_rows = np.concatenate([teach_rows, teachers])
            teach_skill = np.concatenate([teach_skill, np.full(len(teachers), index)])
        keep = open_[teach_rows]
        teach_rows, teach_skill = teach_rows[keep], teach_skill[keep]
        chosen = np.zeros(n, dtype=bool)
        chosen[teach_rows] = True
        level_held = progress.level or -1  # as a level of 0 has always counted here
        while True:
            members = np.flatnonzero(chosen)
            wanted_keys = np.unique(self.required.gather(members)[0])
            wanted_quals = np.unique(self.required_quals.gather(members)[0])
            wanted_level = max(
                target.entry_level if target.entry_level is not None else -1,
                int(self.needs_level[members].max(initial=-1)),
            )
            added = np.zeros(n, dtype=bool)
            added[self.teachers.gather(wanted_keys)[0]] = True
            added |= np.isin(self.qual, wanted_quals)
            added |= self.qualifying & (self.level > level_held) & (self.level <= wanted_level)
            added &= open_ & ~chosen
            if not added.any():
                return Relevant(members, teach_rows, teach_skill)
            chosen |= added

    def reach(self, relevant: Relevant, progress: Progress) -> np.ndarray:
        """int64 (n,): for each relevant row, the round in which the learner can first enter
        it, taking in each round every relevant course they can enter by then (0: at once,
        whatever the time, money or number of steps); -1 never, and for rows not relevant."""
        when = np.full(len(self), -1, dtype=np.int64)
        pending = relevant.rows
        held_keys = np.zeros(len(self.key_ids), dtype=bool)
        held_keys[[self.key_ids[k] for k in progress.skills if k in self.key_ids]] = True
        held_quals = np.zeros(len(self.qual_ids), dtype=bool)
        held_quals[[self.qual_ids[q] for q in progress.qualifications if q in self.qual_ids]] = True
        level = progress.level
        for rounds in range(len(pending) + 1):
            ok = np.ones(len(pending), dtype=bool)
            keys, owners = self.required.gather(pending)
            ok[np.searchsorted(pending, owners[~held_keys[keys]])] = False
            quals, owners = self.required_quals.gather(pending)
            ok[np.searchsorted(pending, owners[~held_quals[quals]])] = False
            if level is not None:
                ok &= self.level[pending] <= max(level + 1, 0)
                ok &= self.min_level[pending] <= level
            entered = pending[ok]
            if not len(entered):
                break
            when[entered] = rounds
            held_keys[self.taught.gather(entered)[0]] = True
            held_quals[self.qual[entered]] = True
            qualifying = entered[self.qualifying[entered]]
            if len(qualifying):
                top = int(self.level[qualifying].max())
                level = top if level is None else max(level, top)
            pending = pending[~ok]
        return when

    def candidates(
        self,
        relevant: Relevant,
        when: np.ndarray,
        distance_km: np.ndarray,
        like_you: np.ndarray,
        starting: Starting,
        target: Target,
        weights: RouteWeights,
        limits: SearchLimits,
    ) -> Chosen:
        """The rows searched (step 2 of the module docstring), best alone first, and for the
        no-route reason, the first course teaching each missing essential skill no course
        the learner can ever enter teaches. `when`: `reach`; `distance_km` float (n,) (NaN:
        not measured) and `like_you` (n,) for every row."""
        rows = relevant.rows
        value = self._value(relevant, distance_km, like_you, starting, target, weights)
        reachable = rows[when[rows] >= 0]
        locked = self._locked(relevant, when)
        if len(rows) <= limits.keep_all:
            kept = reachable
        else:
            kept = self._best_of_groups(relevant, when, value, starting, limits.per_group, locked)
        kept = kept[np.lexsort((kept, -value[kept]))]
        return Chosen(kept, locked, len(rows), len(kept) == len(reachable))

    def _locked(self, relevant: Relevant, when: np.ndarray) -> np.ndarray:
        """The first row teaching each missing essential skill that no reachable row teaches."""
        teach_rows, teach_skill = relevant.teach_rows, relevant.teach_skill
        open_skills = np.unique(teach_skill[when[teach_rows] >= 0])
        closed = ~np.isin(teach_skill, open_skills)
        rows, skills = teach_rows[closed], teach_skill[closed]
        order = np.lexsort((rows, skills))
        rows, skills = rows[order], skills[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = skills[1:] != skills[:-1]
        return np.unique(rows[first])

    def _value(
        self,
        relevant: Relevant,
        distance_km: np.ndarray,
        like_you: np.ndarray,
        starting: Starting,
        target: Target,
        weights: RouteWeights,
    ) -> np.ndarray:
        """float (n,), filled at the relevant rows: each as a route of its own (the essential
        skills it adds, months to finish, what the learner pays at their level now, travel,
        learners like you); for ranking candidates only."""
        rows = relevant.rows
        value = np.zeros(len(self), dtype=float)
        if not len(rows):
            return value
        skills = max(len(target.essential_skills), 1)
        pairs = np.unique(relevant.teach_rows * skills + relevant.teach_skill)
        gain = np.bincount(pairs // skills, minlength=len(self))[rows] / skills
        day = (starting.earliest_start - _EPOCH).days
        starts = self.starts[rows]
        listed = starts != _NO_DATE
        later = np.where(listed & (starts >= day), starts, _NO_DATE).min(axis=1)
        years = np.ceil((day - starts) / 365.25)
        rolled = np.where(listed, starts + np.round(years * 365.25), _NO_DATE).min(axis=1)
        first = np.where(later != _NO_DATE, later, rolled)
        first = np.where(self.any_time[rows], day, first)
        months = (first + 7 * self.weeks[rows] - day) / DAYS_PER_MONTH
        level = starting.progress.level
        full = up_front_costs(
            self.level[rows], self.cost[rows], self.funding[rows], starting.age_band, level
        )
        short = up_front_costs(  # no first-full-level entitlement for a short course
            self.level[rows], self.cost[rows], self.funding[rows], starting.age_band, 99
        )
        pays = np.where(self.qualifying[rows], full, short)
        travel = np.nan_to_num(distance_km[rows], nan=0.0)
        like = np.minimum(1.0, like_you[rows] / weights.like_you_scale)
        value[rows] = (
            weights.skills * gain
            + weights.time * weights.months_scale / (weights.months_scale + months)
            + weights.cost * weights.cost_scale_pence / (weights.cost_scale_pence + pays)
            + weights.travel * weights.travel_scale_km / (weights.travel_scale_km + travel)
            + weights.collaborative * like
        )
        return value

    def _best_of_groups(
        self,
        relevant: Relevant,
        when: np.ndarray,
        value: np.ndarray,
        starting: Starting,
        per_group: int,
        locked: np.ndarray,
    ) -> np.ndarray:
        """The reachable relevant rows among the `per_group` best of any of their groups, and
        the first reachable one of each group that asks for nothing else kept (so what the
        rows kept ask for, rows kept give: they reach what every reachable row reaches)."""
        reachable = np.zeros(len(self), dtype=bool)
        reachable[relevant.rows[when[relevant.rows] >= 0]] = True
        teach = reachable[relevant.teach_rows]
        teach_rows = relevant.teach_rows[teach]
        skill_levels = relevant.teach_skill[teach] * 32 + np.clip(self.level[teach_rows], 0, 31)
        width = int(relevant.teach_skill.max(initial=0)) + 1
        pairs = np.unique(relevant.teach_rows * width + relevant.teach_skill)
        gain = np.bincount(pairs // width, minlength=len(self))
        kept = [
            _top(skill_levels, teach_rows, value, per_group),
            _top(skill_levels, teach_rows, gain * 2.0 + value, 1),  # the most skills
        ]
        level_held = -1 if starting.progress.level is None else starting.progress.level
        givers = np.flatnonzero(reachable & self.qualifying & (self.level > level_held))
        kept.append(_top(self.level[givers], givers, value, per_group))
        kept.append(_top(self.level[givers], givers, -when.astype(float), 1))
        chosen = np.unique(np.concatenate(kept))
        while True:
            asking = np.concatenate([chosen, locked])
            keys = np.unique(self.required.gather(asking)[0])
            rows, keys = self.teachers.gather(keys)
            open_ = reachable[rows]
            rows, keys = rows[open_], keys[open_]
            quals = np.unique(self.required_quals.gather(asking)[0])
            holders = np.flatnonzero(reachable & np.isin(self.qual, quals))
            added = np.concatenate(
                [
                    _top(keys, rows, value, per_group),
                    _top(keys, rows, -when.astype(float), 1),
                    _top(self.qual[holders], holders, value, per_group),
                    _top(self.qual[holders], holders, -when.astype(float), 1),
                ]
            )
            added = np.setdiff1d(added, chosen)
            if not len(added):
                return chosen
            chosen = np.union1d(chosen, added)

    def _teachers_of(self, key: int) -> np.ndarray:
        return self.teachers.ids[self.teachers.starts[key] : self.teachers.starts[key + 1]]

    def step(self, row: int, distance_km: float, like_you: float) -> RouteCourse:
        """Row `row` as a step for one learner: their distance to it and learners like them."""
        course = self.steps[row]
        km = None if math.isnan(distance_km) else round(float(distance_km), 1)
        count = int(like_you)
        if course.distance_km == km and course.learners_like_you == count:
            return course
        return replace(course, distance_km=km, learners_like_you=count)


def _top(groups: np.ndarray, rows: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """The rows among the `k` of highest `score[row]` in each group (ties: lowest row)."""
    if not len(rows):
        return rows
    order = np.lexsort((rows, -score[rows], groups))
    ranked = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left")
    return rows[order][rank < k]


@dataclass(frozen=True)
class Chosen:
    """`StepTable.candidates`' answer: the rows searched, best alone first; the locked rows
    the no-route reason may name; how many rows were relevant; whether every relevant row
    the learner could ever enter is searched."""

    rows: np.ndarray
    locked: np.ndarray
    relevant: int
    every_one: bool


@dataclass(frozen=True)
class Relevant:
    """`StepTable.relevant`'s answer: the relevant rows, and each (row, missing essential
    skill index) pair a relevant course teaches."""

    rows: np.ndarray
    teach_rows: np.ndarray
    teach_skill: np.ndarray


# --- the answer ---------------------------------------------------------------------------------


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
    table = StepTable.build(courses)
    distance = np.array(
        [math.nan if c.distance_km is None else c.distance_km for c in courses], dtype=float
    )
    like_you = np.array([c.learners_like_you for c in courses], dtype=float)
    rows = np.arange(len(courses), dtype=np.int64)
    return find_routes_in(
        table, rows, distance, like_you, starting, target, weights, limits, funding
    )


def find_routes_in(
    table: StepTable,
    rows: np.ndarray,
    distance_km: np.ndarray,
    like_you: np.ndarray,
    starting: Starting,
    target: Target,
    weights: RouteWeights = DEFAULT_WEIGHTS,
    limits: SearchLimits = DEFAULT_LIMITS,
    funding: FundingRule = funding_for,
) -> RouteAnswer:
    """`find_routes` over the rows `rows` of a catalogue's `table` (those through the hard
    filters), with each row's `distance_km` (NaN: not measured) and `like_you`, both (n,)."""
    if _complete(starting.progress, target, limits.min_share):
        return RouteAnswer([], f"you already hold what {target.title} asks for")
    relevant = table.relevant(rows, starting.progress, target)
    when = table.reach(relevant, starting.progress)
    chosen = table.candidates(
        relevant, when, distance_km, like_you, starting, target, weights, limits
    )
    kept = [table.step(row, distance_km[row], like_you[row]) for row in chosen.rows.tolist()]
    locked = [table.step(row, distance_km[row], like_you[row]) for row in chosen.locked.tolist()]
    sizes = {"candidates": len(kept), "relevant": chosen.relevant}
    if not _complete(_reachable(kept, starting.progress).progress, target, limits.min_share):
        # not even taking every course, whatever the time or money: nothing to search (what
        # the candidates reach, every relevant course reaches: step 2)
        reason = why_none([*kept, *locked], starting, target, limits)
        return RouteAnswer([], reason, 0, True, **sizes)
    search = _Search(kept, starting, target, weights, limits, funding)
    search.run()
    found = search.answer()
    exact = chosen.every_one and not search.stopped
    if found:
        return RouteAnswer(found, None, search.explored, exact, **sizes)
    reason = why_none([*kept, *locked], starting, target, limits)
    if search.stopped:
        reason = (
            f"the search stopped after {search.explored:,} tries without finding a route"
            f" (it may exist: ask an adviser); {reason}"
        )
    elif not exact:
        reason = (
            f"the search looked at the best {len(kept):,} of the {chosen.relevant:,} courses"
            f" that could matter without finding a route (one may exist: ask an adviser);"
            f" {reason}"
        )
    return RouteAnswer([], reason, search.explored, exact, **sizes)


def _share(progress: Progress, target: Target) -> float:
    if not target.essential_skills:
        return 1.0
    return sum(target.covered(progress.skills)) / len(target.essential_skills)


def _complete(progress: Progress, target: Target, min_share: float) -> bool:
    if target.entry_level is not None and (progress.level or -1) < target.entry_level:
        return False
    return _share(progress, target) >= min_share - 1e-9


# --- 3. branch and bound --------------------------------------------------------------------------


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
    kept: set[frozenset[tuple[int, date]]] = field(default_factory=set)
    floor: float | None = None  # the score to beat once `routes` routes are kept
    depth: int = 0  # the most steps of the current pass
    cap: int = 0  # the placements the current pass may reach
    halted: bool = False  # the current pass reached its cap

    def __post_init__(self) -> None:
        target, starting = self.target, self.starting
        self.masks = [_mask(target.covered(c.skills)) for c in self.courses]
        self.start_mask = _mask(target.covered(starting.progress.skills))
        self.start_level = starting.progress.level
        self.skill_count = len(target.essential_skills)
        self.needed = next(
            k
            for k in range(self.skill_count + 1)
            if self.skill_count == 0 or k / self.skill_count >= self.limits.min_share - 1e-9
        )
        every = self.start_mask
        for mask in self.masks:
            every |= mask
        self.best_skills = self._skills_share(every.bit_count())
        self.most_added = max(((m & ~self.start_mask).bit_count() for m in self.masks), default=0)
        self.like_you = [
            min(1.0, c.learners_like_you / self.weights.like_you_scale) for c in self.courses
        ]
        self.best_like_you = max(self.like_you, default=0.0)
        self.paid: dict[tuple[int, int | None], tuple[int, int, str]] = {}
        self.gives_level = [c.rqf_level if c.qualifying else None for c in self.courses]

    def _skills_share(self, held: int) -> float:
        return held / self.skill_count if self.skill_count else 1.0

    def run(self) -> None:
        """Search to one step, then two, ... up to `limits.max_steps` (the routes found carry
        over; states are explored once per depth). Each depth but the last may use half the
        placements left; each starts by adding a step to the routes one step shorter found so
        far, best first."""
        index_of = {c.course_id: i for i, c in enumerate(self.courses)}
        for depth in range(1, self.limits.max_steps + 1):
            self.depth = depth
            self.reached = set()
            left = self.limits.node_budget - self.explored
            self.cap = self.explored + (left if depth == self.limits.max_steps else left // 2)
            self.halted = False
            for route in list(self.found):
                if len(route.steps) == depth - 1 and not self.halted:
                    self._extend_route(route, index_of)
            if not self.halted:
                self.extend((), (), self.start_mask, self.start_level)
            self.stopped |= self.halted

    def _extend_route(self, route: Route, index_of: Mapping[int, int]) -> None:
        used = tuple(index_of[i] for i in route.course_ids)
        held, level = self.start_mask, self.start_level
        for i in used:
            held |= self.masks[i]
            gives = self.gives_level[i]
            if gives is not None and (level is None or gives > level):
                level = gives
        self.extend(route.steps, used, held, level)

    def extend(
        self, placed: tuple[Placed, ...], used: tuple[int, ...], held: int, level: int | None
    ) -> None:
        """Try every next step after `placed` (candidates `used`, leaving the learner holding
        essential skills `held` and `level`), those adding most missing skills first."""
        left = self.depth - len(placed) - 1  # steps left after this one
        if self.halted or left < 0:
            return
        gains = [(mask & ~held).bit_count() for mask in self.masks]
        order = sorted(range(len(self.courses)), key=gains.__getitem__, reverse=True)
        if placed and self.floor is not None:
            # the bound again, now that the skills each candidate adds are known: at most the
            # sum of the largest gains, one per step left
            added = sum(gains[i] for i in order[: left + 1])
            skills = min(self.best_skills, self._skills_share(held.bit_count() + added))
            like_you = max(sum(self.like_you[i] for i in used) / len(used), self.best_like_you)
            if self._total(placed, skills, like_you) <= self.floor + 1e-9:
                return
        most = gains[order[0]] if order else 0
        short = self.needed - held.bit_count() - left * most
        entry = self.target.entry_level
        needed = self.needed - held.bit_count()
        for i in order:
            gain = gains[i]
            if gain < short:
                break  # this step and every later one leave too many skills for the steps left
            if i in used:
                continue
            course = self.courses[i]
            gives = self.gives_level[i]
            after_level = level
            if gives is not None and (level is None or gives > level):
                after_level = gives
            complete = gain >= needed and (entry is None or (after_level or -1) >= entry)
            if not complete:
                if left == 0:
                    continue
                if entry is not None and after_level is not None and entry - after_level > left:
                    continue
            after_held = held | self.masks[i]
            self.explored += 1
            if self.explored > self.cap:
                self.halted = True
                return
            route = self._place(placed, course)
            if route is None:
                continue
            budget = self.starting.budget_pence
            if budget is not None and sum(p.pays_pence for p in route) > budget:
                continue
            if not self._new(route):
                continue
            if complete and self._enters(route, (*used, i), after_held):
                self._keep(route)
            if left and self._hopeful(route, (*used, i), after_held, left):
                self.extend(route, (*used, i), after_held, after_level)
                if self.halted:
                    return

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
        settled = []
        for step in route:
            level = _level_before(route, self.start_level, step.start)
            pays, loan, reason = self._paid(step.course, level)
            if (step.pays_pence, step.loan_pence, step.funding_reason) != (pays, loan, reason):
                step = Placed(step.course, step.start, step.end, pays, loan, reason)
            settled.append(step)
        return tuple(settled)

    def _paid(self, course: RouteCourse, level: int | None) -> tuple[int, int, str]:
        key = (course.course_id, level)
        paid = self.paid.get(key)
        if paid is None:
            funded = self.funding(
                course.rqf_level,
                course.cost_pence,
                course.funding,
                self.starting.age_band,
                level,
                full_qualification=course.qualifying,
            )
            paid = self.paid[key] = (funded.pays_pence, funded.loan_pence, funded.reason)
        return paid

    def _new(self, route: tuple[Placed, ...]) -> bool:
        """False when the same steps at the same dates were already reached at this depth (in
        another order of placing them): their futures are the same."""
        key = frozenset((p.course.course_id, p.start) for p in route)
        if key in self.reached:
            return False
        self.reached.add(key)
        return True

    def _keep(self, route: tuple[Placed, ...]) -> None:
        key = frozenset((p.course.course_id, p.start) for p in route)
        if key in self.kept:
            return  # found again by a deeper search
        self.kept.add(key)
        ordered = tuple(sorted(route, key=lambda p: (p.start, p.end, p.course.course_id)))
        sums = totals(ordered, self.starting, self.target)
        parts = components(sums, [p.course for p in ordered], self.target, self.weights)
        scored = Route(
            ordered, sums, parts, round(parts.total(self.weights), 6), tuple(switches(ordered))
        )
        keys = [-r.score for r in self.found]
        self.found.insert(bisect.bisect_right(keys, -scored.score), scored)
        del self.found[4 * self.limits.routes + 8 :]
        answer = self.answer()
        self.floor = answer[-1].score if len(answer) == self.limits.routes else None

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

    def _hopeful(
        self, route: tuple[Placed, ...], used: tuple[int, ...], held: int, left: int
    ) -> bool:
        """Whether some completion of `route` (`left` more steps at most) could still enter
        the answer."""
        if self.floor is None:
            return True
        skills = min(
            self.best_skills, self._skills_share(held.bit_count() + left * self.most_added)
        )
        like_you = max(sum(self.like_you[i] for i in used) / len(used), self.best_like_you)
        return self._total(route, skills, like_you) > self.floor + 1e-9

    def _enters(self, route: tuple[Placed, ...], used: tuple[int, ...], held: int) -> bool:
        """Whether complete `route` may enter the answer (its score, as `_keep` computes it,
        above the score to beat)."""
        if self.floor is None:
            return True
        like_you = sum(self.like_you[i] for i in used) / len(used)
        total = self._total(route, self._skills_share(held.bit_count()), like_you)
        return total > self.floor - 1e-6

    def _total(self, route: tuple[Placed, ...], skills: float, like_you: float) -> float:
        """`Components.total` of `route` with these skills and learners-like-you components
        (time, cost and travel as `routes.totals` rounds them)."""
        w = self.weights
        finish = route[0].end
        pays = 0
        farthest = None
        for step in route:
            if step.end > finish:
                finish = step.end
            pays += step.pays_pence
            km = step.course.distance_km
            if km is not None and (farthest is None or km > farthest):
                farthest = km
        months = round((finish - self.starting.earliest_start).days / DAYS_PER_MONTH, 1)
        travel = 0.0 if farthest is None else round(farthest, 1)
        return (
            w.skills * skills
            + w.time * _falling(months, w.months_scale)
            + w.cost * _falling(pays, w.cost_scale_pence)
            + w.travel * _falling(travel, w.travel_scale_km)
            + w.collaborative * like_you
            + w.demand * self.target.demand
        )


def _falling(total: float, scale: float) -> float:
    return scale / (scale + (total if total > 0.0 else 0.0))


def _mask(covered: Sequence[bool]) -> int:
    """Essential skills as bits (bit i: the target's i-th essential skill)."""
    return sum(1 << i for i, held in enumerate(covered) if held)


def _level_before(placed: Sequence[Placed], level: int | None, start: date) -> int | None:
    """The level the learner holds when a step starting on `start` begins: their own
    (`level`), raised by the qualifying steps that end by then."""
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
