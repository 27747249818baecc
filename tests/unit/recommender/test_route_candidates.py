"""Which courses the route search looks at (relevant courses, candidates kept per group) and
what it promises when it sets some aside; and the search's cuts, against brute force where a
route needs only part of the target's skills."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from services.recommender.route_search import (
    SearchLimits,
    StepTable,
    _reachable,
    find_routes,
)
from services.recommender.routes import (
    Placed,
    Progress,
    RouteCourse,
    RouteWeights,
    Starting,
    Target,
    TargetSkill,
    components,
    end_of,
    schedule,
    totals,
)
from tests.unit.recommender.test_route_search import JAN, SEPT, course, learner, settled

#: Every relevant course kept (nothing set aside), searched to the end.
EXACT = SearchLimits(min_share=1.0, per_group=100, node_budget=1_000_000)
#: One course per group, whatever the size: the bounded candidates.
BOUNDED = SearchLimits(min_share=1.0, per_group=1, keep_all=0, node_budget=1_000_000)


def target(*labels: str, entry_level: int | None = None) -> Target:
    return Target(
        "1234",
        "Target",
        tuple(TargetSkill(label, frozenset({label})) for label in labels),
        entry_level=entry_level,
    )


def ids(answer) -> list[tuple[int, ...]]:
    return [route.course_ids for route in answer.routes]


def old_relevant(courses, progress: Progress, goal: Target) -> set[int]:
    """The relevant courses as first written, one Python set at a time (the reference)."""
    missing = set().union(
        *(
            s.keys
            for s, held in zip(goal.essential_skills, goal.covered(progress.skills), strict=True)
            if not held
        )
    )
    chosen = {c.course_id: c for c in courses if c.skills & missing}
    while True:
        wanted_skills = set().union(*(c.required_skills for c in chosen.values()))
        wanted_quals = set().union(*(c.required_qualifications for c in chosen.values()))
        wanted_level = max(
            [goal.entry_level or -1]
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
            return set(chosen)
        chosen.update((c.course_id, c) for c in added)


def random_catalogue(rng: random.Random, count: int, labels: list[str]) -> list[RouteCourse]:
    extra = ["excel", "first aid", "driving"]
    return [
        course(
            i,
            rng.choice([1, 2, 3, 3, 4, 5]),
            set(rng.sample(labels + extra, rng.choice([1, 1, 2, 3]))),
            required_skills=frozenset(rng.sample(labels + extra, 1) if rng.random() < 0.3 else []),
            required_qualifications=frozenset({"btec"} if rng.random() < 0.1 else set()),
            min_level=rng.choice([None, None, 2, 3]),
            qualification_type=rng.choice(["BTEC", "Short course", "HTQ"]),
            starts=tuple(sorted(rng.sample([JAN, date(2027, 4, 12), SEPT], 2))),
            duration_weeks=rng.choice([8, 20, 36]),
            cost_pence=rng.choice([0, 50_000, 250_000]),
            funding=rng.choice(["fee", "fully-funded"]),
            distance_km=rng.choice([None, 5.0, 30.0]),
            learners_like_you=rng.choice([0, 3, 12]),
        )
        for i in range(1, count + 1)
    ]


@pytest.mark.parametrize("seed", range(30))
def test_relevant_courses_over_the_arrays_are_the_ones_the_plain_definition_gives(seed):
    rng = random.Random(seed)
    labels = ["sql", "statistics", "python", "r", "tableau"]
    courses = random_catalogue(rng, 40, labels)
    goal = target(*labels, entry_level=rng.choice([None, 3, 4]))
    starting = learner(level=rng.choice([None, 0, 1, 2, 3]), skills=set(rng.sample(labels, 1)))
    table = StepTable.build(courses)
    rows = np.arange(len(courses))
    relevant = table.relevant(rows, starting.progress, goal)
    found = {courses[row].course_id for row in relevant.rows}
    assert found == old_relevant(courses, starting.progress, goal)


@pytest.mark.parametrize("seed", range(30))
def test_the_kept_candidates_reach_whatever_every_relevant_course_reaches(seed):
    """Setting courses aside never takes away an essential skill, a level or an entry
    requirement the learner could otherwise reach (so the no-route reasons stay true)."""
    rng = random.Random(seed)
    labels = ["sql", "statistics", "python", "r", "tableau"]
    courses = random_catalogue(rng, 60, labels)
    goal = target(*labels, entry_level=rng.choice([None, 3, 4]))
    starting = learner(level=rng.choice([1, 2, 3]), skills=set(rng.sample(labels, 1)))
    table = StepTable.build(courses)
    rows = np.arange(len(courses))
    relevant = table.relevant(rows, starting.progress, goal)
    when = table.reach(relevant, starting.progress)
    nothing = np.zeros(len(courses))
    chosen = table.candidates(
        relevant, when, nothing, nothing, starting, goal, RouteWeights(), BOUNDED
    )
    every = _reachable([courses[row] for row in relevant.rows], starting.progress)
    kept = _reachable([courses[row] for row in chosen.rows], starting.progress)
    assert {courses[row].course_id for row in chosen.rows} <= every.ids  # only reachable ones
    assert kept.ids == {courses[row].course_id for row in chosen.rows}  # reachable among kept
    assert goal.covered(kept.progress.skills) == goal.covered(every.progress.skills)
    assert kept.progress.level == every.progress.level
    reached = {courses[row].course_id for row in relevant.rows[when[relevant.rows] >= 0]}
    assert reached == every.ids


def test_a_course_beaten_in_each_of_its_groups_is_set_aside_and_the_answer_says_it_is_not_exact():
    better = course(1, 3, {"sql", "python"}, duration_weeks=10)
    worse = course(2, 3, {"sql", "python"}, duration_weeks=40)
    answer = find_routes([better, worse], learner(level=3), target("sql", "python"), limits=BOUNDED)
    assert ids(answer) == [(1,)]
    assert answer.candidates == 1
    assert answer.relevant == 2
    assert not answer.exact
    everything = find_routes(
        [better, worse], learner(level=3), target("sql", "python"), limits=EXACT
    )
    assert ids(everything) == [(1,), (2,)]
    assert everything.exact


def test_the_only_course_teaching_a_skill_is_always_kept():
    courses = [
        course(1, 3, {"sql"}, duration_weeks=10),
        course(2, 3, {"sql"}, duration_weeks=12),
        course(3, 3, {"sql"}, duration_weeks=14),
        course(4, 3, {"python"}, duration_weeks=90, cost_pence=900_000, funding="fee"),
    ]
    answer = find_routes(courses, learner(level=3), target("sql", "python"), limits=BOUNDED)
    assert set(ids(answer)[0]) == {1, 4}
    assert answer.candidates == 2


def test_the_course_teaching_the_most_skills_is_kept_beside_the_quickest():
    quick_sql = [course(i, 3, {"sql"}, duration_weeks=8) for i in (1, 2)]
    quick_python = course(3, 3, {"python"}, duration_weeks=8)
    broad = course(  # second best alone in both of its groups, but it teaches the most
        4, 3, {"sql", "python"}, duration_weeks=100, cost_pence=300_000, funding="fee"
    )
    courses = [*quick_sql, quick_python, broad]
    answer = find_routes(courses, learner(level=3), target("sql", "python"), limits=BOUNDED)
    assert answer.candidates == 3  # 1 (quickest sql), 3 (quickest python), 4 (most skills)
    assert answer.relevant == 4
    assert (4,) in ids(answer)


def test_a_prerequisite_taught_only_by_a_course_of_no_target_skill_is_kept():
    needs_excel = course(1, 3, {"sql", "python"}, required_skills=frozenset({"excel"}))
    excel = [
        course(2, 2, {"excel"}, duration_weeks=8, starts=(JAN,)),
        course(3, 2, {"excel"}, duration_weeks=30, starts=(JAN,)),
    ]
    answer = find_routes(
        [needs_excel, *excel], learner(level=3), target("sql", "python"), limits=BOUNDED
    )
    assert ids(answer)[0] == (2, 1)
    assert not answer.exact  # course 3 was set aside


def test_a_bounded_search_still_names_the_entry_requirement_nothing_meets():
    courses = [
        course(1, 3, {"sql"}),
        course(2, 3, {"sql"}, duration_weeks=40),
        course(3, 3, {"python"}, required_qualifications=frozenset({"a level maths"})),
    ]
    answer = find_routes(courses, learner(level=3), target("sql", "python"), limits=BOUNDED)
    assert answer.routes == []
    assert "python" in answer.reason
    assert "a level maths" in answer.reason


def test_every_one_course_route_is_looked_at_before_any_longer_one():
    """A budget just large enough for the one-step routes still finds the best of them, even
    when the steps adding most skills (tried first) are poor on their own."""
    courses = [course(i, 3, {"sql"}, duration_weeks=100, cost_pence=400_000, funding="fee")
               for i in range(1, 6)]  # fmt: skip
    courses.append(course(6, 3, {"sql"}, duration_weeks=6))
    limits = replace(EXACT, node_budget=len(courses))
    answer = find_routes(courses, learner(level=3), target("sql"), limits=limits)
    assert ids(answer)[0] == (6,)


def brute_force_share(courses, starting: Starting, goal: Target, weights, max_steps, share):
    """The best score over every ordered choice of courses reaching `share` of the skills."""
    best = None
    for size in range(1, max_steps + 1):
        for order in itertools.permutations(courses, size):
            placed: tuple[Placed, ...] = ()
            progress = starting.progress
            for step in order:
                start = schedule(placed, step, starting)
                if start is None or (not placed and start > date(2028, 1, 4)):
                    break
                placed += (Placed(step, start, end_of(step, start), 0, 0, ""),)
                progress = progress.after(step)
            else:
                placed = tuple(settled(p, placed, starting) for p in placed)
                if goal.entry_level is not None and (progress.level or -1) < goal.entry_level:
                    continue
                covered = goal.covered(progress.skills)
                if sum(covered) < share * len(covered) - 1e-9:
                    continue
                ordered = sorted(placed, key=lambda p: (p.start, p.end, p.course.course_id))
                sums = totals(ordered, starting, goal)
                parts = components(sums, [p.course for p in ordered], goal, weights)
                score = parts.total(weights)
                best = score if best is None else max(best, score)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_the_cuts_keep_the_best_route_when_part_of_the_skills_is_enough(seed):
    """With 60% of five skills enough, the completion cut (skills left against steps left,
    levels left against steps left) and the bound from the largest gains must not lose the
    best route."""
    rng = random.Random(1000 + seed)
    labels = ["sql", "statistics", "python", "r", "tableau"]
    courses = [
        course(
            i,
            rng.choice([2, 3, 3, 4, 5]),
            set(rng.sample(labels, rng.choice([1, 1, 2]))),
            starts=tuple(sorted(rng.sample([JAN, date(2027, 4, 12), SEPT], 2))),
            duration_weeks=rng.choice([8, 20, 36]),
            hours_per_week=float(rng.choice([6, 10, 15])),
            cost_pence=rng.choice([0, 50_000, 250_000]),
            funding=rng.choice(["fee", "fully-funded", "loan-eligible"]),
            distance_km=rng.choice([None, 5.0, 30.0]),
            learners_like_you=rng.choice([0, 3, 12]),
            qualification_type=rng.choice(["BTEC", "Short course"]),
        )
        for i in range(1, 8)
    ]
    starting = learner(level=2, skills=set(rng.sample(labels, rng.choice([0, 1]))))
    goal = target(*labels, entry_level=rng.choice([None, 3, 4]))
    limits = replace(EXACT, min_share=0.6, max_steps=3)
    answer = find_routes(courses, starting, goal, RouteWeights(), limits)
    expected = brute_force_share(courses, starting, goal, RouteWeights(), 3, 0.6)
    assert answer.exact
    if expected is None:
        assert answer.routes == []
    else:
        assert answer.routes[0].score == pytest.approx(expected, abs=1e-6)
