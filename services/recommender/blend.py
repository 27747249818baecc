"""How a course's score is made from its components: the one formula serving answers with and
the evaluation measures as "hybrid".

Every component is scaled to 0..1 among the courses being ranked for one learner, then
weighted:

- collaborative: the model's score for the course as a share of the best score among its top
  candidates (negative scores count 0, courses outside the candidates 0);
- content: cosine of the course's content with the learner's profile (already 0..1);
- similar learners: learners sharing the learner's current occupation who took it, as a share
  of the most-taken such course;
- popularity: log(1 + learners who took it), as a share of the most popular.

No Flask or Celery here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Blend:
    """Weights of the score components, and how many collaborative candidates are scored
    per learner (max(`candidates`, 5 x the number asked for))."""

    collaborative: float = 0.55
    content: float = 0.25
    similar_learners: float = 0.1
    popularity: float = 0.1
    candidates: int = 50

    def total(
        self,
        collaborative: np.ndarray,
        content: np.ndarray,
        similar_learners: np.ndarray,
        popularity: np.ndarray,
    ) -> np.ndarray:
        """The weighted sum, shape (r,), of components each shape (r,) in 0..1."""
        return (
            self.collaborative * collaborative
            + self.content * content
            + self.similar_learners * similar_learners
            + self.popularity * popularity
        ).astype(np.float32)


def share_of_max(values: np.ndarray) -> np.ndarray:
    """`values` (r,) >= 0 divided by their maximum (all zeros when the maximum is 0)."""
    top = float(values.max(initial=0.0))
    return (values / top).astype(np.float32) if top > 0 else np.zeros(len(values), np.float32)


def collaborative_share(positions: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
    """The collaborative component, shape (`size`,): `scores` (k,) of the model's top
    candidates at `positions` (k,) as a share of the best, negatives as 0, the rest 0."""
    out = np.zeros(size, dtype=np.float32)
    clipped = np.maximum(np.asarray(scores, dtype=np.float32), 0.0)
    best = float(clipped.max(initial=0.0))
    if best > 0:
        out[np.asarray(positions, dtype=np.int64)] = clipped / best
    return out


def popularity_share(learners_taken: np.ndarray) -> np.ndarray:
    """The popularity component, shape (r,), from learners who took each course (r,)."""
    return share_of_max(np.log1p(np.asarray(learners_taken, dtype=np.float64)))


#: The weights serving answers with (and the evaluation measures as "hybrid").
DEFAULT_BLEND = Blend()
