"""Hold-out splits: tuning never sees test rows; the demo split is temporal."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from services.recommender.ranking import datasets
from services.recommender.ranking.matrix import IdMap


def toy_split():
    train = csr_matrix(np.array([[1, 1, 1, 0], [1, 0, 0, 0], [0, 1, 1, 0]], dtype=np.float32))
    test = csr_matrix(np.array([[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=np.float32))
    return datasets.Split(
        "toy",
        train,
        test,
        csr_matrix(train.shape, dtype=np.float32),
        IdMap(range(3)),
        IdMap(range(4)),
        "toy",
    )


def test_validation_holds_out_one_train_course_per_learner_and_drops_the_test():
    split = toy_split()
    validation = datasets.validation_split(split, seed=1)
    held = validation.test.toarray()
    assert held.sum(axis=1).tolist() == [1, 0, 1]  # learner 1 has a single train course
    assert (held * split.train.toarray()).sum() == 2  # held-out courses come from training
    assert (held * split.test.toarray()).sum() == 0  # and never from the test
    assert (validation.train.toarray() + held == split.train.toarray()).all()


def test_unknown_data_folder_gives_a_reason_to_skip(tmp_path):
    with pytest.raises(datasets.DataUnavailable, match="not installed"):
        datasets.load("oulad", data_dir=tmp_path)


def test_demo_split_tests_only_courses_new_to_the_learner():
    split = datasets.demo_split(seed=3, learners=200, courses=60)
    assert split.train.shape == split.test.shape == (200, 60)
    assert split.test.multiply(split.train).nnz == 0
    assert len(split.test_rows) > 0
