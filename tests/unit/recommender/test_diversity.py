"""Diversification: at most a few courses per provider, in rank order, never a shorter list
than the learner could have."""

from __future__ import annotations

from services.recommender.diversity import diversify

#: Courses 1-6 from provider 10, 7-8 from provider 20, 9 from provider 30.
PROVIDERS = {1: 10, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 20, 8: 20, 9: 30}


def test_no_provider_has_more_than_the_cap_while_others_can_fill_the_list():
    ranked = [1, 2, 3, 4, 7, 5, 8, 9, 6]

    assert diversify(ranked, PROVIDERS, n=5) == [1, 2, 7, 8, 9]


def test_rank_order_is_kept_among_the_courses_chosen():
    assert diversify([9, 7, 1, 8, 2], PROVIDERS, n=5) == [9, 7, 1, 8, 2]


def test_the_cap_is_configurable():
    assert diversify([1, 2, 3, 7], PROVIDERS, n=3, max_per_provider=1) == [1, 7, 2]


def test_courses_held_back_fill_the_list_best_first_when_too_few_providers_remain():
    assert diversify([1, 2, 3, 4, 7], PROVIDERS, n=4) == [1, 2, 7, 3]


def test_a_list_shorter_than_n_is_answered_whole():
    assert diversify([1, 2, 3], PROVIDERS, n=10) == [1, 2, 3]


def test_courses_of_unknown_providers_are_each_their_own_provider():
    assert diversify([101, 102, 103, 1, 2, 3], PROVIDERS, n=5) == [101, 102, 103, 1, 2]


def test_a_course_ranked_twice_appears_once():
    assert diversify([1, 1, 7, 7, 9], PROVIDERS, n=5) == [1, 7, 9]


def test_n_of_zero_answers_nothing():
    assert diversify([1, 2], PROVIDERS, n=0) == []


def test_any_iterable_of_ids_is_taken_once():
    assert diversify(iter([7, 8, 9]), PROVIDERS, n=2) == [7, 8]
