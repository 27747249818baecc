"""Content features, learner profiles, content scores and content-made factors for new courses."""

import numpy as np
import pytest

from services.recommender.content import (
    ContentMatrix,
    CourseContent,
    content_factors,
    content_scores,
    course_features,
    learner_profile,
)

DIGITAL = CourseContent(["coding", "data"], ["2136"], "Digital", 3)
CARE = CourseContent(["care"], ["6145"], "Health and care", 2)
MORE_DIGITAL = CourseContent(["coding"], ["2136"], "digital", 3)


def test_features_name_skills_occupations_a_case_folded_sector_and_the_level():
    assert course_features(MORE_DIGITAL) == [
        "level:3", "occupation:2136", "sector:digital", "skill:coding",
    ]  # fmt: skip


def test_a_goal_occupation_ranks_the_courses_leading_to_it_first():
    content = ContentMatrix.build([DIGITAL, CARE, MORE_DIGITAL])
    profile = learner_profile(
        content, {"goals": {"occupations": ["6145"], "sectors": []}, "rqf_level": 1}, []
    )
    scores = content_scores(content, profile, np.arange(3))
    assert int(np.argmax(scores)) == 1
    assert scores.max() <= 1.0 + 1e-6


def test_content_scores_are_the_same_bits_for_few_rows_and_for_most_rows():
    rng = np.random.default_rng(3)
    skills = [f"s{k}" for k in range(40)]
    courses = [
        CourseContent(list(rng.choice(skills, 3)), [str(1000 + i % 9)], f"sector {i % 5}", i % 7)
        for i in range(400)
    ]
    content = ContentMatrix.build(courses)
    profile = learner_profile(content, {"goals": {"sectors": ["sector 2"]}}, [4, 9, 17])
    many = np.sort(rng.choice(400, 300, replace=False))  # scored over every course
    few = many[::20]  # gathered first
    assert np.array_equal(
        content_scores(content, profile, many)[::20], content_scores(content, profile, few)
    )
    expected = np.asarray(content.rows[many] @ profile).ravel().astype(np.float32)
    assert np.array_equal(content_scores(content, profile, many), expected)


def test_courses_taken_pull_the_profile_towards_their_content():
    content = ContentMatrix.build([DIGITAL, CARE, MORE_DIGITAL])
    scores = content_scores(content, learner_profile(content, {}, [0]), np.array([1, 2]))
    assert scores[1] > scores[0] == 0


def test_an_empty_profile_scores_every_course_zero():
    content = ContentMatrix.build([DIGITAL, CARE])
    assert not content_scores(content, learner_profile(content, {}, []), np.arange(2)).any()


def test_a_new_course_gets_the_mean_factors_of_the_courses_sharing_its_content_weighted():
    content = ContentMatrix.build([DIGITAL, CARE, MORE_DIGITAL, CourseContent([], [], None, 7)])
    known = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)  # DIGITAL, CARE
    factors = content_factors(content, np.array([2, 3]), np.array([0, 1]), known)
    assert factors[0] == pytest.approx([1.0, 0.0])  # shares only with DIGITAL
    assert not factors[1].any()  # shares nothing: no collaborative claim


def test_a_shared_rare_skill_says_more_than_a_shared_common_level():
    courses = [
        CourseContent(["welding"], [], None, 2),  # the only other welding course
        *[CourseContent([f"skill{i}"], [], None, 2) for i in range(6)],  # level 2, like most
        CourseContent(["welding"], [], None, 2),  # new
    ]
    content = ContentMatrix.build(courses)
    known = np.array([[1.0, 0.0]] + [[0.0, 1.0]] * 6, dtype=np.float32)
    factors = content_factors(content, np.array([7]), np.arange(7), known)
    assert factors[0][0] > factors[0][1]  # pulled towards the welding course, not the level
