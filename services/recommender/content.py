"""What courses are about, and how well that matches a learner: the content side of ranking.

A course is described by binary features: the skills it teaches, the occupations it leads to,
its sector and its RQF level. A learner's content profile is built from what they told the
profile service (goal occupations and sectors weigh most, then their current occupation and
the level one step above theirs) and from the courses they took; the content score of a course
is the cosine between the two (0..1).

The same features give factors to courses published after the serving model was trained:
the mean factors of the trained courses that share features with the new one, each weighted by
how many it shares (skills, occupations, level, sector), so a new course can be suggested by the
collaborative model before anyone has taken it. No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, diags

from services.recommender.ranking.matrix import IdMap

#: How much each part of a learner's profile says about the courses they want.
GOAL_OCCUPATION, GOAL_SECTOR, CURRENT_OCCUPATION, NEXT_LEVEL, TAKEN = 3.0, 2.0, 1.0, 1.0, 1.0
#: From this share of the courses up, `content_scores` scores every course and takes the rows
#: out rather than slicing the rows out of the CSR first (they cost the same near 0.3 of
#: 50,000 courses; at half, slicing cost twice the whole product).
FULL_PRODUCT_SHARE = 0.3


@dataclass(frozen=True)
class CourseContent:
    """The content of one course, as the read model keeps it."""

    skills: Sequence[str]
    occupations: Sequence[str]
    sector: str | None
    rqf_level: int | None


def course_features(course: CourseContent) -> list[str]:
    """The course's features as strings ("skill:...", "occupation:...", "sector:...",
    "level:3"); sectors are case-folded, so "Digital" and "digital" match."""
    features = [f"skill:{s}" for s in course.skills]
    features += [f"occupation:{code}" for code in course.occupations]
    if course.sector:
        features.append(f"sector:{course.sector.casefold()}")
    if course.rqf_level is not None:
        features.append(f"level:{course.rqf_level}")
    return sorted(set(features))


@dataclass(frozen=True)
class ContentMatrix:
    """``rows`` (n_courses, n_features) float32 CSR, each row L2-normalised (all-zero for a
    course with no features); ``binary`` the same pattern with ones; ``features`` the
    vocabulary."""

    rows: csr_matrix
    binary: csr_matrix
    features: IdMap

    @classmethod
    def build(cls, courses: Sequence[CourseContent]) -> ContentMatrix:
        """From the read model's course content (features as `course_features` names them)."""
        return cls.from_features([course_features(c) for c in courses])

    @classmethod
    def from_features(cls, per_course: Sequence[Sequence[str]]) -> ContentMatrix:
        """From any feature names per course (a data set's knowledge-graph links, say)."""
        per_course = [sorted(set(names)) for names in per_course]
        features = IdMap(f for names in per_course for f in names)
        indptr = np.cumsum([0] + [len(names) for names in per_course])
        indices = features.indices(f for names in per_course for f in names)
        binary = csr_matrix(
            (np.ones(len(indices), np.float32), indices, indptr),
            shape=(len(per_course), len(features)),
        )
        norms = np.sqrt(np.asarray(binary.sum(axis=1)).ravel())
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        rows = csr_matrix(diags(inverse.astype(np.float32)) @ binary, dtype=np.float32)
        return cls(rows=rows, binary=binary, features=features)


def learner_profile(
    content: ContentMatrix, attributes: dict[str, Any], taken_rows: Sequence[int]
) -> np.ndarray:
    """The learner's content profile, shape (n_features,), L2-normalised (zeros when nothing
    is known). `attributes` as the read model keeps them (goals, current occupation, level);
    `taken_rows` the rows of courses they took (positive interactions)."""
    weights = np.zeros(len(content.features), dtype=np.float32)

    def add(feature: str, weight: float) -> None:
        if feature in content.features:
            weights[content.features.index(feature)] += weight

    goals = attributes.get("goals") or {}
    for code in goals.get("occupations") or []:
        add(f"occupation:{code}", GOAL_OCCUPATION)
    for sector in goals.get("sectors") or []:
        add(f"sector:{str(sector).casefold()}", GOAL_SECTOR)
    current = attributes.get("occupation_code")
    if current:
        add(f"occupation:{current}", CURRENT_OCCUPATION)
    level = attributes.get("rqf_level")
    if isinstance(level, int):
        add(f"level:{level + 1}", NEXT_LEVEL)
    if len(taken_rows):
        taken = np.asarray(content.rows[list(taken_rows)].mean(axis=0)).ravel()
        weights += TAKEN * taken.astype(np.float32)
    norm = float(np.linalg.norm(weights))
    return weights / norm if norm > 0 else weights


def content_scores(content: ContentMatrix, profile: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosine of each course in `rows` (shape (r,)) with the profile, shape (r,) in 0..1."""
    if len(rows) == 0 or not profile.any():
        return np.zeros(len(rows), dtype=np.float32)
    if len(rows) >= FULL_PRODUCT_SHARE * content.rows.shape[0]:
        # every course's cosine, then the rows taken out: a CSR product sums each course's
        # own row, so the bits are those of the gathered product, and slicing half of 50,000
        # rows out of the CSR first cost about twice the product over all of them
        return np.asarray(content.rows @ profile)[rows].ravel().astype(np.float32)
    return np.asarray(content.rows[rows] @ profile).ravel().astype(np.float32)


def content_factors(
    content: ContentMatrix, new_rows: np.ndarray, known_rows: np.ndarray, known_factors: np.ndarray
) -> np.ndarray:
    """Factors for courses the model was not trained on, shape (len(new_rows), factors).

    Each is the mean of `known_factors` (len(known_rows), factors), the trained courses'
    factors, weighted by the features each shares with the new course, a feature counting by
    its rarity (idf: sharing a skill taught by five courses says more than sharing a level
    held by thousands, which would make every new course look generic; a feature every
    trained course has says nothing); a new course that
    shares nothing gets zeros (it then scores 0 for every learner: no collaborative claim).
    """
    factors = known_factors.shape[1]
    if len(new_rows) == 0 or len(known_rows) == 0:
        return np.zeros((len(new_rows), factors), dtype=np.float32)
    known = content.binary[known_rows]
    courses_with = np.asarray(known.sum(axis=0)).ravel()
    rarity = np.log(len(known_rows) / np.maximum(courses_with, 1.0))  # 0: every course has it
    shared = (content.binary[new_rows] @ diags(rarity) @ known.T).tocsr()  # (new, known)
    totals = np.asarray(shared.sum(axis=1)).ravel()
    inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    weights = diags(inverse) @ shared
    return np.asarray(weights @ known_factors, dtype=np.float32)
