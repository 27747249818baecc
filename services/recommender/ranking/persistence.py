"""Rankers and their id maps on disk, so a trained version can be served by another process.

A folder holds `params.json`, `learners.json` / `courses.json` (the id maps: row i is the i-th
id), and the model: implicit's own `.npz` (`model.save`) for matrix factorisation and item-kNN,
`popularity.npz` for the popularity ranker, plus `bm25.npz` when confidence was BM25-weighted
(refreshing a learner later must weigh their row exactly as training did). No pickle: every
array is loaded with `allow_pickle=False`.

Matrix factorisation keeps the learners' factors out of the `.npz`, in `user_factors.npy`:
serving processes memory-map it read-only (every process shares one copy in the page cache),
and erasing a learner zeroes their row in place (`erase_learner`), which every mapping sees,
instead of rewriting hundreds of megabytes per erasure.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from services.recommender.ranking.algorithms import (
    Bm25Weighting,
    ImplicitRanker,
    PopularityRanker,
    Ranker,
    RankerParams,
)
from services.recommender.ranking.matrix import IdMap

PARAMS, LEARNERS, COURSES = "params.json", "learners.json", "courses.json"
MODEL, POPULARITY, BM25 = "model.npz", "popularity.npz", "bm25.npz"
USER_FACTORS = "user_factors.npy"
SIGNALS, SEGMENTS = "signals.npz", "segments.json"


def save_signals(
    folder: Path, course_learners: np.ndarray, segments: IdMap, segment_courses: csr_matrix
) -> None:
    """The version's non-personal counts beside the model: learners who took each course
    (n_courses,), and per segment (a current occupation) how many of its learners took each
    course (n_segments, n_courses) CSR; cold start and reasons read them."""
    folder = Path(folder)
    segment_courses = csr_matrix(segment_courses, dtype=np.float32)
    np.savez(
        folder / SIGNALS,
        course_learners=np.asarray(course_learners, dtype=np.float32),
        data=segment_courses.data,
        indices=segment_courses.indices,
        indptr=segment_courses.indptr,
        shape=np.array(segment_courses.shape),
    )
    (folder / SEGMENTS).write_text(json.dumps(segments.to_list()))


def load_signals(folder: Path) -> tuple[np.ndarray, IdMap, csr_matrix] | None:
    """What `save_signals` wrote, or None for a version saved without it."""
    folder = Path(folder)
    if not (folder / SIGNALS).is_file():
        return None
    with np.load(folder / SIGNALS, allow_pickle=False) as data:
        segment_courses = csr_matrix(
            (data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"])
        )
        course_learners = data["course_learners"]
    return course_learners, IdMap(json.loads((folder / SEGMENTS).read_text())), segment_courses


def save_ranker(ranker: Ranker, learners: IdMap, courses: IdMap, folder: Path) -> None:
    """Write `ranker` and the id maps it is aligned to into `folder`."""
    folder = Path(folder)
    (folder / PARAMS).write_text(
        json.dumps({"params": ranker.params.to_dict(), "n_courses": ranker.n_courses})
    )
    (folder / LEARNERS).write_text(json.dumps(learners.to_list()))
    (folder / COURSES).write_text(json.dumps(courses.to_list()))
    if isinstance(ranker, PopularityRanker):
        np.savez(folder / POPULARITY, counts=ranker.counts)
        return
    if not isinstance(ranker, ImplicitRanker):
        raise TypeError(f"cannot save a {type(ranker).__name__}")
    user_factors = getattr(ranker.model, "user_factors", None)
    if user_factors is None:
        ranker.model.save(str(folder / MODEL))
    else:
        np.save(folder / USER_FACTORS, np.ascontiguousarray(user_factors))
        ranker.model.user_factors = np.empty((0, user_factors.shape[1]), user_factors.dtype)
        try:
            ranker.model.save(str(folder / MODEL))
        finally:
            ranker.model.user_factors = user_factors
    if ranker.weighting is not None:
        w = ranker.weighting
        np.savez(
            folder / BM25,
            by=np.array(w.by),
            k1=w.k1,
            b=w.b,
            n_learners=w.n_learners,
            n_courses=w.n_courses,
            course_counts=w.course_counts,
            course_sums=w.course_sums,
            mean_length=w.mean_length,
        )


def load_ranker(folder: Path) -> tuple[Ranker, IdMap, IdMap]:
    """The ranker saved in `folder` and its learner and course id maps."""
    folder = Path(folder)
    saved = json.loads((folder / PARAMS).read_text())
    params = RankerParams.from_dict(saved["params"])
    learners = IdMap(json.loads((folder / LEARNERS).read_text()))
    courses = IdMap(json.loads((folder / COURSES).read_text()))
    if params.kind == "popularity":
        with np.load(folder / POPULARITY, allow_pickle=False) as data:
            ranker: Ranker = PopularityRanker(csr_matrix((0, saved["n_courses"])), params)
            ranker.counts = data["counts"]
        return ranker, learners, courses
    model = _model_class(params).load(str(folder / MODEL))
    if (folder / USER_FACTORS).is_file():
        model.user_factors = np.load(folder / USER_FACTORS, mmap_mode="r", allow_pickle=False)
    weighting = None
    if (folder / BM25).is_file():
        with np.load(folder / BM25, allow_pickle=False) as data:
            weighting = Bm25Weighting(
                by=str(data["by"]),
                k1=float(data["k1"]),
                b=float(data["b"]),
                n_learners=int(data["n_learners"]),
                n_courses=int(data["n_courses"]),
                course_counts=data["course_counts"],
                course_sums=data["course_sums"],
                mean_length=float(data["mean_length"]),
            )
    return ImplicitRanker(model, params, saved["n_courses"], weighting), learners, courses


def _model_class(params: RankerParams) -> type:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

    return {
        "als": AlternatingLeastSquares,
        "bpr": BayesianPersonalizedRanking,
        "cosine": CosineRecommender,
        "bm25-knn": BM25Recommender,
    }[params.kind]


def erase_learner(folder: Path, learner_id: object) -> bool:
    """Zero the learner's factors in the version saved in `folder`, in place; True if the
    version held them. Their id stays in `learners.json` so rows keep their meaning (the
    erased-learners tombstone keeps the id anyway); the factors, learnt from what they did,
    are gone from disk and from every process that maps the file."""
    folder = Path(folder)
    learners = IdMap(json.loads((folder / LEARNERS).read_text()))
    path = folder / USER_FACTORS
    if learner_id not in learners or not path.is_file():
        return False
    factors = np.load(path, mmap_mode="r+", allow_pickle=False)
    factors[learners.index(learner_id)] = 0.0
    factors.flush()
    del factors
    return True
