"""A saved ranker answers exactly as the one that was trained, with its id maps."""

import numpy as np
import pytest
from scipy.sparse import random as sparse_random

from services.recommender.ranking.algorithms import RankerParams, fit
from services.recommender.ranking.matrix import IdMap
from services.recommender.ranking.persistence import load_ranker, save_ranker

PARAMS = {
    "popularity": RankerParams(kind="popularity"),
    "cosine": RankerParams(kind="cosine", neighbours=10),
    "bpr": RankerParams(kind="bpr", factors=8, iterations=5, num_threads=1),
    "als-bm25": RankerParams(kind="als", factors=8, iterations=5, bm25=True, num_threads=1),
}


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_a_loaded_ranker_recommends_what_the_trained_one_did(tmp_path, name):
    matrix = sparse_random(60, 40, density=0.1, format="csr", dtype=np.float32, random_state=3)
    matrix.data[:] = 1.0
    ranker = fit(matrix, PARAMS[name])
    learners, courses = IdMap(range(1000, 1060)), IdMap(f"c{i}" for i in range(40))
    save_ranker(ranker, learners, courses, tmp_path)

    loaded, loaded_learners, loaded_courses = load_ranker(tmp_path)

    rows = np.arange(20)
    expected = ranker.recommend(rows, matrix[rows], 5)
    got = loaded.recommend(rows, matrix[rows], 5)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5)
    assert loaded_learners.to_list() == learners.to_list()
    assert loaded_courses.to_list() == courses.to_list()
    assert loaded.params == ranker.params
