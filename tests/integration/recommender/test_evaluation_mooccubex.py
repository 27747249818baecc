"""The default model beats popularity on real MOOCCubeX data, with a bootstrap interval.

Trains on every training row; scores a fixed random subset of 15,000 held-out learners to keep
the run short (the committed report in docs/evaluation uses all of them).
"""

import pytest

from services.recommender.ranking import datasets
from services.recommender.ranking.algorithms import DEFAULT_PARAMS, RankerParams
from services.recommender.ranking.evaluation import DEFAULT, POPULARITY, evaluate


@pytest.fixture(scope="module")
def mooccubex():
    try:
        return datasets.load("mooccubex-cf")
    except datasets.DataUnavailable as reason:
        pytest.skip(f"mooccubex-cf data set absent: {reason}")


@pytest.mark.slow
def test_default_model_ndcg_over_popularity_has_a_lower_bound_above_one(mooccubex):
    models = {
        POPULARITY: RankerParams(kind="popularity"),
        DEFAULT: DEFAULT_PARAMS.with_changes(num_threads=2),
    }
    result = evaluate(mooccubex, models, sample=15_000, seed=0, resamples=500)
    assert result.ratio is not None
    assert result.ratio.low > 1.0
    assert result.model(DEFAULT).means["ndcg@10"] > result.model(POPULARITY).means["ndcg@10"]
    assert result.model(DEFAULT).coverage10 > result.model(POPULARITY).coverage10
