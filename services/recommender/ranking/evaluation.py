"""Fit every model on a split, score the held-out learners, compare, and tune.

``evaluate(split, models)`` fits each named ``RankerParams`` on ``split.train``, asks for the
top 10 of every learner with a held-out course (already-taken and excluded courses filtered),
and returns the metrics per model, the nDCG@10 ratio of the default model to popularity with a
paired bootstrap interval, coverage@10, novelty@10 and, when the split carries learner and
course groups, the exposure table. ``tune(split, grid)`` does the same on the validation split
(carved out of training rows) and returns the best parameters by nDCG@10.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from services.recommender.ranking.algorithms import Ranker, RankerParams, fit
from services.recommender.ranking.datasets import Split, validation_split
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
TOP_N = max(KS)

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

Progress = Callable[[Iterable], Iterable]


def _no_progress(items: Iterable, **_: object) -> Iterable:
    return items


@dataclass
class ModelResult:
    """One model's scores on the held-out learners."""

    name: str
    params: RankerParams
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

    def model(self, name: str) -> ModelResult:
        return next(m for m in self.models if m.name == name)


def score(
    split: Split, name: str, params: RankerParams, rows: np.ndarray, popularity: np.ndarray
) -> ModelResult:
    """Fit ``params`` on ``split.train`` and score learners ``rows`` (shape (t,))."""
    started = time.perf_counter()
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
    done = time.perf_counter()
    per_learner = ranking_metrics(top, split.test[rows])
    return ModelResult(
        name=name,
        params=ranker.params,
        means={k: float(v.mean()) for k, v in per_learner.items()},
        ndcg10=per_learner["ndcg@10"],
        coverage10=coverage_at_k(top, split.train.shape[1], 10),
        novelty10=novelty_at_k(top, popularity, 10),
        fit_seconds=fit_seconds,
        recommend_seconds=done - started,
        top=top,
    )


def evaluate(
    split: Split,
    models: dict[str, RankerParams],
    default: str = DEFAULT,
    sample: int | None = None,
    seed: int = 0,
    resamples: int = 2000,
    progress: Progress = _no_progress,
) -> Evaluation:
    """Every model in ``models`` on ``split``; ``sample`` scores a fixed random subset of the
    held-out learners (training always uses every row)."""
    rows = split.test_rows
    if sample is not None and sample < len(rows):
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=sample, replace=False))
    learners_per_course = np.bincount(split.train.indices, minlength=split.train.shape[1])
    popularity = learners_per_course / max(split.train.shape[0], 1)
    results = [
        score(split, name, params, rows, popularity)
        for name, params in progress(list(models.items()), desc="models", unit="model")
    ]
    names = [r.name for r in results]
    ratio = None
    if default in names and POPULARITY in names:
        ratio = bootstrap_ratio(
            results[names.index(default)].ndcg10,
            results[names.index(POPULARITY)].ndcg10,
            resamples=resamples,
            seed=seed,
        )
    exposure = []
    if default in names:
        exposure = exposure_table(split, rows, results[names.index(default)].top)
    return Evaluation(
        split_name=split.name,
        description=split.description,
        n_learners=split.train.shape[0],
        n_courses=split.train.shape[1],
        n_train=int(split.train.nnz),
        n_test_learners=len(rows),
        models=results,
        ratio=ratio,
        exposure=exposure,
    )


def exposure_table(split: Split, rows: np.ndarray, top: np.ndarray) -> list[dict]:
    """Per learner group and course group: the group's share of the recommendations of that
    course group, against its base rate (its share of the learners scored).

    ``top``: (t, n) recommended columns of learners ``rows``. A ratio of 1.0 means the group
    is shown that kind of course in proportion to its size.
    """
    table = []
    shown = top >= 0
    for attribute, labels in split.learner_groups.items():
        learner_labels = np.asarray(labels)[rows]
        for course_attribute, course_labels in split.course_groups.items():
            course_labels = np.asarray(course_labels)
            rec_labels = np.where(shown, course_labels[np.maximum(top, 0)], None)
            for course_group in sorted(set(course_labels.tolist())):
                in_course_group = shown & (rec_labels == course_group)
                total = in_course_group.sum()
                for group in sorted(set(learner_labels.tolist())):
                    mine = learner_labels == group
                    base = float(mine.mean())
                    share = float(in_course_group[mine].sum() / total) if total else 0.0
                    table.append(
                        {
                            "attribute": attribute,
                            "group": group,
                            "course_attribute": course_attribute,
                            "course_group": course_group,
                            "base_rate": base,
                            "share": share,
                            "ratio": share / base if base else float("nan"),
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
