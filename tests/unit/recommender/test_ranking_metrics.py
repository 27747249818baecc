"""Ranking metrics against values worked out by hand."""

import math

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from services.recommender.ranking.metrics import (
    bootstrap_ratio,
    coverage_at_k,
    map_at_k,
    ndcg_at_k,
    novelty_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
)

# learner 0 wants courses 1 and 4; learner 1 wants course 9 (never recommended)
RELEVANT = csr_matrix((np.ones(3), ([0, 0, 1], [1, 4, 9])), shape=(2, 10))
TOP = np.array([[1, 2, 4, 5, -1], [0, 1, 2, 3, 4]])


def test_precision_and_recall_count_hits_in_the_top_k():
    assert precision_at_k(TOP, RELEVANT, 5).tolist() == [2 / 5, 0.0]
    assert precision_at_k(TOP, RELEVANT, 2).tolist() == [1 / 2, 0.0]
    assert recall_at_k(TOP, RELEVANT, 5).tolist() == [1.0, 0.0]
    assert recall_at_k(TOP, RELEVANT, 2).tolist() == [0.5, 0.0]


def test_ndcg_discounts_hits_by_rank_against_the_ideal_order():
    # hits at ranks 0 and 2: (1 + 1/log2(4)) / (1 + 1/log2(3))
    expected = (1 + 1 / 2) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(TOP, RELEVANT, 5) == pytest.approx([expected, 0.0])
    one = csr_matrix((np.ones(1), ([0], [5])), shape=(1, 10))
    assert ndcg_at_k(np.array([[2, 5, 7]]), one, 3) == pytest.approx([1 / math.log2(3)])


def test_map_averages_precision_at_each_hit():
    # precision@1 = 1, precision@3 = 2/3; two relevant courses
    assert map_at_k(TOP, RELEVANT, 5) == pytest.approx([(1 + 2 / 3) / 2, 0.0])
    # cut at k=2: one hit, divided by min(2 relevant, k=2)
    assert map_at_k(TOP, RELEVANT, 2) == pytest.approx([0.5, 0.0])


def test_padding_slots_never_count_as_hits():
    relevant = csr_matrix((np.ones(1), ([0], [0])), shape=(1, 3))
    assert precision_at_k(np.array([[-1, -1]]), relevant, 2).tolist() == [0.0]


def test_coverage_is_the_share_of_the_catalogue_shown_to_anyone():
    assert coverage_at_k(TOP, 10, 5) == pytest.approx(6 / 10)  # 0,1,2,3,4,5
    assert coverage_at_k(TOP, 10, 1) == pytest.approx(2 / 10)


def test_novelty_is_the_mean_self_information_of_recommended_courses():
    popularity = np.array([0.5, 0.25, 0.125, 0.0])
    top = np.array([[0, 1], [2, -1]])
    assert novelty_at_k(top, popularity, 2) == pytest.approx((1 + 2 + 3) / 3)
    # a never-taken course counts as the rarest taken one
    assert novelty_at_k(np.array([[3]]), popularity, 1) == pytest.approx(3.0)


def test_ranking_metrics_names_every_metric_for_both_cutoffs():
    assert sorted(ranking_metrics(TOP, RELEVANT)) == sorted(
        f"{m}@{k}" for m in ("precision", "recall", "ndcg", "map") for k in (5, 10)
    )


def test_bootstrap_ratio_is_the_ratio_of_means_with_an_interval_around_it():
    rng = np.random.default_rng(1)
    b = rng.random(400)
    a = 2 * b + rng.normal(0, 0.05, 400)
    result = bootstrap_ratio(a, b, resamples=500, seed=3)
    assert result.ratio == pytest.approx(a.mean() / b.mean())
    assert result.low < result.ratio < result.high
    assert result.low > 1.9
    assert result.high < 2.1


def test_bootstrap_ratio_of_identical_models_is_exactly_one():
    b = np.random.default_rng(2).random(50)
    result = bootstrap_ratio(b, b.copy(), resamples=200)
    assert (result.ratio, result.low, result.high) == (1.0, 1.0, 1.0)


def test_bootstrap_refuses_unpaired_samples():
    with pytest.raises(ValueError, match="paired"):
        bootstrap_ratio(np.ones(3), np.ones(4))
