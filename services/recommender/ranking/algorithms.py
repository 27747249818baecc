"""Popularity, item-kNN (cosine, BM25), BPR and ALS behind one small interface.

``fit(confidence, params) -> Ranker``; every ``Ranker`` answers

- ``recommend(rows, user_items, n, exclude=None, filter_courses=None)`` ->
  ``(columns, scores)``, both shape (len(rows), n): best first, padded with column -1 and
  score -inf when fewer than ``n`` courses are left (implicit's filtered calls return
  filtered courses with score -FLT_MAX, or fewer or more rows than asked: we always
  normalise to exactly ``n``);
- ``similar_courses(column, n)`` -> ``(columns, scores)`` shape (n,), padded the same way;
- ``refresh_learners(rows, user_items)``: new factors for learners from their WHOLE history
  rows (implicit's ``partial_fit_users``); passing only the newest event would compute factors
  for a learner who did just that one thing. ``recommend(..., recalculate=True)`` does the
  same without storing (implicit's ``recalculate_user``), for a learner whose history moved on
  since training or who is new to the model;
- ``with_courses(course_factors)``: a copy that also ranks courses published after training,
  given factors for them (built from their content, see ``services.recommender.content``).

Training and scoring run under ``threadpool_limits(1, "blas")`` with implicit's own
``num_threads``, as implicit recommends.
"""

from __future__ import annotations

import copy
import functools
import warnings
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_info, threadpool_limits

from services.recommender.ranking.matrix import with_shape

KINDS = ("popularity", "cosine", "bm25-knn", "bpr", "als")
MISSING = -1
_CHUNK = 1024  # learners scored at once by the popularity ranker
_FILTERED = -np.finfo(np.float32).max / 2  # implicit marks filtered slots with -FLT_MAX
#: Below this share of the courses, the candidates' factors are gathered before the product;
#: above it, every course is scored and the candidates taken out. On 50,000 x 128 factors, one
#: sgemv over all of them took ~1.6 ms whatever the share, gathering (np.take) then sgemv
#: 0.29 ms at 5%, 0.87 at 15%, 1.14 at 20%, 1.79 at 30%, 3.1 at 50% (interleaved, one thread).
FULL_PRODUCT_SHARE = 0.25


@dataclass(frozen=True)
class RankerParams:
    """Hyper-parameters of one model; fields a kind does not use are ignored.

    ``bm25_k1``/``bm25_b``: the BM25 scorer of ``bm25-knn`` (implicit defaults 1.2/0.75), or
    the BM25 weighting of ``als``/``bpr`` confidence when ``bm25`` is on (defaults 100/0.8, as
    implicit's lastfm example). ``bm25_by``: "learner" (default) weighs the learner x course
    matrix as it is (idf per course), "course" its transpose as the lastfm example does.
    """

    kind: str = "als"
    factors: int = 64
    regularization: float = 0.01
    iterations: int = 15
    alpha: float = 1.0
    learning_rate: float = 0.01
    neighbours: int = 20
    bm25: bool = False
    bm25_k1: float | None = None
    bm25_b: float | None = None
    bm25_by: str = "learner"
    random_state: int = 42
    num_threads: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown ranker kind {self.kind!r}; one of {KINDS}")
        if self.bm25_by not in ("course", "learner"):
            raise ValueError("bm25_by is 'course' or 'learner'")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RankerParams:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})

    def with_changes(self, **changes: Any) -> RankerParams:
        return replace(self, **changes)


@dataclass(frozen=True)
class Bm25Weighting:
    """implicit's ``bm25_weight`` with its statistics kept, so one learner's row can be weighted
    later exactly as the training matrix was (needed to refresh a learner consistently).

    by="course": documents are courses, terms learners (idf per learner from the row's own
    course count; length norm per course from training). by="learner": documents are
    learners, terms courses (idf per course from training; length norm from the row's sum).
    """

    by: str
    k1: float
    b: float
    n_learners: int
    n_courses: int
    course_counts: np.ndarray  # (n_courses,) learners per course
    course_sums: np.ndarray  # (n_courses,) confidence per course
    mean_length: float  # mean document length (course or learner sum)

    @classmethod
    def learn(cls, user_items: csr_matrix, k1: float, b: float, by: str) -> Bm25Weighting:
        n_learners, n_courses = user_items.shape
        course_sums = np.asarray(user_items.sum(axis=0)).ravel()
        course_counts = np.bincount(user_items.indices, minlength=n_courses)
        if by == "course":
            mean_length = float(course_sums.mean())
        else:
            mean_length = float(np.asarray(user_items.sum(axis=1)).mean())
        return cls(by, k1, b, n_learners, n_courses, course_counts, course_sums, mean_length)

    def apply(self, user_items: csr_matrix) -> csr_matrix:
        """Weighted copy of ``user_items`` (rows, n_courses) float32; columns beyond the
        training courses count as never seen."""
        x = csr_matrix(user_items, dtype=np.float64, copy=True)
        n_rows, n_cols = x.shape
        rows = np.repeat(np.arange(n_rows), np.diff(x.indptr))
        cols = x.indices
        counts = np.zeros(n_cols)
        sums = np.zeros(n_cols)
        known = min(n_cols, self.n_courses)
        counts[:known], sums[:known] = self.course_counts[:known], self.course_sums[:known]
        if self.by == "course":
            idf = np.log(self.n_courses) - np.log1p(np.diff(x.indptr))  # per learner (row)
            norm = (1.0 - self.b) + self.b * sums / self.mean_length  # per course
            x.data = x.data * (self.k1 + 1.0) / (self.k1 * norm[cols] + x.data) * idf[rows]
        else:
            idf = np.log(self.n_learners) - np.log1p(counts)  # per course
            lengths = np.asarray(x.sum(axis=1)).ravel()
            norm = (1.0 - self.b) + self.b * lengths / self.mean_length  # per learner
            x.data = x.data * (self.k1 + 1.0) / (self.k1 * norm[rows] + x.data) * idf[cols]
        return csr_matrix(x, dtype=np.float32)


@functools.cache
def _blas_single_threaded() -> bool:
    """Whether every BLAS library loaded runs one thread already (asked once per process)."""
    return all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def one_blas_thread() -> AbstractContextManager:
    """`threadpool_limits(1, "blas")`, as implicit asks, unless BLAS already runs one thread
    (OPENBLAS_NUM_THREADS=1, which every Routeways process sets): entering the limit costs
    about 0.35 ms, more than refreshing one learner's factors."""
    return nullcontext() if _blas_single_threaded() else threadpool_limits(1, "blas")


class Ranker(ABC):
    """A fitted model over ``n_courses`` columns; see the module docstring for the contract."""

    params: RankerParams
    n_courses: int

    def recommend(
        self,
        rows: np.ndarray,
        user_items: csr_matrix,
        n: int,
        exclude: csr_matrix | None = None,
        filter_courses: np.ndarray | None = None,
        recalculate: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` courses for learners ``rows`` (shape (r,)).

        ``user_items``: (r, any) the learners' confidence rows, already-liked courses are
        never recommended; ``exclude``: (r, any) per-learner courses never to recommend
        (dismissed, completed elsewhere, ...); ``filter_courses``: columns excluded for all
        (withdrawn); ``recalculate``: score from factors computed now from ``user_items``
        (the whole rows) instead of the stored ones (kinds without learner factors ignore it).
        Returns ``(columns int64, scores float32)``, each (r, n).
        """
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if rows.ndim != 1:
            raise ValueError("rows must be one-dimensional")
        if user_items.shape[0] != len(rows):
            raise ValueError(f"user_items has {user_items.shape[0]} rows for {len(rows)} learners")
        if exclude is not None and exclude.shape[0] != len(rows):
            raise ValueError(f"exclude has {exclude.shape[0]} rows for {len(rows)} learners")
        if n <= 0:
            return np.empty((len(rows), 0), np.int64), np.empty((len(rows), 0), np.float32)
        items = with_shape(user_items, len(rows), self.n_courses)
        extra = 0 if exclude is None else int(np.diff(exclude.indptr).max(initial=0))
        fetch = min(n + extra, self.n_courses)
        global_filter = (
            None
            if filter_courses is None or len(filter_courses) == 0
            else np.unique(np.asarray(filter_courses, dtype=np.int32))
        )
        with one_blas_thread():
            columns, scores = self._top(rows, items, fetch, global_filter, recalculate)
        # implicit's kNN scorer can hand back already-taken courses when n is large: drop
        # them here together with the per-learner exclusions
        taken = csr_matrix(items, copy=True)
        taken.data[:] = 1.0
        banned = (
            taken if exclude is None else taken + with_shape(exclude, len(rows), self.n_courses)
        )
        return normalise_top(columns, scores, n, banned)

    @property
    def can_recalculate(self) -> bool:
        """Whether ``recommend(..., recalculate=True)`` scores a learner the model never met."""
        return False

    def refresh_learner(self, row: int, user_items_row: csr_matrix) -> None:
        """Recompute one learner from their whole history row, shape (1, n_courses)."""
        if user_items_row.shape[0] != 1:
            raise ValueError("refresh_learner takes one learner's whole row, shape (1, n)")
        self.refresh_learners(np.array([row]), user_items_row)

    @abstractmethod
    def _top(
        self,
        rows: np.ndarray,
        items: csr_matrix,
        n: int,
        filter_courses: np.ndarray | None,
        recalculate: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each kind's own top-``n`` (before exclusions are dropped and shapes normalised)."""

    @abstractmethod
    def similar_courses(self, column: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Courses most like ``column`` (itself excluded), shape (n,) each, padded."""

    @abstractmethod
    def score_courses(
        self, row: int | None, user_items: csr_matrix, columns: np.ndarray, recalculate: bool
    ) -> np.ndarray | None:
        """One learner's scores for `columns` (shape (c,)), for serving: what `recommend`
        computes, without its top-N, filtering and shape normalisation (the caller has chosen
        the candidates, and drops the courses already in the learner's row).

        `row`: the learner's row, None when the model never met them; `user_items`: their
        whole confidence row (1, any); `recalculate`: factors from that row now. None when
        the model cannot score this learner (a factor model without factors for them that
        cannot recalculate)."""

    @abstractmethod
    def refresh_learners(self, rows: np.ndarray, user_items: csr_matrix) -> None:
        """Recompute learners ``rows`` (shape (r,)) from their whole history rows (r, n)."""

    @abstractmethod
    def with_courses(self, course_factors: np.ndarray) -> Ranker:
        """A copy ranking ``len(course_factors)`` more courses, appended as columns after
        ``n_courses``; ``course_factors`` (m, factors) for factor models, ignored otherwise
        (the new columns then score nothing of their own)."""


def normalise_top(
    columns: np.ndarray, scores: np.ndarray, n: int, exclude: csr_matrix | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exactly ``n`` best columns per row: drop padded/filtered slots (id < 0 or score at
    implicit's -FLT_MAX) and per-row ``exclude`` columns, keep order, pad with -1/-inf.

    ``columns``/``scores``: (r, m) as any implicit call returns them, m may be < or > n.
    """
    columns = np.atleast_2d(np.asarray(columns, dtype=np.int64))
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
    if columns.shape != scores.shape:
        raise ValueError(f"columns {columns.shape} and scores {scores.shape} differ")
    keep = (columns >= 0) & (scores > _FILTERED) & np.isfinite(scores)
    if exclude is not None and exclude.nnz:
        width = max(int(columns.max(initial=0)), exclude.shape[1]) + 1
        excluded = exclude.tocoo()
        banned = excluded.row.astype(np.int64) * width + excluded.col
        keys = np.arange(columns.shape[0])[:, None] * width + np.maximum(columns, 0)
        keep &= ~np.isin(keys, banned)
    order = np.argsort(~keep, axis=1, kind="stable")  # kept slots first, in their order
    columns = np.take_along_axis(columns, order, axis=1)
    scores = np.take_along_axis(scores, order, axis=1)
    keep = np.take_along_axis(keep, order, axis=1)
    columns = np.where(keep, columns, MISSING)
    scores = np.where(keep, scores, -np.inf).astype(np.float32)
    r, m = columns.shape
    if m < n:
        columns = np.hstack([columns, np.full((r, n - m), MISSING, np.int64)])
        scores = np.hstack([scores, np.full((r, n - m), -np.inf, np.float32)])
    return columns[:, :n], scores[:, :n]


class PopularityRanker(Ranker):
    """Courses by how many learners took them in training; the same list for everyone."""

    def __init__(self, confidence: csr_matrix, params: RankerParams) -> None:
        self.params = params
        self.n_courses = confidence.shape[1]
        self.counts = np.bincount(confidence.indices, minlength=self.n_courses).astype(np.float32)

    def _top(
        self,
        rows: np.ndarray,
        items: csr_matrix,
        n: int,
        filter_courses: np.ndarray | None,
        recalculate: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        base = self.counts.copy()
        if filter_courses is not None:
            base[filter_courses] = -np.inf
        n = min(n, self.n_courses)
        columns = np.empty((len(rows), n), np.int64)
        scores = np.empty((len(rows), n), np.float32)
        for start in range(0, len(rows), _CHUNK):
            chunk = items[start : start + _CHUNK]
            dense = np.tile(base, (chunk.shape[0], 1))  # (chunk, n_courses)
            dense[
                np.repeat(np.arange(chunk.shape[0]), np.diff(chunk.indptr)), chunk.indices
            ] = -np.inf
            best = np.argpartition(-dense, n - 1, axis=1)[:, :n]
            best_scores = np.take_along_axis(dense, best, axis=1)
            order = np.lexsort((best, -best_scores), axis=1)
            columns[start : start + _CHUNK] = np.take_along_axis(best, order, axis=1)
            scores[start : start + _CHUNK] = np.take_along_axis(best_scores, order, axis=1)
        return columns, scores

    def score_courses(
        self, row: int | None, user_items: csr_matrix, columns: np.ndarray, recalculate: bool
    ) -> np.ndarray:
        return self.counts[columns]

    def refresh_learners(self, rows: np.ndarray, user_items: csr_matrix) -> None:
        """Nothing to recompute: popularity keeps no per-learner state (the row is read at
        ask time to drop courses already taken)."""

    def with_courses(self, course_factors: np.ndarray) -> PopularityRanker:
        """New courses count nobody yet."""
        extended = PopularityRanker(csr_matrix((0, 0)), self.params)
        extended.counts = np.concatenate([self.counts, np.zeros(len(course_factors), np.float32)])
        extended.n_courses = len(extended.counts)
        return extended

    def similar_courses(self, column: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        best = np.argsort(-self.counts, kind="stable")
        best = best[best != column][:n]
        columns, scores = normalise_top(best[None, :], self.counts[best][None, :], n)
        return columns[0], scores[0]


class ImplicitRanker(Ranker):
    """Any implicit model; ``weighting`` is the BM25 applied to confidence before fitting."""

    def __init__(
        self, model: Any, params: RankerParams, n_courses: int, weighting: Bm25Weighting | None
    ) -> None:
        self.model = model
        self.params = params
        self.n_courses = n_courses
        self.weighting = weighting

    @property
    def n_learners(self) -> int:
        factors = getattr(self.model, "user_factors", None)
        return -1 if factors is None else int(factors.shape[0])

    @property
    def can_recalculate(self) -> bool:
        return hasattr(self.model, "recalculate_user") and hasattr(self.model, "partial_fit_users")

    def _top(
        self,
        rows: np.ndarray,
        items: csr_matrix,
        n: int,
        filter_courses: np.ndarray | None,
        recalculate: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        recalculate = recalculate and self.can_recalculate
        known = self.n_learners
        if not recalculate and known >= 0 and len(rows) and rows.max() >= known:
            raise KeyError(
                f"learner row {int(rows.max())} has no factors (model knows {known}); "
                "refresh_learner it first"
            )
        if recalculate and self.weighting is not None:
            items = self.weighting.apply(items)  # factors come from the row as trained
        return self.model.recommend(
            rows,
            items,
            N=n,
            filter_already_liked_items=True,
            filter_items=filter_courses,
            recalculate_user=recalculate,
        )

    def similar_courses(self, column: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        with one_blas_thread():
            columns, scores = self.model.similar_items(int(column), N=n + 1)
        columns, scores = np.asarray(columns), np.asarray(scores)
        own = columns != column
        columns, scores = normalise_top(columns[own][None, :], scores[own][None, :], n)
        return columns[0], scores[0]

    def score_courses(
        self, row: int | None, user_items: csr_matrix, columns: np.ndarray, recalculate: bool
    ) -> np.ndarray | None:
        items = with_shape(user_items, 1, self.n_courses)
        factors = self.course_factors
        if factors is None:  # item-kNN: the row times the similarity matrix
            return np.asarray((items @ self.model.similarity)[:, columns].todense()).ravel()
        if recalculate and self.can_recalculate:
            weighted = items if self.weighting is None else self.weighting.apply(items)
            learner = self.model.recalculate_user(0, weighted)
        elif row is not None and 0 <= row < self.n_learners:
            learner = self.model.user_factors[row]
        else:
            return None
        return factors_times(factors, columns, learner)

    def refresh_learners(self, rows: np.ndarray, user_items: csr_matrix) -> None:
        if not self.can_recalculate:
            return  # item-kNN scores from the row at ask time; BPR keeps its factors
        rows = np.asarray(rows, dtype=np.int64)
        if user_items.shape[0] != len(rows):
            raise ValueError(f"user_items has {user_items.shape[0]} rows for {len(rows)} learners")
        if len(rows) == 0:
            return
        weighted = with_shape(user_items, len(rows), self.n_courses)
        if self.weighting is not None:
            weighted = self.weighting.apply(weighted)
        if not self.model.user_factors.flags.writeable:  # memory-mapped read-only from disk
            self.model.user_factors = np.array(self.model.user_factors)
        with one_blas_thread():
            self.model.partial_fit_users(rows, weighted)

    @property
    def course_factors(self) -> np.ndarray | None:
        """(n_courses, factors) for matrix factorisation, None for item-kNN."""
        return getattr(self.model, "item_factors", None)

    def with_courses(self, course_factors: np.ndarray) -> ImplicitRanker:
        """Factor models get the new rows of item factors; YtY (the sum over every course that
        recalculating a learner weighs as "not taken") stays the trained courses' own, so
        content-made factors do not shift learners. Item-kNN has no factors: its similarity
        matrix is widened with empty rows and columns (new courses score nothing there)."""
        model = copy.copy(self.model)
        extra = len(course_factors)
        if self.course_factors is not None:
            if hasattr(self.model, "YtY"):
                model._YtY = self.model.YtY
            model.item_factors = np.vstack(
                [self.course_factors, np.asarray(course_factors, dtype=self.course_factors.dtype)]
            )
            model._item_norms = None
        else:
            from implicit._nearest_neighbours import NearestNeighboursScorer

            similarity = self.model.similarity.copy()
            similarity.resize((self.n_courses + extra, self.n_courses + extra))
            model.similarity = similarity
            model.scorer = NearestNeighboursScorer(similarity)
        return ImplicitRanker(model, self.params, self.n_courses + extra, self.weighting)


def factors_times(factors: np.ndarray, columns: np.ndarray, learner: np.ndarray) -> np.ndarray:
    """`factors[columns] @ learner`, shape (len(columns),): `factors` (n_courses, f), `columns`
    (c,) int, `learner` (f,). The method follows the share of courses asked for
    (`FULL_PRODUCT_SHARE`); the same columns always take the same method, so serving and the
    batch path, which ask for the same columns, get the same bits."""
    if len(columns) >= FULL_PRODUCT_SHARE * len(factors):
        return (factors @ learner)[columns]
    # np.take copies the same rows as factors[columns] in about half the time (0.29 against
    # 0.52 ms for 4,857 of 50,000 x 128), so the product gets the same bits
    return np.take(factors, columns, axis=0) @ learner


def fit(confidence: csr_matrix, params: RankerParams, show_progress: bool = False) -> Ranker:
    """Train ``params.kind`` on ``confidence`` (n_learners, n_courses) float32 CSR."""
    confidence = csr_matrix(confidence, dtype=np.float32)
    n_courses = confidence.shape[1]
    if params.kind == "popularity":
        return PopularityRanker(confidence, params)
    weighting = None
    train = confidence
    if params.bm25 and params.kind in ("als", "bpr"):
        k1 = 100.0 if params.bm25_k1 is None else params.bm25_k1
        b = 0.8 if params.bm25_b is None else params.bm25_b
        weighting = Bm25Weighting.learn(confidence, k1, b, params.bm25_by)
        train = weighting.apply(confidence)
    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        # implicit's CosineRecommender normalises the CSR we pass into a COO matrix of its own
        # and then warns about it (implicit 0.7.3, nearest_neighbours.py): nothing to fix here
        warnings.filterwarnings("ignore", message="Method expects CSR input, and was passed coo")
        model = _new_model(params)
        model.fit(train, show_progress=show_progress)
    return ImplicitRanker(model, params, n_courses, weighting)


def _new_model(params: RankerParams) -> Any:
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

    threads = params.num_threads
    if params.kind == "cosine":
        model: Any = CosineRecommender(K=params.neighbours, num_threads=threads)
    elif params.kind == "bm25-knn":
        model = BM25Recommender(
            K=params.neighbours,
            K1=1.2 if params.bm25_k1 is None else params.bm25_k1,
            B=0.75 if params.bm25_b is None else params.bm25_b,
            num_threads=threads,
        )
    elif params.kind == "bpr":
        model = BayesianPersonalizedRanking(
            factors=params.factors,
            learning_rate=params.learning_rate,
            regularization=params.regularization,
            iterations=params.iterations,
            num_threads=threads,
            random_state=params.random_state,
            use_gpu=False,
        )
    else:
        model = AlternatingLeastSquares(
            factors=params.factors,
            regularization=params.regularization,
            alpha=params.alpha,
            iterations=params.iterations,
            num_threads=threads,
            random_state=params.random_state,
            use_gpu=False,
        )
    return model


#: The service's default model: ALS on BM25-weighted confidence, with the parameters
#: `routeways recommender tune --data mooccubex-cf` chose on the validation split
#: (docs/evaluation/mooccubex-cf-params.json).
DEFAULT_PARAMS = RankerParams(
    kind="als",
    factors=128,
    regularization=1.0,
    iterations=30,
    alpha=4.0,
    bm25=True,
    bm25_k1=10.0,
    bm25_b=1.0,
    bm25_by="learner",
)
