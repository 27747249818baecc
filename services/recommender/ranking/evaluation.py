"""Fit every model on a split, score the held-out learners, compare, and tune.

``evaluate(split, models)`` fits each named ``RankerParams`` on ``split.train``, asks for the
top 10 of every learner with a held-out course (already-taken and excluded courses filtered),
and returns the metrics per model, the nDCG@10 ratio of the default model to popularity with a
paired bootstrap interval, coverage@10, novelty@10 and, when the split carries learner and
course groups, the exposure table. ``tune(split, grid)`` does the same on the validation split
(carved out of training rows) and returns the best parameters by nDCG@10.

A ``HybridParams`` model ("hybrid") is what serving answers with: the collaborative model's
top ``Blend.candidates`` scores, the content cosine with the mean content of the learner's
training courses, learners of the same current occupation and popularity, each made 0..1 and
weighted by ``services.recommender.blend`` (the one formula), scored in chunks of learners.
Offline data sets carry no learner goals or level, so the content profile is the training
courses alone; a data set without occupations gives the similar-learner part 0.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from services.recommender.blend import (
    DEFAULT_BLEND,
    Blend,
    collaborative_share,
    popularity_share,
    share_of_max,
)
from services.recommender.content import ContentMatrix, content_scores, learner_profile
from services.recommender.ranking.algorithms import Ranker, RankerParams, fit, normalise_top
from services.recommender.ranking.datasets import Split, validation_split
from services.recommender.ranking.matrix import row_entries
from services.recommender.ranking.metrics import (
    KS,
    RatioInterval,
    bootstrap_ratio,
    coverage_at_k,
    novelty_at_k,
    ranking_metrics,
)

POPULARITY = "popularity"
DEFAULT = "default (tuned ALS)"
HYBRID = "hybrid"
TOP_N = max(KS)
#: Learners the hybrid scores at once: a few dense (chunk, n_courses) float32 arrays.
HYBRID_CHUNK = 1000

#: The issue's reference and the alternatives, beside which the default is judged.
REFERENCE_MODELS: dict[str, RankerParams] = {
    POPULARITY: RankerParams(kind="popularity"),
    "item-kNN cosine": RankerParams(kind="cosine", neighbours=20),
    "item-kNN BM25": RankerParams(kind="bm25-knn", neighbours=20),
    "BPR": RankerParams(
        kind="bpr", factors=64, iterations=100, learning_rate=0.01, regularization=0.01
    ),
    "ALS plain (64 factors, BM25)": RankerParams(kind="als", factors=64, bm25=True),
}


@dataclass(frozen=True)
class HybridParams:
    """The serving blend: ``blend`` over the collaborative model ``collaborative`` (the
    default ALS), content, similar learners and popularity."""

    collaborative: RankerParams
    blend: Blend = DEFAULT_BLEND

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": HYBRID,
            "collaborative": self.collaborative.to_dict(),
            "blend": asdict(self.blend),
        }


ModelParams = RankerParams | HybridParams


def standard_models(default: RankerParams, blend: Blend = DEFAULT_BLEND) -> dict[str, ModelParams]:
    """What ``routeways recommender evaluate`` compares: the reference models, the default
    and the hybrid (``blend``, serving's by default) over the default, whose fit it reuses."""
    return {**REFERENCE_MODELS, DEFAULT: default, HYBRID: HybridParams(default, blend)}


Progress = Callable[[Iterable], Iterable]


def _no_progress(items: Iterable, **_: object) -> Iterable:
    return items


@dataclass
class ModelResult:
    """One model's scores on the held-out learners."""

    name: str
    params: ModelParams
    means: dict[str, float]
    ndcg10: np.ndarray  # (t,) per held-out learner, for the paired bootstrap
    coverage10: float
    novelty10: float
    fit_seconds: float
    recommend_seconds: float
    top: np.ndarray = field(repr=False)  # (t, 10) recommended columns


@dataclass
class Evaluation:
    split_name: str
    description: str
    n_learners: int
    n_courses: int
    n_train: int
    n_test_learners: int
    models: list[ModelResult]
    ratio: RatioInterval | None
    exposure: list[dict] = field(default_factory=list)
    hybrid: HybridSummary | None = None
    exposure_k: int = 0

    def model(self, name: str) -> ModelResult:
        return next(m for m in self.models if m.name == name)


@dataclass
class HybridSummary:
    """What the hybrid had to go on in this split, and its nDCG@10 against popularity and
    the default model on the same learners (paired bootstrap)."""

    blend: Blend
    content_features: int  # distinct content features (0: the content part is 0)
    courses_with_content: int
    occupations: int  # distinct current occupations (0: the similar-learner part is 0)
    vs_popularity: RatioInterval | None
    vs_default: RatioInterval | None


@dataclass(frozen=True)
class HybridSignals:
    """What the hybrid reads from a split besides its collaborative model.

    ``content``: the courses' content (None when the split has none); ``learners_taken``:
    (n_courses,) training learners per course; ``segment_of``: (n_learners,) each learner's
    current-occupation row in ``segment_courses`` (-1: none), ``segment_courses``:
    (n_occupations, n_courses) training learners of each occupation per course, both None
    when the split has no occupations (as training saves them for serving).
    """

    content: ContentMatrix | None
    learners_taken: np.ndarray
    segment_of: np.ndarray | None
    segment_courses: csr_matrix | None

    @classmethod
    def of(cls, split: Split) -> HybridSignals:
        taken = _taken(split.train)
        features = split.course_features
        if features is not None and len(features) != taken.shape[1]:
            raise ValueError(f"{len(features)} course feature lists for {taken.shape[1]} courses")
        content = None if features is None else ContentMatrix.from_features(features)
        learners_taken = np.bincount(taken.indices, minlength=taken.shape[1])
        if split.learner_occupations is None:
            return cls(content, learners_taken, None, None)
        occupations = np.asarray(split.learner_occupations, dtype=object)
        names = sorted({str(o) for o in occupations if o})
        row_of = {name: i for i, name in enumerate(names)}
        segment_of = np.array([row_of.get(str(o), -1) if o else -1 for o in occupations])
        members = np.flatnonzero(segment_of >= 0)
        member = csr_matrix(
            (np.ones(len(members), np.float32), (members, segment_of[members])),
            shape=(taken.shape[0], len(names)),
        )
        return cls(content, learners_taken, segment_of, (member.T @ taken).tocsr())

    @property
    def occupations(self) -> int:
        return 0 if self.segment_courses is None else self.segment_courses.shape[0]


def _taken(matrix: csr_matrix) -> csr_matrix:
    """1.0 where ``matrix`` (r, n) is non-zero, float32 CSR."""
    taken = csr_matrix(matrix != 0, dtype=np.float32)
    taken.sort_indices()
    return taken


def score(
    split: Split, name: str, params: ModelParams, rows: np.ndarray, popularity: np.ndarray
) -> ModelResult:
    """Fit ``params`` on ``split.train`` and score learners ``rows`` (shape (t,))."""
    started = time.perf_counter()
    if isinstance(params, HybridParams):
        ranker = fit(split.train, params.collaborative)
        return measure_hybrid(
            split, name, ranker, params.blend, rows, popularity, time.perf_counter() - started
        )
    ranker = fit(split.train, params)
    return measure(split, name, ranker, rows, popularity, time.perf_counter() - started)


def measure(
    split: Split,
    name: str,
    ranker: Ranker,
    rows: np.ndarray,
    popularity: np.ndarray,
    fit_seconds: float = 0.0,
) -> ModelResult:
    """Score an already fitted ``ranker`` on learners ``rows`` (shape (t,)) of ``split``;
    ``popularity`` (n_courses,) is each course's share of learners, for novelty."""
    started = time.perf_counter()
    top, _ = ranker.recommend(rows, split.train[rows], TOP_N, exclude=split.exclusions[rows])
    seconds = time.perf_counter() - started
    return _result(split, name, ranker.params, top, rows, popularity, fit_seconds, seconds)


def measure_hybrid(
    split: Split,
    name: str,
    ranker: Ranker,
    blend: Blend,
    rows: np.ndarray,
    popularity: np.ndarray,
    fit_seconds: float = 0.0,
    signals: HybridSignals | None = None,
) -> ModelResult:
    """Score the hybrid (``blend`` over the fitted collaborative ``ranker``) on learners
    ``rows`` (shape (t,)); as ``measure``."""
    started = time.perf_counter()
    top, _ = hybrid_top(split, ranker, blend, rows, signals=signals)
    seconds = time.perf_counter() - started
    params = HybridParams(ranker.params, blend)
    return _result(split, name, params, top, rows, popularity, fit_seconds, seconds)


def _result(
    split: Split,
    name: str,
    params: ModelParams,
    top: np.ndarray,
    rows: np.ndarray,
    popularity: np.ndarray,
    fit_seconds: float,
    recommend_seconds: float,
) -> ModelResult:
    per_learner = ranking_metrics(top, split.test[rows])
    return ModelResult(
        name=name,
        params=params,
        means={k: float(v.mean()) for k, v in per_learner.items()},
        ndcg10=per_learner["ndcg@10"],
        coverage10=coverage_at_k(top, split.train.shape[1], 10),
        novelty10=novelty_at_k(top, popularity, 10),
        fit_seconds=fit_seconds,
        recommend_seconds=recommend_seconds,
        top=top,
    )


def hybrid_top(
    split: Split,
    ranker: Ranker,
    blend: Blend,
    rows: np.ndarray,
    n: int = TOP_N,
    signals: HybridSignals | None = None,
    chunk: int = HYBRID_CHUNK,
) -> tuple[np.ndarray, np.ndarray]:
    """The hybrid's best ``n`` courses for learners ``rows`` (shape (t,)), never one in their
    training row nor excluded: ``(columns int64, totals float32)``, each (t, n), padded with
    -1/-inf when fewer courses are left.

    Per chunk of learners: the collaborative top max(``blend.candidates``, 5 x n) from one
    batched ``ranker.recommend``, the content cosine of every course in one sparse product,
    similar-learner and popularity counts; each made 0..1 over the learner's eligible
    courses by ``services.recommender.blend``, and summed by ``Blend.total``.
    """
    signals = HybridSignals.of(split) if signals is None else signals
    rows = np.asarray(rows, dtype=np.int64)
    n_courses = split.train.shape[1]
    candidates = min(max(blend.candidates, 5 * n), n_courses)
    columns = np.full((len(rows), n), -1, dtype=np.int64)
    totals = np.full((len(rows), n), -np.inf, dtype=np.float32)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        train, exclusions = split.train[part], split.exclusions[part]
        taken = _taken(train)
        eligible = ~(taken + _taken(exclusions)).toarray().astype(bool)  # (c, n_courses)
        best, best_scores = ranker.recommend(part, train, candidates, exclude=exclusions)
        collaborative = np.zeros(eligible.shape, dtype=np.float32)
        for i, (found, found_scores) in enumerate(zip(best, best_scores, strict=True)):
            kept = found >= 0
            collaborative[i] = collaborative_share(found[kept], found_scores[kept], n_courses)
        content = _content_block(signals.content, taken)
        similar = np.zeros(eligible.shape, dtype=np.float32)
        if signals.segment_of is not None:
            similar = _per_eligible(share_of_max, _similar_counts(signals, part), eligible)
        popular = _per_eligible(
            popularity_share, np.broadcast_to(signals.learners_taken, eligible.shape), eligible
        )
        total = blend.total(collaborative, content, similar, popular)
        total[~eligible] = -np.inf
        columns[start : start + len(part)], totals[start : start + len(part)] = _best(total, n)
    return columns, totals


def _content_block(content: ContentMatrix | None, taken: csr_matrix) -> np.ndarray:
    """Content cosine of every course for each learner, (c, n_courses): each learner's
    profile is ``learner_profile`` of their training courses (no attributes offline), and
    ``content_scores`` takes the (n_features, c) block of profiles in one sparse product
    (column j of its (n_courses, c) result is learner j's scores)."""
    c, n_courses = taken.shape
    if content is None or c == 0:
        return np.zeros((c, n_courses), dtype=np.float32)
    profiles = np.stack(
        [learner_profile(content, {}, row_entries(taken, i)[0]) for i in range(c)],
        axis=1,
    )  # (n_features, c)
    flat = content_scores(content, profiles, np.arange(n_courses))
    if flat.size != n_courses * c:  # every profile empty: scores are zeros
        return np.zeros((c, n_courses), dtype=np.float32)
    return np.ascontiguousarray(flat.reshape(n_courses, c).T)


def _similar_counts(signals: HybridSignals, rows: np.ndarray) -> np.ndarray:
    """Training learners of each learner's current occupation per course, (c, n_courses)."""
    counts = np.zeros((len(rows), len(signals.learners_taken)), dtype=np.float32)
    if signals.segment_of is None or signals.segment_courses is None:
        return counts
    segments = signals.segment_of[rows]
    known = segments >= 0
    if known.any():
        counts[known] = signals.segment_courses[segments[known]].toarray()
    return counts


def _per_eligible(
    share: Callable[[np.ndarray], np.ndarray], values: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """``share`` (a blend scaling, (r,) -> (r,)) of each learner's row of ``values`` over
    their eligible courses, as serving scales over the courses that pass its filters;
    (c, n_courses), 0 where not eligible."""
    out = np.zeros(eligible.shape, dtype=np.float32)
    for i, mask in enumerate(eligible):
        out[i, mask] = share(values[i, mask])
    return out


def _best(total: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``n`` columns of each row of ``total`` (c, n_courses), ties by column; -inf
    slots dropped and padded (``normalise_top``)."""
    k = min(n, total.shape[1])
    if k == 0:
        return normalise_top(np.empty((len(total), 0)), np.empty((len(total), 0)), n)
    picked = np.argpartition(-total, k - 1, axis=1)[:, :k]
    picked_totals = np.take_along_axis(total, picked, axis=1)
    order = np.lexsort((picked, -picked_totals), axis=1)
    return normalise_top(
        np.take_along_axis(picked, order, axis=1),
        np.take_along_axis(picked_totals, order, axis=1),
        n,
    )


def evaluate(
    split: Split,
    models: dict[str, ModelParams],
    default: str = DEFAULT,
    sample: int | None = None,
    seed: int = 0,
    resamples: int = 2000,
    progress: Progress = _no_progress,
) -> Evaluation:
    """Every model in ``models`` on ``split``; ``sample`` scores a fixed random subset of the
    held-out learners (training always uses every row). A hybrid reuses the fit of a model
    in the run with its collaborative parameters (fitted once either way)."""
    rows = split.test_rows
    if sample is not None and sample < len(rows):
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=sample, replace=False))
    learners_per_course = np.bincount(split.train.indices, minlength=split.train.shape[1])
    popularity = learners_per_course / max(split.train.shape[0], 1)
    shared = {p.collaborative for p in models.values() if isinstance(p, HybridParams)}
    fitted: dict[RankerParams, tuple[Ranker, float]] = {}

    def fitted_ranker(params: RankerParams) -> tuple[Ranker, float]:
        if params in fitted:
            return fitted[params]
        started = time.perf_counter()
        ranker = fit(split.train, params)
        result = ranker, time.perf_counter() - started
        if params in shared:
            fitted[params] = result
        return result

    results = []
    signals = None
    for name, params in progress(list(models.items()), desc="models", unit="model"):
        if isinstance(params, HybridParams):
            ranker, fit_seconds = fitted_ranker(params.collaborative)
            started = time.perf_counter()
            signals = HybridSignals.of(split)
            fit_seconds += time.perf_counter() - started
            results.append(
                measure_hybrid(
                    split, name, ranker, params.blend, rows, popularity, fit_seconds, signals
                )
            )
        else:
            ranker, fit_seconds = fitted_ranker(params)
            results.append(measure(split, name, ranker, rows, popularity, fit_seconds))
    names = [r.name for r in results]

    def ratio_of(name: str, baseline: str) -> RatioInterval | None:
        if name not in names or baseline not in names:
            return None
        return bootstrap_ratio(
            results[names.index(name)].ndcg10,
            results[names.index(baseline)].ndcg10,
            resamples=resamples,
            seed=seed,
        )

    exposure = []
    if default in names:
        exposure = exposure_table(split, rows, results[names.index(default)].top[:, :EXPOSURE_K])
    hybrid = None
    hybrid_params = models.get(HYBRID)
    if isinstance(hybrid_params, HybridParams) and signals is not None:
        content = signals.content
        hybrid = HybridSummary(
            blend=hybrid_params.blend,
            content_features=0 if content is None else len(content.features),
            courses_with_content=0
            if content is None
            else int((content.binary.getnnz(1) > 0).sum()),
            occupations=signals.occupations,
            vs_popularity=ratio_of(HYBRID, POPULARITY),
            vs_default=ratio_of(HYBRID, default),
        )
    return Evaluation(
        split_name=split.name,
        description=split.description,
        n_learners=split.train.shape[0],
        n_courses=split.train.shape[1],
        n_train=int(split.train.nnz),
        n_test_learners=len(rows),
        models=results,
        ratio=ratio_of(default, POPULARITY),
        exposure=exposure,
        hybrid=hybrid,
        exposure_k=EXPOSURE_K if exposure else 0,
    )


#: Exposure is measured on the first recommendations, what a digest and the console lead with:
#: at 10 of OULAD's 22 courses nearly every learner is shown nearly every course group, and the
#: table could not show a group being steered apart.
EXPOSURE_K = 3


def exposure_table(split: Split, rows: np.ndarray, top: np.ndarray) -> list[dict]:
    """Per learner group and course group: the group's share of the recommendations of that
    course group, against its base rate (its share of the learners scored) and against its
    share of the held-out courses of that group (what such learners went on to take).

    ``top``: (t, k) recommended columns of learners ``rows`` (-1: an empty slot). A ratio of
    1.0 means the group is shown that kind of course in proportion to its size; a
    ``vs_held_out`` of 1.0, in proportion to what the group chose next, so a ratio far from
    1.0 with ``vs_held_out`` near 1.0 follows the learners' own choices rather than steering.
    """
    table = []
    shown = top >= 0
    held = split.test[rows].tocoo()
    for attribute, labels in split.learner_groups.items():
        learner_labels = np.asarray(labels)[rows]
        for course_attribute, course_labels in split.course_groups.items():
            course_labels = np.asarray(course_labels)
            rec_labels = np.where(shown, course_labels[np.maximum(top, 0)], None)
            held_labels = course_labels[held.col]
            for course_group in sorted(set(course_labels.tolist())):
                in_course_group = shown & (rec_labels == course_group)
                total = in_course_group.sum()
                held_in_group = held_labels == course_group
                for group in sorted(set(learner_labels.tolist())):
                    mine = learner_labels == group
                    base = float(mine.mean())
                    share = float(in_course_group[mine].sum() / total) if total else 0.0
                    held_mine = held_in_group & (learner_labels[held.row] == group)
                    chose = held_mine.sum() / held_in_group.sum() if held_in_group.any() else 0.0
                    table.append(
                        {
                            "attribute": attribute,
                            "group": group,
                            "course_attribute": course_attribute,
                            "course_group": course_group,
                            "base_rate": base,
                            "share": share,
                            "ratio": share / base if base else float("nan"),
                            "held_out_share": float(chose),
                            "vs_held_out": share / chose if chose else float("nan"),
                        }
                    )
    return table


#: The tuning grid: ALS shape and BM25 weighting, small enough for a 2-core machine.
TUNING_GRID: dict[str, tuple] = {
    "factors": (64, 128),
    "alpha": (1.0, 4.0, 8.0),
    "regularization": (0.01, 1.0),
    "bm25_k1": (100.0, 10.0),
    "bm25_b": (0.8, 1.0),
    "iterations": (15, 30),
}


@dataclass
class Tuning:
    best: RankerParams
    best_ndcg10: float
    trials: list[tuple[RankerParams, float]]


def tune(
    split: Split,
    base: RankerParams,
    grid: dict[str, tuple] | None = None,
    seed: int = 0,
    sample: int | None = None,
    progress: Progress = _no_progress,
) -> Tuning:
    """Best ``base`` variant by validation nDCG@10; the test rows are never used.

    The grid is searched one coordinate at a time (each parameter in turn over its values,
    keeping the best so far), which needs sum(len(values)) fits rather than their product.
    """
    grid = TUNING_GRID if grid is None else grid
    validation = validation_split(split, seed=seed)
    rows = validation.test_rows
    if sample is not None and sample < len(rows):
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=sample, replace=False))
    popularity = np.bincount(validation.train.indices, minlength=validation.train.shape[1])
    popularity = popularity / max(validation.train.shape[0], 1)
    seen: dict[RankerParams, float] = {}

    def trial(params: RankerParams) -> float:
        if params not in seen:
            result = score(validation, "trial", params, rows, popularity)
            seen[params] = result.means["ndcg@10"]
        return seen[params]

    best = base
    steps = [(name, value) for name, values in grid.items() for value in values]
    for name, value in progress(steps, desc="tuning", unit="fit"):
        candidate = best.with_changes(**{name: value})
        if trial(candidate) > trial(best):
            best = candidate
    return Tuning(best, seen[best], list(seen.items()))


def grid_size(grid: dict[str, tuple]) -> int:
    """Number of points of the full product grid (for the report's honesty)."""
    return len(list(itertools.product(*grid.values())))
