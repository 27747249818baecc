"""Courses like a given one: "learners who took this also took" from the serving model, and
shared content (skills, occupations, sector, level), blended.

Only published courses with facts are answered, and never the course itself. A course the model
was not trained on is compared through its content-made factors (`serving.Snapshot`), or by
content alone when the model has no course factors. The score is
`COLLABORATIVE x (model similarity as a share of the best) + CONTENT x (content cosine)`;
each answer says which features it shares. No Flask or Celery here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.recommender.blend import collaborative_share
from services.recommender.serving import Snapshot

#: Weights of the two parts of a similarity score.
COLLABORATIVE, CONTENT = 0.6, 0.4
#: Model neighbours read per answer (some may be withdrawn): max(this, 5 x n).
NEIGHBOURS = 50


class UnknownCourse(LookupError):  # noqa: N818 - reads as what happened
    """The course is not published (or its facts have not been read yet)."""


@dataclass(frozen=True)
class SimilarCourse:
    """One course like the asked one, with the parts of its score and what they share."""

    course_id: int
    provider_id: int
    title: str | None
    score: float
    collaborative: float
    content: float
    shared: tuple[str, ...]
    reason: str


def similar_courses(snapshot: Snapshot, course_id: int, n: int) -> list[SimilarCourse]:
    """Up to `n` published courses most like `course_id`, best first."""
    index = snapshot.index
    if course_id not in index.row_of:
        raise UnknownCourse(f"course {course_id} is not published")
    row = index.row_of[course_id]
    content = np.asarray((index.content.rows @ index.content.rows[row].T).todense()).ravel()
    collaborative = _collaborative(snapshot, row, max(NEIGHBOURS, 5 * n))
    total = COLLABORATIVE * collaborative + CONTENT * content
    total[row] = -np.inf
    order = np.lexsort((index.table.ids, -total))
    chosen = [int(r) for r in order[:n] if total[r] > 0]
    own = set(index.content.binary[row].indices)
    return [_similar(snapshot, r, own, total, collaborative, content) for r in chosen]


def _collaborative(snapshot: Snapshot, row: int, k: int) -> np.ndarray:
    """The model's similarity of every index row to `row` (its top `k` neighbours as a share
    of the best; 0 for the rest, and for all when no model or no course factors)."""
    ranker = snapshot.ranker
    if ranker is None or snapshot.column_of_row[row] < 0:
        return np.zeros(len(snapshot.index), dtype=np.float32)
    columns, scores = ranker.similar_courses(int(snapshot.column_of_row[row]), k)
    row_of_column = {int(c): r for r, c in enumerate(snapshot.column_of_row)}
    pairs = zip(columns.tolist(), scores.tolist(), strict=True)
    found = [(row_of_column[c], s) for c, s in pairs if c in row_of_column]
    rows = np.array([r for r, _ in found], dtype=np.int64)
    values = np.array([s for _, s in found], dtype=np.float32)
    return collaborative_share(rows, values, len(snapshot.index))


def _similar(
    snapshot: Snapshot,
    row: int,
    own: set[int],
    total: np.ndarray,
    collaborative: np.ndarray,
    content: np.ndarray,
) -> SimilarCourse:
    index = snapshot.index
    features = index.content.features
    common = [int(f) for f in index.content.binary[row].indices if int(f) in own]
    shared = tuple(sorted(str(name) for name in features.ids(common)))
    return SimilarCourse(
        course_id=int(index.table.ids[row]),
        provider_id=int(index.table.provider_ids[row]),
        title=index.titles[row],
        score=round(float(total[row]), 6),
        collaborative=round(float(collaborative[row]), 4),
        content=round(float(content[row]), 4),
        shared=shared,
        reason=similarity_reason(float(collaborative[row]), shared),
    )


def similarity_reason(collaborative: float, shared: tuple[str, ...]) -> str:
    """One sentence, claiming only what the parts show."""
    why = []
    if collaborative > 0:
        why.append("learners who took that course also took this one")
    skills = [f.removeprefix("skill:") for f in shared if f.startswith("skill:")]
    if skills:
        why.append("it also teaches " + ", ".join(skills))
    occupations = [f.removeprefix("occupation:") for f in shared if f.startswith("occupation:")]
    if occupations:
        why.append("it leads to the same occupation " + ", ".join(occupations))
    if any(f.startswith("sector:") for f in shared) and not (skills or occupations):
        why.append("it is in the same sector")
    if not why:
        why.append("it is at the same level")
    return "Similar because " + "; ".join(why) + "."
