"""The score formula: components scaled to 0..1 among the courses ranked, then weighted."""

import numpy as np
import pytest

from services.recommender.blend import Blend, collaborative_share, popularity_share, share_of_max


def test_collaborative_share_scales_by_the_best_and_counts_negatives_and_the_rest_as_zero():
    share = collaborative_share(np.array([4, 0, 2]), np.array([2.0, 0.5, -1.0]), size=6)
    assert share.tolist() == pytest.approx([0.25, 0, 0, 0, 1.0, 0])


def test_nothing_positive_gives_no_collaborative_claim():
    assert not collaborative_share(np.array([0, 1]), np.array([-1.0, 0.0]), size=3).any()


def test_popularity_is_logarithmic_so_the_most_taken_course_does_not_drown_the_rest():
    share = popularity_share(np.array([0, 9, 99]))
    assert share.tolist() == pytest.approx([0.0, np.log(10) / np.log(100), 1.0])
    assert not share_of_max(np.zeros(3)).any()


def test_the_total_is_the_weighted_sum_of_the_components():
    blend = Blend(collaborative=0.5, content=0.3, similar_learners=0.1, popularity=0.1)
    ones, zeros = np.ones(2), np.zeros(2)
    assert blend.total(ones, zeros, zeros, zeros).tolist() == pytest.approx([0.5, 0.5])
    assert blend.total(ones, ones, ones, ones).tolist() == pytest.approx([1.0, 1.0])
