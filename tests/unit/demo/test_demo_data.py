"""The seeded demo data set: deterministic, internally consistent and realistic in shape.

The realism checks are what the recommender's demo depends on: a heavy-tailed popularity curve,
attention concentrated in each learner's goal sectors and a narrowing funnel from views to
completions. The expectations here are written out independently of the generator's own tables.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from shared.demo import (
    DEFAULT_REFERENCE,
    NO_OCCUPATION,
    OCCUPATION_SECTORS,
    OCCUPATIONS,
    SECTORS,
    DemoDataSet,
    generate,
    goal_sectors,
)
from shared.demo.places import DISTRICTS

EXPECTED_LEVELS = {
    "A level": {3},
    "T Level": {3},
    "Access to HE": {3},
    "HTQ": {4, 5},
    "Foundation degree": {5},
    "Bachelor's degree": {6},
    "Apprenticeship": {2, 3, 4, 5, 6},
    "Skills Bootcamp": {3, 4, 5},
    "Short course": {1, 2, 3},
    "BTEC": {2, 3},
}
EXPECTED_ROUTES = {
    "A level": "academic",
    "Access to HE": "academic",
    "Bachelor's degree": "academic",
    "T Level": "technical",
    "BTEC": "technical",
    "HTQ": "technical",
    "Apprenticeship": "technical",
    "Skills Bootcamp": "technical",
    "Foundation degree": "both",
    "Short course": "both",
}
FUNNEL = ("viewed", "saved", "applied", "enrolled", "completed")


@pytest.fixture(scope="module")
def demo() -> DemoDataSet:
    return generate()


def interaction_counts_by_course(data: DemoDataSet) -> np.ndarray:
    counts = Counter(i.course_key for i in data.interactions)
    return np.array(sorted((counts.get(c.key, 0) for c in data.courses), reverse=True))


def gini(values: np.ndarray) -> float:
    x = np.sort(values).astype(float)
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


# Determinism


def test_same_seed_gives_an_equal_data_set():
    first = generate(seed=11, learners=200, courses=60)
    second = generate(seed=11, learners=200, courses=60)

    assert first == second


def test_different_seeds_give_different_data_sets():
    first = generate(seed=11, learners=200, courses=60)
    second = generate(seed=12, learners=200, courses=60)

    assert first.courses != second.courses
    assert first.learners != second.learners
    assert first.interactions != second.interactions


def test_more_learners_leave_the_catalogue_unchanged():
    assert generate(learners=50).courses == generate(learners=80).courses


def test_history_ends_at_the_reference_not_the_clock():
    reference = datetime(2025, 3, 1, tzinfo=UTC)

    data = generate(seed=3, learners=100, courses=40, reference=reference)

    assert max(i.occurred_at for i in data.interactions) < reference


def test_a_reference_in_another_zone_is_converted_to_utc():
    reference = datetime(2026, 11, 1, 1, tzinfo=timezone(timedelta(hours=1)))

    assert generate(learners=30, courses=20, reference=reference) == generate(
        learners=30, courses=20
    )


def test_a_naive_reference_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(reference=datetime(2026, 11, 1))


def test_tiny_data_sets_still_generate_consistently():
    data = generate(learners=12, courses=5)

    assert len(data.learners) == 12
    assert len(data.courses) == 5
    assert sum(len(a.learner_keys) for a in data.advisers) <= 12


# The default data set


def test_default_data_set_has_the_requested_size(demo):
    per_learner = len(demo.interactions) / len(demo.learners)

    assert len(demo.courses) == 240
    assert len(demo.learners) == 1500
    assert len(demo.providers) >= 12
    assert len(demo.advisers) == 6
    assert 8 <= per_learner <= 15


def test_keys_are_unique(demo):
    for records in (demo.providers, demo.courses, demo.learners, demo.advisers):
        keys = [r.key for r in records]
        assert len(keys) == len(set(keys))
    assert len({p.ukprn for p in demo.providers}) == len(demo.providers)


def test_course_keys_are_scoped_by_their_provider(demo):
    for course in demo.courses:
        assert re.fullmatch(rf"{course.provider_key}-\d{{4}}", course.key)


def test_providers_are_typed_and_carry_invented_eight_digit_ukprns(demo):
    kinds = Counter(p.kind for p in demo.providers)

    assert set(kinds) == {"fe-college", "university", "itp", "employer-academy"}
    assert all(re.fullmatch(r"1000\d{4}", p.ukprn) for p in demo.providers)
    assert {
        "Blackburn College",
        "University of Central Lancashire",
        "Lancaster University",
        "Myerscough College",
    } <= {p.name for p in demo.providers}


def test_every_course_belongs_to_a_provider_and_one_of_its_campuses(demo):
    campuses = {p.key: {c.name for c in p.campuses} for p in demo.providers}

    for course in demo.courses:
        assert course.provider_key in campuses
        if course.delivery_mode == "online":
            assert course.campus_name is None
        else:
            assert course.campus_name in campuses[course.provider_key]


def test_campuses_lie_in_and_around_lancashire(demo):
    for campus in (c for p in demo.providers for c in p.campuses):
        assert 53.5 < campus.latitude < 54.2
        assert -3.1 < campus.longitude < -2.1
        assert re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", campus.postcode)


def test_rqf_level_and_route_are_consistent_with_the_qualification_type(demo):
    for course in demo.courses:
        assert course.rqf_level in EXPECTED_LEVELS[course.qualification_type], course.title
        assert course.route_kind == EXPECTED_ROUTES[course.qualification_type], course.title


def test_catalogue_spans_the_sectors_and_qualification_types(demo):
    assert {c.sector for c in demo.courses} == set(SECTORS)
    assert {c.qualification_type for c in demo.courses} == set(EXPECTED_LEVELS)


def test_course_skills_and_occupations_are_labelled_from_the_taxonomy(demo):
    for course in demo.courses:
        assert course.skills
        assert all(skill == skill.lower() for skill in course.skills)
        assert course.occupations
        assert all(code in OCCUPATIONS for code in course.occupations)


def test_cost_agrees_with_funding(demo):
    for course in demo.courses:
        if course.funding in ("free-16-19", "fully-funded", "employer-funded"):
            assert course.cost_pence == 0, course.title
        else:
            assert course.cost_pence > 0, course.title
        if course.qualification_type == "Skills Bootcamp":
            assert course.funding == "fully-funded"
        if course.qualification_type in ("HTQ", "Foundation degree", "Bachelor's degree"):
            assert course.funding == "student-loan"


def test_university_degrees_charge_the_fee_cap_for_three_years(demo):
    universities = {p.key for p in demo.providers if p.kind == "university"}
    degrees = [
        c
        for c in demo.courses
        if c.provider_key in universities and c.qualification_type == "Bachelor's degree"
    ]

    assert degrees
    assert {c.cost_pence for c in degrees} == {3 * 953_500}


# Learners and advisers


def test_every_email_address_is_at_the_reserved_example_domain(demo):
    emails = [p.email for p in (*demo.learners, *demo.advisers)]

    assert all(e.endswith("@example.org") for e in emails)
    assert len(emails) == len(set(emails))


def test_learners_live_in_lancashire_districts_weighted_to_the_big_towns(demo):
    towns = {d.code: d.town for d in DISTRICTS}
    homes = Counter(towns[learner.postcode.split()[0]] for learner in demo.learners)
    big = sum(homes[t] for t in ("Preston", "Blackburn", "Blackpool", "Burnley", "Lancaster"))

    assert all(re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", ln.postcode) for ln in demo.learners)
    assert big / len(demo.learners) > 0.5


def test_learner_levels_are_skewed_to_levels_two_and_three(demo):
    levels = Counter(learner.rqf_level for learner in demo.learners)

    assert (levels[2] + levels[3]) / len(demo.learners) > 0.65
    assert levels[2] > levels[4] + levels[5] + levels[6]


def test_learner_goals_are_occupations_that_follow_from_their_current_job(demo):
    by_job: dict[str, Counter] = {}
    for learner in demo.learners:
        assert learner.goals
        assert learner.occupation_code not in learner.goals
        assert all(goal in OCCUPATION_SECTORS for goal in learner.goals)
        assert learner.occupation_code == NO_OCCUPATION or learner.occupation_code in OCCUPATIONS
        by_job.setdefault(learner.occupation_code, Counter())[goal_sectors(learner)[0]] += 1

    care = by_job["6135"]
    operatives = by_job["8139"]
    assert care["Health and science"] / care.total() > 0.8
    assert operatives["Engineering and manufacturing"] == operatives.total()
    assert len(by_job[NO_OCCUPATION]) >= 6  # school-leavers aim everywhere


def test_learner_preferences_use_the_known_vocabularies(demo):
    for learner in demo.learners:
        assert learner.route_preference in ("academic", "technical", "either")
        assert learner.digest_frequency in ("weekly", "monthly", "instant", "never")
        assert learner.max_travel_km > 0
        assert learner.hours_per_week > 0


def test_advisers_hold_caseloads_of_20_to_40_learners_each_on_one_caseload_only(demo):
    learner_keys = {learner.key for learner in demo.learners}
    held = [key for adviser in demo.advisers for key in adviser.learner_keys]

    assert all(20 <= len(a.learner_keys) <= 40 for a in demo.advisers)
    assert set(held) <= learner_keys
    assert len(held) == len(set(held))


# Interactions


def test_interactions_refer_to_existing_learners_and_courses(demo):
    learners = {learner.key for learner in demo.learners}
    courses = {course.key for course in demo.courses}

    assert all(i.learner_key in learners and i.course_key in courses for i in demo.interactions)


def test_interactions_are_in_time_order_within_18_months_before_the_reference(demo):
    times = [i.occurred_at for i in demo.interactions]

    assert times == sorted(times)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert min(times) >= DEFAULT_REFERENCE - timedelta(days=549)
    assert max(times) < DEFAULT_REFERENCE


def test_course_popularity_is_heavy_tailed(demo):
    counts = interaction_counts_by_course(demo)
    top_decile = counts[: len(counts) // 10].sum() / counts.sum()

    assert top_decile > 0.35
    assert gini(counts) > 0.45


def test_interactions_per_learner_have_a_heavy_tail(demo):
    per_learner = Counter(i.learner_key for i in demo.interactions)
    counts = np.array([per_learner[learner.key] for learner in demo.learners])

    assert counts.max() > 5 * np.median(counts)
    assert np.mean(counts) > np.median(counts)


def test_learners_mostly_interact_with_courses_in_their_goal_sectors(demo):
    sector_of = {c.key: c.sector for c in demo.courses}
    goals = {learner.key: goal_sectors(learner) for learner in demo.learners}
    in_goal = sum(sector_of[i.course_key] in goals[i.learner_key] for i in demo.interactions)

    assert in_goal / len(demo.interactions) > 0.6


def test_learners_mostly_interact_at_or_one_above_their_level(demo):
    level_of = {c.key: c.rqf_level for c in demo.courses}
    learner_level = {learner.key: learner.rqf_level for learner in demo.learners}
    steps = Counter(
        level_of[i.course_key] - learner_level[i.learner_key] for i in demo.interactions
    )

    assert (steps[0] + steps[1]) / steps.total() > 0.6


def test_funnel_narrows_from_views_to_completions(demo):
    kinds = Counter(i.kind for i in demo.interactions)

    assert [kinds[k] for k in FUNNEL] == sorted((kinds[k] for k in FUNNEL), reverse=True)
    assert kinds["viewed"] > 5 * kinds["saved"]
    assert kinds["completed"] > 0
    assert 0 < kinds["dismissed"] + kinds["not-interested"] < kinds["saved"]


def test_each_funnel_step_follows_the_step_before_it(demo):
    first_seen: dict[tuple[str, str, str], datetime] = {}
    for i in demo.interactions:
        first_seen.setdefault((i.learner_key, i.course_key, i.kind), i.occurred_at)

    for (learner, course, kind), at in first_seen.items():
        if kind in ("saved", "applied", "dismissed", "not-interested"):
            assert first_seen[(learner, course, "viewed")] <= at
        if kind == "enrolled":
            assert first_seen[(learner, course, "applied")] <= at
        if kind == "completed":
            assert first_seen[(learner, course, "enrolled")] < at
