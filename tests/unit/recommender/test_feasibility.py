"""The hard filters: every rule at its boundaries, the reasons they give, and the vector form
agreeing with the one-course form course by course."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from services.recommender.feasibility import (
    CourseFacts,
    CourseTable,
    FilterParts,
    LearnerLimits,
    check_course,
    cost_to_learner,
    feasible,
    haversine_km,
)
from services.recommender.funding import funding_for

TODAY = date(2027, 1, 4)
PRESTON = (53.754842, -2.708077)  # PR1 centroid
BURNLEY = (53.77265, -2.267867)  # BB11 centroid, about 29 km east of Preston
LANCASTER = (54.0466, -2.8007)

#: A course anyone at level 2 near Preston could take.
COURSE = CourseFacts(
    course_id=1,
    provider_id=10,
    rqf_level=3,
    delivery_mode="classroom",
    latitude=PRESTON[0],
    longitude=PRESTON[1],
    start_dates=(date(2027, 2, 1),),
    hours_per_week=10,
    cost_pence=0,
    funding="fully-funded",
)
#: The learner of `new_learner()` in the integration tests, as the filters see them.
LEARNER = LearnerLimits(
    rqf_level=2,
    age_band="24+",
    centroid=PRESTON,
    max_travel_km=20,
    delivery_modes=frozenset({"classroom", "blended"}),
    hours_per_week=10,
    earliest_start=date(2027, 1, 4),
    budget_pence=0,
)


def verdict(learner: LearnerLimits = LEARNER, horizon_days: int = 365, **course):
    return check_course(learner, replace(COURSE, **course), TODAY, horizon_days)


def test_a_course_meeting_every_constraint_is_eligible_with_its_facts():
    result = verdict()

    assert result.eligible
    assert result.reasons == []
    assert result.distance_km == pytest.approx(0.0)
    assert result.cost_to_learner_pence == 0
    assert result.next_start == date(2027, 2, 1)


# --- published ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["withdrawn", "unpublished", "draft"])
def test_only_published_courses_are_eligible(status):
    result = verdict(status=status)

    assert not result.eligible
    assert result.reasons == [f"it is not open to learners ({status})"]


def test_a_published_course_whose_facts_have_not_arrived_is_not_eligible():
    result = verdict(fetched=False)

    assert not result.eligible
    assert result.reasons == ["its details have not arrived from the catalogue"]


def test_a_course_the_learner_completed_or_turned_down_is_never_eligible():
    result = check_course(replace(LEARNER, excluded_course_ids=frozenset({1})), COURSE, TODAY)

    assert not result.eligible
    assert result.reasons == ["you have completed it or said it is not for you"]


# --- start window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "eligible"),
    [
        (TODAY - timedelta(days=1), False),  # already started
        (TODAY, True),  # the first day of the window
        (TODAY + timedelta(days=365), True),  # the last day of a 365-day horizon
        (TODAY + timedelta(days=366), False),
    ],
)
def test_a_course_must_start_within_the_window_from_today(start, eligible):
    learner = replace(LEARNER, earliest_start=None)

    assert verdict(learner, start_dates=(start,)).eligible is eligible


@pytest.mark.parametrize(
    ("start", "eligible"),
    [(date(2027, 5, 31), False), (date(2027, 6, 1), True), (date(2028, 5, 31), True)],
)
def test_the_window_opens_at_the_learners_earliest_start_when_that_is_later(start, eligible):
    learner = replace(LEARNER, earliest_start=date(2027, 6, 1))

    assert verdict(learner, start_dates=(start,)).eligible is eligible


def test_an_earliest_start_already_past_counts_from_today():
    learner = replace(LEARNER, earliest_start=date(2026, 1, 1))

    assert not verdict(learner, start_dates=(date(2026, 6, 1),)).eligible
    assert verdict(learner, start_dates=(date(2026, 6, 1), TODAY)).eligible


def test_one_start_date_in_the_window_is_enough_and_is_the_next_start():
    result = verdict(start_dates=(date(2026, 9, 1), date(2027, 9, 6), date(2028, 9, 4)))

    assert result.eligible
    assert result.next_start == date(2027, 9, 6)


def test_the_horizon_is_configurable():
    assert not verdict(horizon_days=20, start_dates=(date(2027, 2, 1),)).eligible
    assert verdict(horizon_days=28, start_dates=(date(2027, 2, 1),)).eligible


def test_a_course_without_start_dates_is_roll_on_roll_off_and_passes():
    result = verdict(start_dates=())

    assert result.eligible
    assert result.next_start is None


def test_the_start_reason_names_the_window():
    result = verdict(start_dates=(date(2029, 1, 1),))

    assert result.reasons == ["it does not start between 4 January 2027 and 4 January 2028"]


# --- travel ------------------------------------------------------------------------------------


def test_haversine_matches_a_known_distance():
    assert haversine_km(PRESTON, *BURNLEY) == pytest.approx(29.1, abs=0.1)
    assert haversine_km(PRESTON, *PRESTON) == 0.0


def test_a_campus_beyond_the_learners_maximum_travel_is_not_eligible():
    result = verdict(latitude=BURNLEY[0], longitude=BURNLEY[1])

    assert not result.eligible
    assert result.distance_km == pytest.approx(29.1, abs=0.1)
    assert result.reasons == ["it is 29 km away, more than the 20 km you can travel"]


def test_the_maximum_travel_distance_is_inclusive():
    distance = haversine_km(PRESTON, *BURNLEY)

    assert verdict(replace(LEARNER, max_travel_km=distance), latitude=BURNLEY[0],
                   longitude=BURNLEY[1]).eligible  # fmt: skip
    assert not verdict(replace(LEARNER, max_travel_km=distance - 0.01), latitude=BURNLEY[0],
                       longitude=BURNLEY[1]).eligible  # fmt: skip


@pytest.mark.parametrize(
    "open_anywhere",
    [
        {"national": True},
        {"delivery_mode": "online"},
        {"delivery_mode": "workplace", "latitude": None, "longitude": None},
    ],
)
def test_national_online_and_workplace_courses_pass_any_distance(open_anywhere):
    learner = replace(LEARNER, delivery_modes=frozenset())
    result = verdict(
        learner, **{"latitude": LANCASTER[0], "longitude": LANCASTER[1]} | open_anywhere
    )

    assert result.eligible
    assert result.distance_km is None


def test_a_workplace_course_with_a_campus_is_measured():
    learner = replace(LEARNER, delivery_modes=frozenset())

    assert not verdict(learner, delivery_mode="workplace", latitude=LANCASTER[0],
                       longitude=LANCASTER[1]).eligible  # fmt: skip


def test_without_a_known_place_only_courses_open_anywhere_pass():
    learner = replace(LEARNER, centroid=None, delivery_modes=frozenset())

    near = verdict(learner)
    online = verdict(learner, delivery_mode="online")

    assert not near.eligible
    assert near.reasons == ["we do not know where you are, and it is not online"]
    assert online.eligible


def test_without_a_maximum_travel_distance_any_campus_passes_and_is_still_measured():
    result = verdict(replace(LEARNER, max_travel_km=None), latitude=LANCASTER[0],
                     longitude=LANCASTER[1])  # fmt: skip

    assert result.eligible
    assert result.distance_km == pytest.approx(haversine_km(PRESTON, *LANCASTER))


def test_a_campus_course_without_a_location_cannot_prove_it_is_near():
    result = verdict(latitude=None, longitude=None)

    assert result.reasons == ["the catalogue does not say where it is taught"]


# --- delivery mode -----------------------------------------------------------------------------


def test_the_delivery_mode_must_be_one_the_learner_chose():
    result = verdict(delivery_mode="online")

    assert not result.eligible
    assert result.reasons == ["it is taught online; you chose blended or classroom"]


def test_a_learner_who_named_no_modes_takes_any():
    assert verdict(replace(LEARNER, delivery_modes=frozenset()), delivery_mode="blended").eligible


# --- level -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "eligible"), [(0, True), (1, True), (2, True), (3, True),
                                                 (4, False), (6, False)])  # fmt: skip
def test_a_course_may_be_at_most_one_level_above_the_learners(level, eligible):
    assert verdict(rqf_level=level).eligible is eligible


def test_entry_level_courses_are_open_to_learners_at_entry_level():
    learner = replace(LEARNER, rqf_level=0)

    assert verdict(learner, rqf_level=0).eligible
    assert verdict(learner, rqf_level=1).eligible
    assert not verdict(learner, rqf_level=2).eligible


def test_the_level_reason_says_how_far_above():
    assert verdict(rqf_level=6).reasons == [
        "it is at level 6, more than one level above your level 2"
    ]


def test_a_stated_minimum_entry_level_must_be_held():
    result = verdict(rqf_level=3, min_level=3)

    assert not result.eligible
    assert result.reasons == ["it needs level 3 first, and you have level 2"]
    assert verdict(rqf_level=3, min_level=2).eligible


def test_a_learner_whose_level_is_unknown_is_not_filtered_by_level():
    assert verdict(replace(LEARNER, rqf_level=None), rqf_level=7, min_level=6).eligible


def test_the_learners_level_is_the_highest_of_their_level_and_qualifications():
    limits = LearnerLimits.from_attributes(
        {"rqf_level": 2, "qualifications": [{"type": "A level", "rqf_level": 3}]}
    )

    assert limits.rqf_level == 3


# --- cost after funding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("funding", "age_band", "level", "pays"),
    [
        ("fully-funded", "24+", 3, 0),
        ("employer-funded", "24+", 5, 0),
        ("free-16-19", "16-18", 3, 0),
        ("free-16-19", "19-23", 3, 250_000),
        ("loan-eligible", "19-23", 3, 0),
        ("loan-eligible", "24+", 4, 0),
        ("loan-eligible", "24+", 2, 250_000),  # loans start at level 3
        ("loan-eligible", "16-18", 3, 250_000),  # and at 19
        ("loan-eligible", None, 3, 250_000),
        ("fee", "24+", 3, 250_000),
        (None, "24+", 3, 250_000),
    ],
)
def test_the_cost_to_the_learner_follows_the_funding_they_are_eligible_for(
    funding, age_band, level, pays
):
    course = replace(COURSE, funding=funding, rqf_level=level, cost_pence=250_000)

    assert cost_to_learner(course, age_band) == pays


@pytest.mark.parametrize(
    ("funding", "age_band", "level", "learner_level", "pays"),
    [
        ("fee", "24+", 3, 2, 0),  # a first full level 3
        ("fee", "19-23", 3, 0, 0),
        ("fee", "24+", 3, 3, 250_000),  # a second level 3 is not free
        ("fee", "24+", 3, None, 250_000),  # nor one we cannot show is the first
        ("fee", "19-23", 2, 1, 0),  # a first full level 2, at 19-23
        ("fee", "24+", 2, 1, 250_000),
        ("fee", "19-23", 4, 3, 0),  # a tuition fee loan from level 4
        ("fee", "16-18", 4, 3, 250_000),
        ("free-16-19", "24+", 3, 2, 250_000),  # entitlements are on fee courses
    ],
)
def test_the_cost_to_the_learner_follows_their_level_too(
    funding, age_band, level, learner_level, pays
):
    course = replace(COURSE, funding=funding, rqf_level=level, cost_pence=250_000)

    assert cost_to_learner(course, age_band, learner_level) == pays


@pytest.mark.parametrize(("budget", "eligible"), [(249_999, False), (250_000, True), (None, True)])
def test_what_the_learner_pays_must_be_within_their_budget(budget, eligible):
    learner = replace(LEARNER, budget_pence=budget)

    assert verdict(learner, funding="fee", rqf_level=2, cost_pence=250_000).eligible is eligible


def test_a_first_full_level_3_is_within_any_budget_and_a_second_is_not():
    first = verdict(funding="fee", cost_pence=250_000, rqf_level=3)
    second = verdict(replace(LEARNER, rqf_level=3), funding="fee", cost_pence=250_000, rqf_level=3)

    assert first.eligible
    assert first.cost_to_learner_pence == 0
    assert second.reasons == ["it costs you £2,500.00, more than your budget of £0.00"]


def test_a_fee_course_at_level_4_costs_an_adult_nothing_up_front():
    result = verdict(replace(LEARNER, rqf_level=3), funding="fee", cost_pence=925_000, rqf_level=4)

    assert result.eligible
    assert result.cost_to_learner_pence == 0


def test_the_budget_reason_names_both_amounts_in_pounds():
    result = verdict(replace(LEARNER, budget_pence=50_000), funding="fee", rqf_level=2,
                     cost_pence=120_000)  # fmt: skip

    assert result.reasons == ["it costs you £1,200.00, more than your budget of £500.00"]
    assert result.cost_to_learner_pence == 120_000


def test_a_loan_eligible_course_costs_an_adult_nothing_up_front():
    result = verdict(funding="loan-eligible", cost_pence=400_000, rqf_level=3)

    assert result.eligible
    assert result.cost_to_learner_pence == 0


# --- hours -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "eligible"), [(10, True), (10.5, False), (None, True)])
def test_weekly_hours_must_fit_the_learners(hours, eligible):
    assert verdict(hours_per_week=hours).eligible is eligible


def test_a_learner_who_gave_no_hours_is_not_filtered_by_hours():
    assert verdict(replace(LEARNER, hours_per_week=None), hours_per_week=37.5).eligible


# --- several reasons, and the learner's event attributes -----------------------------------------


def test_every_failed_rule_gives_its_reason():
    result = verdict(rqf_level=5, delivery_mode="online", funding="free-16-19", cost_pence=100,
                     hours_per_week=20)  # fmt: skip

    assert not result.eligible
    assert len(result.reasons) == 4


def test_limits_come_from_the_attributes_learner_events_carry():
    attributes = {
        "rqf_level": 2,
        "age_band": "24+",
        "postcode_district": "PR1",
        "qualifications": [],
        "constraints": {"max_travel_km": 20, "delivery_modes": ["classroom", "blended"],
                        "hours_per_week": 10, "earliest_start": "2027-01-04",
                        "budget_pence": 0},
    }  # fmt: skip

    limits = LearnerLimits.from_attributes(attributes, PRESTON, excluded_course_ids=[7, 8])

    assert limits == replace(LEARNER, excluded_course_ids=frozenset({7, 8}))


def test_a_learner_with_no_constraints_is_filtered_only_by_status_window_and_exclusions():
    limits = LearnerLimits.from_attributes({})

    assert check_course(limits, replace(COURSE, rqf_level=8, cost_pence=10**7,
                                        funding="fee"), TODAY).eligible  # fmt: skip


def test_course_facts_come_from_a_read_model_row():
    row = SimpleNamespace(
        course_id=5, provider_id=9, status="published", rqf_level=4,
        entry_requirements={"min_level": 3, "skills": [], "qualifications": []},
        delivery_mode="blended", national=False, latitude=1.5, longitude=-2.5,
        start_dates=["2027-09-06", "2027-01-11"], hours_per_week=6.5, cost_pence=900,
        funding="fee", fetched_at=None,
    )  # fmt: skip

    facts = CourseFacts.from_view(row)

    assert facts.start_dates == (date(2027, 1, 11), date(2027, 9, 6))
    assert (facts.min_level, facts.fetched, facts.located) == (3, False, True)


# --- many courses at once ----------------------------------------------------------------------


def random_course(rng: random.Random, course_id: int) -> CourseFacts:
    located = rng.random() < 0.8
    return CourseFacts(
        course_id=course_id,
        provider_id=rng.randint(1, 5),
        status=rng.choice(["published"] * 8 + ["withdrawn", "unpublished"]),
        rqf_level=rng.choice([None, 0, 1, 2, 3, 4, 5, 6]),
        min_level=rng.choice([None, None, 1, 2, 3]),
        delivery_mode=rng.choice(["classroom", "online", "blended", "workplace", None]),
        national=rng.random() < 0.1,
        latitude=PRESTON[0] + rng.uniform(-0.5, 0.5) if located else None,
        longitude=PRESTON[1] + rng.uniform(-0.5, 0.5) if located else None,
        start_dates=tuple(
            sorted(TODAY + timedelta(days=rng.randint(-100, 500)) for _ in range(rng.randint(0, 4)))
        ),
        hours_per_week=rng.choice([None, 2.5, 6, 10, 16, 30]),
        cost_pence=rng.choice([None, 0, 50_000, 250_000]),
        funding=rng.choice(
            ["fee", "fully-funded", "employer-funded", "free-16-19", "loan-eligible", None]
        ),
        fetched=rng.random() < 0.95,
    )


def random_learner(rng: random.Random) -> LearnerLimits:
    return LearnerLimits(
        rqf_level=rng.choice([None, 0, 1, 2, 3, 4]),
        age_band=rng.choice([None, "16-18", "19-23", "24+"]),
        centroid=rng.choice([None, PRESTON, BURNLEY]),
        max_travel_km=rng.choice([None, 5, 20, 40]),
        delivery_modes=frozenset(
            rng.sample(["classroom", "online", "blended", "workplace"], rng.randint(0, 3))
        ),
        hours_per_week=rng.choice([None, 6, 10, 20]),
        earliest_start=rng.choice([None, TODAY + timedelta(days=60), TODAY - timedelta(days=9)]),
        budget_pence=rng.choice([None, 0, 100_000]),
        excluded_course_ids=frozenset(rng.sample(range(1, 301), 10)),
    )


def funding_that_decides(learner: LearnerLimits, course: CourseFacts) -> str | None:
    """The funding rule applied, when it decides the budget filter (the fee alone is over it)."""
    if learner.budget_pence is None or (course.cost_pence or 0) <= learner.budget_pence:
        return None
    return funding_for(
        course.rqf_level, course.cost_pence, course.funding, learner.age_band, learner.rqf_level
    ).kind


def test_the_vector_filter_agrees_with_the_one_course_check_for_every_course():
    rng = random.Random(20270104)
    courses = [random_course(rng, course_id) for course_id in range(1, 301)]
    table = CourseTable.from_courses(courses)
    deciding_rules = set()

    for _ in range(60):
        learner = random_learner(rng)
        answer = feasible(table, learner, TODAY, horizon_days=200)
        for row, course in enumerate(courses):
            one = check_course(learner, course, TODAY, horizon_days=200)
            deciding_rules.add(funding_that_decides(learner, course))
            assert bool(answer.mask[row]) is one.eligible, (learner, course, one.reasons)
            if one.eligible:
                assert answer.cost_to_learner_pence[row] == one.cost_to_learner_pence
                if one.distance_km is None:
                    assert np.isnan(answer.distance_km[row])
                else:
                    assert answer.distance_km[row] == pytest.approx(one.distance_km)

    # every funding rule decided some course's budget check, so both forms agree on each
    assert deciding_rules - {None} == {
        "fully-funded", "employer-funded", "free-16-19", "first-full-level-2",
        "first-full-level-3", "advanced-learner-loan", "tuition-fee-loan", "fee",
    }  # fmt: skip


def test_kept_filter_parts_give_the_same_answers_as_parts_computed_per_call():
    """A serving process keeps one `FilterParts` per course index for every request (and
    drops the least recently used past its limit): answers must not depend on what it holds."""
    rng = random.Random(20270105)
    courses = [random_course(rng, course_id) for course_id in range(1, 201)]
    table = CourseTable.from_courses(courses)
    kept = FilterParts(table, limit=3)

    for _ in range(40):
        learner = random_learner(rng)
        today = TODAY + timedelta(days=rng.randint(0, 3))
        fresh = feasible(table, learner, today, horizon_days=200)
        shared = feasible(table, learner, today, horizon_days=200, parts=kept)
        assert shared.mask.tolist() == fresh.mask.tolist()
        assert shared.cost_to_learner_pence.tolist() == fresh.cost_to_learner_pence.tolist()
        np.testing.assert_array_equal(shared.distance_km, fresh.distance_km)
        assert len(kept) <= 3


def test_kept_filter_parts_drop_the_least_recently_used_first():
    table = CourseTable.from_courses([COURSE])
    parts = FilterParts(table, limit=2)
    preston = parts.distances(PRESTON)
    parts.distances(BURNLEY)
    assert parts.distances(PRESTON) is preston  # kept, and now the most recent
    parts.distances(LANCASTER)  # drops Burnley's, the least recently used

    assert len(parts) == 2
    assert parts.distances(PRESTON) is preston
    assert parts.distances(BURNLEY) is not None  # computed again
    assert not parts.distances(LANCASTER).flags.writeable  # shared: read-only


def test_the_vector_filter_answers_arrays_aligned_with_the_table():
    courses = [COURSE, replace(COURSE, course_id=2, rqf_level=6), replace(COURSE, course_id=3)]
    table = CourseTable.from_courses(courses)

    answer = feasible(table, replace(LEARNER, excluded_course_ids=frozenset({3})), TODAY)

    assert answer.mask.shape == answer.distance_km.shape == (3,)
    assert answer.cost_to_learner_pence.shape == (3,)
    assert answer.course_ids.tolist() == [1]
    assert answer.mask.dtype == bool
    assert table.starts.shape == (3, 1)


def test_an_empty_table_filters_to_nothing():
    answer = feasible(CourseTable.from_courses([]), LEARNER, TODAY)

    assert answer.course_ids.tolist() == []


def test_the_rows_holding_some_course_ids_are_what_isin_finds_in_any_table_order():
    rng = random.Random(20261129)
    ids = rng.sample(range(1, 2**31 - 1), 400)  # not sorted, as a table may hold them
    table = CourseTable.from_courses([replace(COURSE, course_id=i) for i in ids])
    for _ in range(50):
        wanted = [*rng.sample(ids, rng.randint(0, 12)), rng.randint(1, 2**31 - 1)]  # + unknown
        assert np.array_equal(table.holding(wanted), np.isin(table.ids, wanted))
    assert not table.holding([]).any()
