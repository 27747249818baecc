"""The default model beats popularity on real MOOCCubeX data, with a bootstrap interval, and
the hybrid (serving's blend over the default) is measured beside them.

Trains on every training row; scores a fixed random subset of 15,000 held-out learners to keep
the run short (the committed report in docs/evaluation uses all of them).
"""

import numpy as np
import pytest

from services.recommender.ranking import datasets
from services.recommender.ranking.algorithms import DEFAULT_PARAMS, RankerParams
from services.recommender.ranking.evaluation import (
    DEFAULT,
    HYBRID,
    POPULARITY,
    HybridParams,
    evaluate,
)


@pytest.fixture(scope="module")
def mooccubex():
    try:
        return datasets.load("mooccubex-cf")
    except datasets.DataUnavailable as reason:
        pytest.skip(f"mooccubex-cf data set absent: {reason}")


@pytest.fixture(scope="module")
def result(mooccubex):
    default = DEFAULT_PARAMS.with_changes(num_threads=2)
    models = {
        POPULARITY: RankerParams(kind="popularity"),
        DEFAULT: default,
        HYBRID: HybridParams(default),
    }
    return evaluate(mooccubex, models, sample=15_000, seed=0, resamples=500)


@pytest.mark.slow
def test_default_model_ndcg_over_popularity_has_a_lower_bound_above_one(result):
    assert result.ratio is not None
    assert result.ratio.low > 1.0
    assert result.model(DEFAULT).means["ndcg@10"] > result.model(POPULARITY).means["ndcg@10"]
    assert result.model(DEFAULT).coverage10 > result.model(POPULARITY).coverage10


@pytest.mark.slow
def test_hybrid_is_reported_with_knowledge_graph_content_and_beats_popularity(result, mooccubex):
    """On all 97,722 held-out learners (docs/evaluation/mooccubex-cf.md) the hybrid's nDCG@10
    is 0.1577: 4.70 x popularity's (95% 4.55 to 4.83) but 0.97 x the default's (0.97 to
    0.98), so it is not asserted against the default."""
    hybrid = result.model(HYBRID)
    assert hybrid.top.shape == (15_000, 10)
    rows = np.sort(np.random.default_rng(0).choice(mooccubex.test_rows, 15_000, replace=False))
    taken = mooccubex.train[rows].toarray() != 0
    assert not np.take_along_axis(taken, np.maximum(hybrid.top, 0), axis=1)[hybrid.top >= 0].any()
    assert result.hybrid is not None
    assert result.hybrid.content_features > 0  # knowledge-graph links
    assert result.hybrid.occupations == 0  # no occupations: similar learners count 0
    assert result.hybrid.vs_popularity is not None
    assert result.hybrid.vs_popularity.low > 1.0
    assert result.hybrid.vs_default is not None
