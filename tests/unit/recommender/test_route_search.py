"""The route search on hand-built catalogues whose best answer is clear, and against brute force
on small random ones."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date

import pytest

from services.recommender.funding import funding_for
from services.recommender.route_search import SearchLimits, find_routes
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

JAN = date(2027, 1, 4)
SEPT = date(2027, 9, 6)
EXACT = SearchLimits(min_share=1.0, per_group=100, node_budget=1_000_000)


def skill(label: str) -> TargetSkill:
    return TargetSkill(label, frozenset({label}))


def analyst(entry_level: int | None = 3) -> Target:
    return Target(
        "3544",
        "Data analyst",
        (skill("sql"), skill("statistics"), skill("python")),
        entry_level=entry_level,
    )


def course(course_id: int, level: int, skills: set[str], **facts) -> RouteCourse:
    defaults = dict(
        provider_id=course_id,
        title=f"Course {course_id}",
        qualification_type="BTEC",
        route_kind="technical",
        starts=(JAN, SEPT),
        duration_weeks=30,
        hours_per_week=12.0,
        cost_pence=0,
        funding="fully-funded",
    )
    defaults.update(facts)
    return RouteCourse(course_id=course_id, rqf_level=level, skills=frozenset(skills), **defaults)


def learner(level: int | None = 2, skills: set[str] = frozenset(), **limits) -> Starting:
    defaults = dict(age_band="24+", earliest_start=JAN, hours_per_week=16.0)
    defaults.update(limits)
    return Starting(Progress(level, frozenset(skills), frozenset()), **defaults)


def ids(answer) -> list[tuple[int, ...]]:
    return [route.course_ids for route in answer.routes]


def test_the_route_covering_every_skill_at_the_entry_level_is_found():
    courses = [
        course(1, 3, {"sql", "statistics"}),
        course(2, 3, {"python"}),
        course(3, 2, {"spreadsheets"}),
    ]
    answer = find_routes(courses, learner(), analyst(), limits=EXACT)
    assert answer.exact
    assert set(ids(answer)[0]) == {1, 2}
    best = answer.routes[0]
    assert best.totals.skills_before == 0
    assert best.totals.skills_after == 3
    assert best.totals.missing == ()


def test_a_course_two_levels_up_waits_for_the_step_that_makes_it_enterable():
    courses = [
        course(1, 3, {"statistics"}, starts=(JAN,), duration_weeks=20),
        course(2, 4, {"sql", "python"}, starts=(JAN, SEPT)),
    ]
    answer = find_routes(courses, learner(level=2), analyst(), limits=EXACT)
    steps = answer.routes[0].steps
    assert [s.course.course_id for s in steps] == [1, 2]
    assert steps[1].start >= steps[0].end
    assert steps[1].start == SEPT


def test_the_cheapest_route_wins_when_cost_weighs_most_and_the_shortest_when_time_does():
    cheap_and_long = course(1, 3, {"sql", "statistics", "python"}, duration_weeks=100)
    dear_and_short = course(
        2,
        3,
        {"sql", "statistics", "python"},
        duration_weeks=12,
        cost_pence=300_000,
        funding="employer-only",
        qualification_type="Short course",
    )
    starting = learner(level=3)
    by_cost = RouteWeights(skills=0.1, time=0.1, cost=0.8, travel=0, collaborative=0, demand=0)
    by_time = RouteWeights(skills=0.1, time=0.8, cost=0.1, travel=0, collaborative=0, demand=0)
    cheap = find_routes([cheap_and_long, dear_and_short], starting, analyst(), by_cost, EXACT)
    quick = find_routes([cheap_and_long, dear_and_short], starting, analyst(), by_time, EXACT)
    assert ids(cheap) == [(1,), (2,)]
    assert ids(quick) == [(2,), (1,)]
    assert cheap.routes[0].totals.cost_pence == 0
    assert quick.routes[0].totals.cost_pence == 300_000
    assert quick.routes[0].totals.months < cheap.routes[0].totals.months


def test_no_route_when_no_course_teaches_an_essential_skill_names_the_skill():
    courses = [course(1, 3, {"sql", "statistics"})]
    answer = find_routes(courses, learner(), analyst(), limits=EXACT)
    assert answer.routes == []
    assert "python" in answer.reason
    assert "no course you can take teaches" in answer.reason


def test_no_route_when_the_only_course_teaching_a_skill_asks_for_what_nothing_gives():
    courses = [
        course(1, 3, {"sql", "statistics"}),
        course(2, 3, {"python"}, required_qualifications=frozenset({"a level maths"})),
    ]
    answer = find_routes(courses, learner(), analyst(), limits=EXACT)
    assert answer.routes == []
    assert "python" in answer.reason
    assert "a level maths" in answer.reason


def test_no_route_when_the_occupation_asks_a_level_no_course_reaches():
    courses = [course(1, 3, {"sql", "statistics", "python"})]
    answer = find_routes(courses, learner(), analyst(entry_level=5), limits=EXACT)
    assert answer.routes == []
    assert "level 5" in answer.reason


def test_a_learner_who_already_holds_everything_gets_no_route_and_is_told_so():
    starting = learner(level=4, skills={"sql", "statistics", "python"})
    answer = find_routes([course(1, 3, {"sql"})], starting, analyst(), limits=EXACT)
    assert answer.routes == []
    assert "already" in answer.reason


def test_independent_steps_run_together_only_within_the_learners_weekly_hours():
    courses = [
        course(1, 3, {"sql", "statistics"}, starts=(JAN,), hours_per_week=6.0),
        course(2, 3, {"python"}, starts=(JAN,), hours_per_week=6.0, duration_weeks=10),
    ]
    together = find_routes(courses, learner(hours_per_week=16.0), analyst(), limits=EXACT)
    apart = find_routes(courses, learner(hours_per_week=10.0), analyst(), limits=EXACT)
    assert {s.start for s in together.routes[0].steps} == {JAN}
    assert together.routes[0].totals.hours_per_week == 12.0
    starts = sorted(s.start for s in apart.routes[0].steps)
    assert starts[0] == JAN
    assert starts[1] > JAN
    assert apart.routes[0].totals.months > together.routes[0].totals.months


def test_a_step_after_the_last_listed_intake_takes_the_same_intake_a_year_later():
    first = course(1, 3, {"statistics"}, starts=(JAN,), duration_weeks=40)
    second = course(2, 4, {"sql", "python"}, starts=(date(2027, 9, 6),))
    placed = (Placed(first, JAN, end_of(first, JAN), 0, 0, ""),)
    assert schedule(placed, second, learner()) == date(2028, 9, 6)


def test_a_route_from_academic_to_technical_study_says_where_it_switches():
    access = course(
        1,
        3,
        {"statistics"},
        title="Access to HE Diploma (Computing)",
        qualification_type="Access to HE",
        route_kind="academic",
        duration_weeks=36,
    )
    htq = course(
        2,
        4,
        {"sql", "python"},
        title="HNC Data Analytics (HTQ)",
        qualification_type="HTQ",
        route_kind="technical",
    )
    answer = find_routes([access, htq], learner(), analyst(), limits=EXACT)
    route = answer.routes[0]
    assert route.course_ids == (1, 2)
    assert len(route.switches) == 1
    switch = route.switches[0]
    assert (switch.from_kind, switch.to_kind, switch.after_step) == ("academic", "technical", 1)
    assert "Access to HE" in switch.description
    assert "HTQ" in switch.description


def test_funding_follows_the_learner_along_the_route():
    """An adult without a level 3 gets their first full level 3 free, pays for a second one,
    and borrows for level 4."""
    first = course(
        1, 3, {"statistics"}, funding="fee", cost_pence=250_000, starts=(JAN,), duration_weeks=30
    )
    second = course(
        2, 3, {"sql"}, funding="fee", cost_pence=180_000, starts=(SEPT,), duration_weeks=30
    )
    higher = course(
        3, 4, {"python"}, funding="fee", cost_pence=600_000, starts=(SEPT,), duration_weeks=30
    )
    answer = find_routes([first, second, higher], learner(level=2), analyst(), limits=EXACT)
    route = answer.routes[0]
    paid = {s.course.course_id: (s.pays_pence, s.loan_pence) for s in route.steps}
    assert paid[1] == (0, 0)
    assert paid[2] == (180_000, 0)
    assert paid[3] == (0, 600_000)
    assert route.totals.cost_pence == 180_000
    assert route.totals.loan_pence == 600_000


def test_routes_over_the_learners_budget_are_not_answered():
    dear = course(
        1,
        3,
        {"sql", "statistics", "python"},
        funding="fee",
        cost_pence=90_000,
        qualification_type="Short course",
    )
    answer = find_routes([dear], learner(level=3, budget_pence=50_000), analyst(), limits=EXACT)
    assert answer.routes == []
    assert "budget" in answer.reason


def test_a_longer_route_containing_a_better_one_is_not_offered_as_an_alternative():
    courses = [
        course(1, 3, {"sql", "statistics", "python"}),
        course(2, 3, {"sql"}, cost_pence=1000, funding="fee", qualification_type="Short course"),
        course(3, 3, {"sql", "statistics"}),
        course(4, 3, {"python"}, duration_weeks=40),
    ]
    answer = find_routes(courses, learner(level=3), analyst(), limits=EXACT)
    routes = [set(route) for route in ids(answer)]
    assert routes[0] == {1}
    assert all(not ({1} < other) for other in routes[1:])


def settled(step: Placed, route: tuple[Placed, ...], starting: Starting) -> Placed:
    """`step` paid for with the level held when it starts: the learner's, raised by every
    qualifying step of `route` that has ended by then."""
    level = starting.progress.level
    for p in route:
        if p.end <= step.start and p.course.qualifying:
            level = p.course.rqf_level if level is None else max(level, p.course.rqf_level)
    c = step.course
    paid = funding_for(
        c.rqf_level, c.cost_pence, c.funding, starting.age_band, level,
        full_qualification=c.qualifying,
    )  # fmt: skip
    return replace(step, pays_pence=paid.pays_pence, loan_pence=paid.loan_pence)


def brute_force_best(courses, starting, target, weights, max_steps) -> float | None:
    """The best score over every ordered choice of courses, placed as the search places them."""
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
                if target.entry_level is not None and (progress.level or -1) < target.entry_level:
                    continue
                if not all(target.covered(progress.skills)):
                    continue
                ordered = sorted(placed, key=lambda p: (p.start, p.end, p.course.course_id))
                sums = totals(ordered, starting, target)
                score = components(sums, [p.course for p in ordered], target, weights).total(
                    weights
                )
                best = score if best is None else max(best, score)
    return best


@pytest.mark.parametrize("seed", range(60))
def test_the_search_finds_the_brute_force_best_on_small_random_catalogues(seed):
    rng = random.Random(seed)
    labels = ["sql", "statistics", "python"]
    courses = [
        course(
            i,
            rng.choice([2, 3, 3, 4]),
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
    starting = learner(level=2)
    target = analyst(entry_level=rng.choice([None, 3]))
    weights = RouteWeights()
    answer = find_routes(courses, starting, target, weights, replace(EXACT, max_steps=3))
    expected = brute_force_best(courses, starting, target, weights, 3)
    if expected is None:
        assert answer.routes == []
    else:
        assert answer.routes[0].score == pytest.approx(expected, abs=1e-6)
