"""The evaluated hybrid ranks as serving's blend does: never a taken or excluded course, each
component alone ranks by its own signal, and the answer is always exactly k slots."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from services.recommender.blend import Blend
from services.recommender.content import ContentMatrix, content_scores, learner_profile
from services.recommender.ranking import evaluation
from services.recommender.ranking.algorithms import RankerParams, fit
from services.recommender.ranking.datasets import Split
from services.recommender.ranking.evaluation import (
    DEFAULT,
    HYBRID,
    POPULARITY,
    HybridParams,
    HybridSignals,
    evaluate,
    hybrid_top,
)
from services.recommender.ranking.matrix import IdMap

ALS = RankerParams(kind="als", factors=4, iterations=10, regularization=0.05, num_threads=1)
ONLY_COLLABORATIVE = Blend(collaborative=1.0, content=0.0, similar_learners=0.0, popularity=0.0)
ONLY_CONTENT = Blend(collaborative=0.0, content=1.0, similar_learners=0.0, popularity=0.0)
ONLY_SIMILAR = Blend(collaborative=0.0, content=0.0, similar_learners=1.0, popularity=0.0)
ONLY_POPULARITY = Blend(collaborative=0.0, content=0.0, similar_learners=0.0, popularity=1.0)


def two_cluster_split(seed=3, learners=60, courses=12, features=None, occupations=None):
    """Learners 0-29 take courses 0-5, learners 30-59 courses 6-11 (three each in training,
    one more held out); learner 0 has course 7 excluded."""
    rng = np.random.default_rng(seed)
    train = np.zeros((learners, courses), dtype=np.float32)
    test = np.zeros_like(train)
    for row in range(learners):
        block = 0 if row < learners // 2 else courses // 2
        taken = rng.choice(courses // 2, size=4, replace=False) + block
        train[row, taken[:3]] = rng.integers(1, 5, size=3)
        test[row, taken[3]] = 1.0
    exclusions = np.zeros_like(train)
    exclusions[0, 7] = 1.0
    return Split(
        "toy",
        csr_matrix(train),
        csr_matrix(test),
        csr_matrix(exclusions),
        IdMap(range(learners)),
        IdMap(range(courses)),
        "toy",
        course_features=features,
        learner_occupations=occupations,
    )


def topic_features(courses=12):
    """Courses 0-5 share "topic:a", 6-11 "topic:b"; each also has its own feature, and
    courses 2, 3 and 8 share "skill:x"."""
    features = [
        [f"topic:{'a' if c < courses // 2 else 'b'}", f"course:{c}"] for c in range(courses)
    ]
    for c in (2, 3, 8):
        features[c].append("skill:x")
    return features


def test_hybrid_never_recommends_a_training_course_or_an_excluded_one():
    split = two_cluster_split(features=topic_features())
    ranker = fit(split.train, ALS)
    rows = np.arange(split.train.shape[0])
    columns, totals = hybrid_top(split, ranker, Blend(), rows, n=10)
    assert columns.shape == totals.shape == (len(rows), 10)
    for r, row in enumerate(rows):
        shown = set(columns[r][columns[r] >= 0].tolist())
        assert not shown & set(split.train[row].indices.tolist())
        assert not shown & set(split.exclusions[row].indices.tolist())
    assert 7 not in columns[0]


def test_with_only_content_weight_it_ranks_by_content_similarity_to_the_training_courses():
    features = topic_features()
    split = two_cluster_split(features=features)
    ranker = fit(split.train, ALS)
    rows = np.array([0, 5, 40])
    columns, totals = hybrid_top(split, ranker, ONLY_CONTENT, rows, n=12)
    vocabulary = sorted({f for names in features for f in names})
    onehot = np.array([[f in names for f in vocabulary] for names in features], dtype=float)
    unit = onehot / np.linalg.norm(onehot, axis=1, keepdims=True)
    for r, row in enumerate(rows):
        taken = split.train[row].indices
        profile = unit[taken].mean(axis=0)
        cosine = unit @ (profile / np.linalg.norm(profile))
        allowed = [c for c in range(12) if c not in taken and split.exclusions[row, c] == 0]
        expected = sorted(allowed, key=lambda c: (-round(cosine[c], 5), c))
        assert columns[r][: len(allowed)].tolist() == expected
        assert np.allclose(totals[r][: len(allowed)], cosine[expected], atol=1e-5)
        assert np.all(columns[r][len(allowed) :] == -1)


def test_content_scores_match_servings_functions_learner_by_learner():
    split = two_cluster_split(features=topic_features())
    rows = np.arange(8)
    _, totals = hybrid_top(split, fit(split.train, ALS), ONLY_CONTENT, rows, n=12, chunk=3)
    content = ContentMatrix.from_features(split.course_features)
    for r, row in enumerate(rows):
        profile = learner_profile(content, {}, split.train[row].indices)
        scores = content_scores(content, profile, np.arange(12))
        top = np.sort(scores[split.train[row].toarray()[0] == 0])[::-1]
        assert np.allclose(totals[r][np.isfinite(totals[r])], top[: np.isfinite(totals[r]).sum()])


def test_with_only_collaborative_weight_it_ranks_exactly_as_the_collaborative_top():
    split = two_cluster_split()
    ranker = fit(split.train, ALS)
    rows = np.arange(split.train.shape[0])
    columns, _ = hybrid_top(split, ranker, ONLY_COLLABORATIVE, rows, n=5)
    als_columns, als_scores = ranker.recommend(
        rows, split.train[rows], 5, exclude=split.exclusions[rows]
    )
    compared = 0
    for r in rows:
        positive = als_scores[r] > 0
        distinct = np.append(np.diff(als_scores[r]) < -1e-6, True)  # ties aside
        prefix = int(np.argmin(positive & distinct)) if not (positive & distinct).all() else 5
        assert columns[r][:prefix].tolist() == als_columns[r][:prefix].tolist()
        compared += prefix
    assert compared >= 4 * len(rows)  # the comparison covers most of every top 5


def test_fewer_courses_than_k_are_padded_with_minus_one_and_minus_infinity():
    train = csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 1, 0], [1, 1, 0, 0]], dtype=np.float32))
    test = csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=np.float32))
    split = Split(
        "tiny",
        train,
        test,
        csr_matrix(train.shape, dtype=np.float32),
        IdMap(range(3)),
        IdMap(range(4)),
        "tiny",
        course_features=[["a"], ["a", "b"], ["b"], []],
    )
    ranker = fit(split.train, RankerParams(kind="popularity"))
    columns, totals = hybrid_top(split, ranker, Blend(), np.arange(3), n=10)
    assert columns.shape == totals.shape == (3, 10)
    for r, left in enumerate((3, 2, 2)):
        assert len(set(columns[r][:left].tolist())) == left
        assert np.all(columns[r][:left] >= 0)
        assert np.all(np.isfinite(totals[r][:left]))
        assert np.all(columns[r][left:] == -1)
        assert np.all(np.isneginf(totals[r][left:]))
    assert np.all(np.diff(totals[:, :2], axis=1) <= 0)  # best first


def test_similar_learners_are_those_of_the_learners_own_occupation_and_zero_without_one():
    occupations = np.array(["welder"] * 30 + ["nurse"] * 29 + [""], dtype=object)
    split = two_cluster_split(occupations=occupations)
    ranker = fit(split.train, ALS)
    rows = np.array([0, 40, 59])
    columns, totals = hybrid_top(split, ranker, ONLY_SIMILAR, rows, n=3)
    assert set(columns[0].tolist()) <= set(range(6))  # welders took courses 0-5
    assert set(columns[1].tolist()) <= set(range(6, 12))  # nurses 6-11
    assert np.all(totals[2] == 0)  # no occupation: the component is 0 everywhere
    assert HybridSignals.of(two_cluster_split()).segment_courses is None


def test_with_only_popularity_weight_it_ranks_by_training_learners_per_course():
    split = two_cluster_split()
    rows = np.array([3])
    columns, totals = hybrid_top(split, fit(split.train, ALS), ONLY_POPULARITY, rows, n=12)
    counts = np.bincount(split.train.indices, minlength=12)
    shown = columns[0][columns[0] >= 0]
    assert np.all(np.diff(counts[shown]) <= 0)
    assert totals[0][0] == pytest.approx(1.0)  # share of the most popular course left


def test_evaluate_reports_the_hybrid_and_fits_its_collaborative_model_once(monkeypatch):
    split = two_cluster_split(features=topic_features())
    calls = []
    real_fit = evaluation.fit

    def counting_fit(matrix, params):
        calls.append(params)
        return real_fit(matrix, params)

    monkeypatch.setattr(evaluation, "fit", counting_fit)
    models = {
        POPULARITY: RankerParams(kind="popularity"),
        DEFAULT: ALS,
        HYBRID: HybridParams(ALS),
    }
    result = evaluate(split, models, resamples=50)
    assert calls.count(ALS) == 1
    hybrid = result.model(HYBRID)
    assert hybrid.top.shape == (len(split.test_rows), 10)
    assert hybrid.params.to_dict()["kind"] == "hybrid"
    assert result.hybrid is not None
    assert result.hybrid.content_features == len({f for n in topic_features() for f in n})
    assert result.hybrid.occupations == 0
    assert result.hybrid.vs_popularity is not None
    assert result.hybrid.vs_default is not None


def test_content_for_a_different_number_of_courses_is_refused():
    split = two_cluster_split(features=topic_features(courses=11))
    with pytest.raises(ValueError, match="11 course feature lists for 12 courses"):
        HybridSignals.of(split)
