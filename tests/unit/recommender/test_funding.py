"""Funding: each rule at its boundaries, the reasons it gives, and the vector form agreeing
with the one-course form on a grid of every case."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from services.recommender.funding import (
    FUNDING_KINDS,
    Funding,
    funding_code,
    funding_for,
    money,
    up_front_costs,
)

FEE = 240_000  # £2,400


def funding(kind="fee", level=3, age_band="24+", learner_level=2, cost=FEE) -> Funding:
    return funding_for(level, cost, kind, age_band, learner_level)


# --- fully funded, employer funded, 16 to 18 -----------------------------------------------------


@pytest.mark.parametrize("age_band", [None, "16-18", "19-23", "24+"])
def test_fully_funded_and_employer_funded_courses_cost_anyone_nothing(age_band):
    fully = funding("fully-funded", age_band=age_band)
    employer = funding("employer-funded", level=5, age_band=age_band)

    assert fully == Funding(0, 0, "fully-funded", "fully funded")
    assert employer == Funding(0, 0, "employer-funded", "paid for by the employer")


def test_a_free_16_19_course_is_free_at_16_to_18_only():
    young = funding("free-16-19", age_band="16-18")
    adult = funding("free-16-19", age_band="19-23", learner_level=1)

    assert young == Funding(0, 0, "free-16-19", "free at 16 to 18")
    assert adult == Funding(FEE, 0, "fee", "£2,400 fee (free only at 16 to 18)")


# --- adult entitlements --------------------------------------------------------------------------


@pytest.mark.parametrize("age_band", ["19-23", "24+"])
@pytest.mark.parametrize("learner_level", [0, 1, 2])
def test_a_fully_funded_level_3_for_an_adult_without_one(age_band, learner_level):
    result = funding(age_band=age_band, learner_level=learner_level)

    assert result == Funding(0, 0, "first-full-level-3", "fully funded: your first full level 3")


@pytest.mark.parametrize("learner_level", [3, 4, 6])
def test_a_second_level_3_is_not_free_once_they_hold_one(learner_level):
    assert funding(learner_level=learner_level) == Funding(FEE, 0, "fee", "£2,400 fee")


def test_a_route_asking_step_by_step_pays_for_the_second_level_3():
    first = funding(learner_level=2)
    second = funding(learner_level=3)  # the level reached after the first step

    assert (first.pays_pence, second.pays_pence) == (0, FEE)


@pytest.mark.parametrize("learner_level", [0, 1])
def test_a_first_full_level_2_is_fully_funded_at_19_to_23(learner_level):
    result = funding(level=2, age_band="19-23", learner_level=learner_level)

    assert result == Funding(0, 0, "first-full-level-2", "fully funded: your first full level 2")


@pytest.mark.parametrize("level", [0, 1])
def test_courses_below_level_2_are_fully_funded_at_19_to_23_without_a_level_2(level):
    result = funding(level=level, age_band="19-23", learner_level=0)

    assert result.pays_pence == 0
    assert result.reason == "fully funded: you are 19 to 23 and hold no level 2 yet"


def test_the_level_2_entitlement_ends_at_24_and_once_they_hold_a_level_2():
    assert funding(level=2, age_band="24+", learner_level=1).pays_pence == FEE
    assert funding(level=2, age_band="19-23", learner_level=2).pays_pence == FEE


def test_there_is_no_entitlement_at_16_to_18_on_a_fee_course():
    assert funding(level=3, age_band="16-18", learner_level=2).pays_pence == FEE
    assert funding(level=2, age_band="16-18", learner_level=1).pays_pence == FEE


@pytest.mark.parametrize(
    ("level", "age_band", "learner_level"),
    [
        (3, None, 2),  # age not known
        (3, "24+", None),  # level held not known
        (2, "19-23", None),
        (None, "19-23", 0),  # course level not known
    ],
)
def test_unknown_age_or_level_earns_no_entitlement(level, age_band, learner_level):
    result = funding(level=level, age_band=age_band, learner_level=learner_level)

    assert result == Funding(FEE, 0, "fee", "£2,400 fee")


def test_entitlements_apply_to_fee_courses_and_to_unknown_kinds_which_count_as_fees():
    assert funding(None).kind == "first-full-level-3"
    assert funding("micro-credential").kind == "first-full-level-3"


# --- loans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("age_band", "level"), [("19-23", 3), ("24+", 3), ("24+", 5)])
def test_an_advanced_learner_loan_pays_for_a_loan_eligible_course_from_level_3_at_19(
    age_band, level
):
    result = funding("loan-eligible", level=level, age_band=age_band, learner_level=4)

    assert result == Funding(0, FEE, "advanced-learner-loan",
                             "an Advanced Learner Loan pays the £2,400 fee")  # fmt: skip


@pytest.mark.parametrize(
    ("level", "age_band"), [(2, "24+"), (3, "16-18"), (3, None), (None, "24+")]
)
def test_no_advanced_learner_loan_below_level_3_under_19_or_when_not_known(level, age_band):
    result = funding("loan-eligible", level=level, age_band=age_band, learner_level=1)

    assert result == Funding(FEE, 0, "fee", "£2,400 fee")


@pytest.mark.parametrize(("level", "learner_level"), [(4, 3), (5, 4), (6, 3), (7, 6), (4, None)])
def test_a_loan_for_level_4_and_above(level, learner_level):
    result = funding(level=level, age_band="19-23", learner_level=learner_level, cost=925_000)

    assert result == Funding(
        0, 925_000, "tuition-fee-loan", "a tuition fee loan (student finance) pays the £9,250 fee"
    )


def test_no_tuition_fee_loan_under_19_or_when_the_age_is_not_known():
    assert funding(level=4, age_band="16-18", learner_level=3).pays_pence == FEE
    assert funding(level=4, age_band=None, learner_level=3).pays_pence == FEE


def test_the_free_level_3_comes_before_a_loan_and_the_loan_once_they_hold_a_level_3():
    assert funding("fee", level=3, learner_level=2).loan_pence == 0
    assert funding("loan-eligible", level=3, learner_level=2).kind == "first-full-level-3"
    assert funding("loan-eligible", level=3, learner_level=3).loan_pence == FEE


def test_a_short_course_is_not_a_first_full_qualification():
    short = funding_for(3, FEE, "fee", "24+", 2, full_qualification=False)
    assert short.pays_pence == FEE
    assert funding_for(2, FEE, "fee", "19-23", 1, full_qualification=False).pays_pence == FEE


# --- fees ----------------------------------------------------------------------------------------


def test_otherwise_the_learner_pays_the_full_fee():
    assert funding(level=2, age_band="24+", learner_level=2, cost=45_000) == Funding(
        45_000, 0, "fee", "£450 fee"
    )


def test_a_course_without_a_fee_costs_nothing_and_needs_no_loan():
    assert funding(level=5, cost=0) == Funding(0, 0, "fee", "no fee")
    assert funding("loan-eligible", level=4, cost=None) == Funding(0, 0, "fee", "no fee stated")


@pytest.mark.parametrize(
    ("pence", "text"), [(45_000, "£450"), (240_000, "£2,400"), (9_950, "£99.50"), (5, "£0.05")]
)
def test_money_reads_as_pounds(pence, text):
    assert money(pence) == text


def test_funding_codes_index_the_funding_kinds_and_unknown_kinds_are_fees():
    assert [funding_code(kind) for kind in FUNDING_KINDS] == list(range(len(FUNDING_KINDS)))
    assert funding_code(None) == funding_code("something new") == funding_code("fee")


# --- many courses at once -------------------------------------------------------------------------

LEVELS = [None, 0, 1, 2, 3, 4, 5, 7]
COSTS = [None, 0, 45_000, FEE]
KINDS = [*FUNDING_KINDS, None, "unknown"]
AGE_BANDS = [None, "16-18", "19-23", "24+"]
LEARNER_LEVELS = [None, 0, 1, 2, 3, 4, 6]


def test_the_vector_form_agrees_with_the_one_course_form_on_every_case():
    courses = list(itertools.product(LEVELS, COSTS, KINDS))
    levels = np.array([-1 if level is None else level for level, _, _ in courses], dtype=np.int16)
    costs = np.array([cost or 0 for _, cost, _ in courses], dtype=np.int64)
    codes = np.array([funding_code(kind) for _, _, kind in courses], dtype=np.int8)

    for age_band, learner_level in itertools.product(AGE_BANDS, LEARNER_LEVELS):
        pays = up_front_costs(levels, costs, codes, age_band, learner_level)
        expected = [funding_for(*course, age_band, learner_level).pays_pence for course in courses]

        assert pays.dtype == np.int64
        assert pays.tolist() == expected, (age_band, learner_level)


def test_the_vector_form_keeps_the_shape_of_no_courses():
    empty = np.array([], dtype=np.int64)

    assert up_front_costs(empty, empty, empty.astype(np.int8), "24+", 2).shape == (0,)
