"""Every ranker answers exactly n slots, honours exclusions, and refreshes from a whole row."""

import numpy as np
import pytest
from implicit.nearest_neighbours import bm25_weight
from scipy.sparse import csr_matrix

from services.recommender.ranking.algorithms import (
    Bm25Weighting,
    RankerParams,
    factors_times,
    fit,
    normalise_top,
)

ALL_KINDS = ["popularity", "cosine", "bm25-knn", "bpr", "als"]


def small_matrix(seed=3, learners=60, courses=12):
    """Two taste clusters: learners 0-29 take courses 0-5, learners 30-59 courses 6-11."""
    rng = np.random.default_rng(seed)
    dense = np.zeros((learners, courses), dtype=np.float32)
    for row in range(learners):
        block = 0 if row < learners // 2 else courses // 2
        taken = rng.choice(courses // 2, size=3, replace=False) + block
        dense[row, taken] = rng.integers(1, 5, size=3)
    return csr_matrix(dense)


def params(kind):
    return RankerParams(
        kind=kind, factors=4, iterations=10, regularization=0.05, num_threads=1, neighbours=6
    )


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_recommend_answers_exactly_n_slots_padded_when_few_courses_are_left(kind):
    matrix = small_matrix()
    ranker = fit(matrix, params(kind))
    rows = np.array([0, 31])
    columns, scores = ranker.recommend(rows, matrix[rows], n=11)
    assert columns.shape == scores.shape == (2, 11)
    for r, row in enumerate(rows):
        real = columns[r][columns[r] >= 0]
        assert len(set(real)) == len(real)
        assert not set(real) & set(matrix[row].indices)  # already taken never comes back
        assert len(real) <= 12 - matrix[row].nnz
        assert np.all(columns[r][len(real) :] == -1)
        assert np.all(np.isneginf(scores[r][len(real) :]))
        assert np.all(np.diff(scores[r][: len(real)]) <= 1e-6)  # best first


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_per_learner_exclusions_and_withdrawn_courses_never_appear(kind):
    matrix = small_matrix()
    ranker = fit(matrix, params(kind))
    rows = np.array([0, 31])
    exclude = csr_matrix((np.ones(2, np.float32), ([0, 1], [6, 7])), shape=(2, matrix.shape[1]))
    columns, _ = ranker.recommend(rows, matrix[rows], n=4, exclude=exclude, filter_courses=[0, 11])
    assert columns.shape == (2, 4)
    assert 6 not in columns[0]
    assert 7 not in columns[1]
    assert not {0, 11} & set(columns.ravel())


def test_implicit_filtered_slots_are_dropped_and_rows_padded_or_trimmed():
    # implicit's MF topk returns filtered courses with score -FLT_MAX; kNN can return more
    flt = -np.finfo(np.float32).max
    columns = np.array([[5, 2, 9, 4], [3, -1, 1, 1]])
    scores = np.array([[0.9, 0.5, flt, flt], [0.8, flt, 0.1, 0.1]], dtype=np.float32)
    exclude = csr_matrix((np.ones(1), ([0], [2])), shape=(2, 10))
    top, top_scores = normalise_top(columns, scores, 3, exclude)
    assert top.tolist() == [[5, -1, -1], [3, 1, 1]]
    assert top_scores[0, 0] == pytest.approx(0.9)
    assert np.isneginf(top_scores[0, 1])
    top, _ = normalise_top(columns, scores, 6)
    assert top.shape == (2, 6)


def test_learners_in_a_cluster_get_their_cluster_courses_from_als():
    matrix = small_matrix()
    ranker = fit(matrix, params("als").with_changes(iterations=20, factors=8))
    columns, _ = ranker.recommend(np.array([0, 31]), matrix[[0, 31]], n=2)
    assert columns[0][0] in range(6)
    assert columns[1][0] in range(6, 12)


def test_refresh_needs_the_whole_history_row_not_only_the_new_event():
    matrix = small_matrix()
    ranker = fit(matrix, params("als").with_changes(bm25=True))
    row = 5
    history = matrix[row].toarray()[0]
    history[8] = 4.0  # a new event: the learner saved course 8
    whole = csr_matrix(history[None, :])
    only_new = csr_matrix((np.array([4.0], np.float32), ([0], [8])), shape=(1, 12))

    ranker.refresh_learner(row, whole)
    from_whole = ranker.model.user_factors[row].copy()
    expected = ranker.model.recalculate_user(row, ranker.weighting.apply(whole))
    assert from_whole == pytest.approx(expected, abs=1e-5)

    ranker.refresh_learner(row, only_new)
    from_new_only = ranker.model.user_factors[row].copy()
    assert not np.allclose(from_whole, from_new_only, atol=1e-3)
    ranker.refresh_learner(row, whole)  # refreshing again from the whole row repairs it
    assert ranker.model.user_factors[row] == pytest.approx(from_whole, abs=1e-5)


def test_refresh_gives_a_new_learner_factors_beyond_the_trained_rows():
    matrix = small_matrix()
    ranker = fit(matrix, params("als"))
    new_row = matrix.shape[0]
    row = csr_matrix((np.ones(2, np.float32), ([0, 0], [7, 8])), shape=(1, 12))
    with pytest.raises(KeyError, match="refresh_learner"):
        ranker.recommend(np.array([new_row]), row, n=3)
    ranker.refresh_learner(new_row, row)
    columns, _ = ranker.recommend(np.array([new_row]), row, n=3)
    assert columns.shape == (1, 3)
    assert columns[0][0] in range(6, 12)


def test_user_items_wider_than_the_model_are_cut_to_its_courses():
    matrix = small_matrix()
    ranker = fit(matrix, params("cosine"))
    wider = csr_matrix(matrix[[0]].toarray().tolist()[0] + [1.0], dtype=np.float32)
    columns, _ = ranker.recommend(np.array([0]), wider, n=5)
    assert columns.max() < 12


def test_shape_mismatch_between_rows_and_user_items_is_refused():
    matrix = small_matrix()
    ranker = fit(matrix, params("popularity"))
    with pytest.raises(ValueError, match="rows"):
        ranker.recommend(np.array([0, 1]), matrix[[0]], n=3)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_similar_courses_excludes_the_course_itself_and_has_n_slots(kind):
    matrix = small_matrix()
    ranker = fit(matrix, params(kind))
    columns, scores = ranker.similar_courses(2, n=4)
    assert columns.shape == scores.shape == (4,)
    assert 2 not in columns


@pytest.mark.parametrize("by", ["learner", "course"])
def test_bm25_weighting_matches_implicit_and_weighs_one_row_the_same(by):
    matrix = small_matrix()
    weighting = Bm25Weighting.learn(matrix, k1=100.0, b=0.8, by=by)
    ours = weighting.apply(matrix).toarray()
    if by == "learner":
        theirs = bm25_weight(matrix, K1=100.0, B=0.8).toarray()
    else:
        theirs = bm25_weight(matrix.T, K1=100.0, B=0.8).T.toarray()
    assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-6)
    if by == "course":  # course-side statistics come from training, the row's from itself
        assert weighting.apply(matrix[[7]]).toarray() == pytest.approx(ours[[7]], rel=1e-4)


@pytest.mark.parametrize("kind", ["popularity", "cosine", "bpr", "als"])
def test_scoring_chosen_courses_agrees_with_recommend_on_their_order(kind):
    matrix = small_matrix()
    ranker = fit(matrix, params(kind))
    row = 3
    columns = np.array([1, 4, 7, 8, 10, 11])
    others = np.setdiff1d(np.arange(12), columns)
    top, _ = ranker.recommend(np.array([row]), matrix[[row]], n=12, filter_courses=others)
    scores = ranker.score_courses(row, matrix[[row]], columns, recalculate=False)
    assert scores.shape == (len(columns),)
    liked = set(matrix[row].indices)
    expected = [int(c) for c in top[0] if c >= 0]
    ours = [int(c) for c in columns[np.argsort(-scores, kind="stable")] if c not in liked]
    assert ours[: len(expected[:3])] == expected[:3]  # item-kNN answers only scored courses


def test_factors_times_gives_each_course_its_product_whichever_way_it_is_taken():
    rng = np.random.default_rng(5)
    factors = rng.standard_normal((1000, 16), dtype=np.float32)
    learner = rng.standard_normal(16, dtype=np.float32)
    many = np.sort(rng.choice(1000, 600, replace=False))  # scored over every course
    few = many[:40]  # gathered first
    assert np.allclose(factors_times(factors, many, learner), factors[many] @ learner, atol=1e-5)
    assert np.allclose(factors_times(factors, few, learner), factors[few] @ learner, atol=1e-5)


def test_scoring_a_learner_the_model_never_met_recalculates_or_declines():
    matrix = small_matrix()
    history = csr_matrix((np.ones(2, np.float32), ([0, 0], [7, 8])), shape=(1, 12))
    als = fit(matrix, params("als"))
    scores = als.score_courses(None, history, np.arange(12), recalculate=True)
    assert int(np.argmax(scores)) in range(6, 12)
    bpr = fit(matrix, params("bpr"))
    assert bpr.score_courses(None, history, np.arange(12), recalculate=True) is None


def test_scoring_runs_blas_on_one_thread_whatever_the_environment_asked():
    from threadpoolctl import threadpool_info

    from services.recommender.ranking.algorithms import one_blas_thread

    with one_blas_thread():
        blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert set(blas) <= {1}
