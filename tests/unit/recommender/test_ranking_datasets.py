"""Hold-out splits: tuning never sees test rows; the demo split is temporal."""

import gzip
from dataclasses import replace

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


def test_validation_keeps_course_content_and_occupations():
    split = replace(
        toy_split(),
        course_features=[["a"], ["a", "b"], [], ["b"]],
        learner_occupations=np.array(["x", "", "y"], dtype=object),
    )
    validation = datasets.validation_split(split, seed=1)
    assert validation.course_features == split.course_features
    assert validation.learner_occupations.tolist() == ["x", "", "y"]


def write_gz(path, text):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)


def test_mooccubex_content_is_each_items_knowledge_graph_links(tmp_path):
    rows = ["0\t0\ttrain\t0", "0\t1\ttrain\t1", "0\t2\ttest\t2", "1\t1\ttrain\t0", "1\t0\ttest\t1"]
    write_gz(
        tmp_path / "interactions.tsv.gz",
        "user_idx\titem_idx\tsplit\tposition\n" + "\n".join(rows) + "\n",
    )
    triples = ["0\t2\t10", "0\t0\t11", "2\t2\t10", "2\t3\t1", "12\t1\t0"]  # 12: not an item
    write_gz(
        tmp_path / "kg_triples.tsv.gz",
        "head_idx\trelation_idx\ttail_idx\n" + "\n".join(triples) + "\n",
    )
    split = datasets.mooccubex_split(tmp_path)
    assert split.course_features == [["r2:10", "r0:11"], [], ["r2:10", "r3:1"]]
    assert split.learner_occupations is None


def test_mooccubex_without_knowledge_graph_has_no_content(tmp_path):
    write_gz(tmp_path / "interactions.tsv.gz", "u\ti\ts\tp\n0\t0\ttrain\t0\n0\t1\ttest\t1\n")
    assert datasets.mooccubex_split(tmp_path).course_features is None


def test_oulad_content_is_the_module_and_its_domain(tmp_path):
    registrations = [("AAA", "2013J", "1", "-10"), ("CCC", "2014B", "1", "-5")]
    with open(tmp_path / "studentRegistration.csv", "w", encoding="utf-8") as handle:
        handle.write("code_module,code_presentation,id_student,date_registration\n")
        handle.writelines(",".join(r) + "\n" for r in registrations)
    with open(tmp_path / "studentInfo.csv", "w", encoding="utf-8") as handle:
        handle.write("id_student,gender,age_band,disability,imd_band\n1,F,0-35,N,0-10%\n")
    split = datasets.oulad_split(tmp_path)
    assert split.courses.to_list() == ["AAA-2013J", "CCC-2014B"]
    assert split.course_features == [
        ["module:AAA", "domain:Social Sciences"],
        ["module:CCC", "domain:STEM"],
    ]


def test_demo_split_carries_course_content_and_current_occupations():
    split = datasets.demo_split(seed=3, learners=200, courses=60)
    assert len(split.course_features) == 60
    kinds = {name.split(":")[0] for names in split.course_features for name in names}
    assert kinds == {"skill", "occupation", "sector", "level"}
    assert split.learner_occupations.shape == (200,)
    assert any(split.learner_occupations)
