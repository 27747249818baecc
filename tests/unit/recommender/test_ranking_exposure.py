"""The exposure table: which share of each course group's recommendations each learner group
gets, against its share of the learners scored."""

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from services.recommender.ranking.datasets import Split
from services.recommender.ranking.evaluation import exposure_table
from services.recommender.ranking.matrix import IdMap


def split(groups: list[str], kinds: list[str], test: csr_matrix | None = None) -> Split:
    empty = csr_matrix((len(groups), len(kinds)), dtype=np.float32)
    return Split(
        name="hand-made", train=empty, test=empty if test is None else test, exclusions=empty,
        learners=IdMap(range(len(groups))), courses=IdMap(range(len(kinds))),
        description="", learner_groups={"gender": np.array(groups)},
        course_groups={"route": np.array(kinds)},
    )  # fmt: skip


def row(table: list[dict], group: str, course_group: str) -> dict:
    return next(r for r in table if r["group"] == group and r["course_group"] == course_group)


def test_a_group_shown_a_kind_more_than_its_size_has_a_ratio_above_one():
    """Three F and one M learner; technical courses 0-1, academic 2-3. The M learner gets
    every academic recommendation: 1 of 4 learners (base 0.25) with all of them (ratio 4)."""
    data = split(["F", "F", "F", "M"], ["technical", "technical", "academic", "academic"])
    top = np.array([[0, 1], [1, 0], [0, -1], [2, 3]])  # -1: a padded slot, never counted

    table = exposure_table(data, np.arange(4), top)

    academic_m = row(table, "M", "academic")
    assert academic_m["base_rate"] == pytest.approx(0.25)
    assert academic_m["share"] == pytest.approx(1.0)
    assert academic_m["ratio"] == pytest.approx(4.0)
    technical_f = row(table, "F", "technical")
    assert technical_f["share"] == pytest.approx(1.0)  # 5 technical slots, all to F
    assert technical_f["ratio"] == pytest.approx(1.0 / 0.75)
    assert row(table, "F", "academic")["share"] == 0.0


def test_only_the_learners_scored_make_the_base_rate():
    data = split(["F", "F", "M", "M"], ["technical", "academic"])
    table = exposure_table(data, np.array([0, 2, 3]), np.array([[0], [1], [1]]))

    assert row(table, "F", "technical")["base_rate"] == pytest.approx(1 / 3)
    assert row(table, "M", "academic")["ratio"] == pytest.approx(1.0 / (2 / 3))


def test_exposure_is_also_set_against_what_each_group_went_on_to_take():
    """Both F learners held out a technical course, the M learner an academic one: showing
    M every academic course is 3x M's size but exactly M's share of academic choices."""
    held = csr_matrix(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    data = split(["F", "F", "M"], ["technical", "technical", "academic"], held)
    top = np.array([[0], [1], [2]])

    academic_m = row(exposure_table(data, np.arange(3), top), "M", "academic")

    assert academic_m["ratio"] == pytest.approx(3.0)
    assert academic_m["held_out_share"] == pytest.approx(1.0)
    assert academic_m["vs_held_out"] == pytest.approx(1.0)
