"""Training a model version from the read model: the work behind the `train` task and command.

One run reads every interaction the recommender holds, builds the confidence matrix on the
serving version's id maps (so rows and columns keep their meaning across versions), measures
the parameters on a hold-out (one course per learner with two or more, held out of training)
against popularity, fits on everything, and saves the version with its counts, parameters and
metrics. It serves only once activated. No Flask or Celery here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender.model_store import ModelStore, ModelVersion
from services.recommender.models import InteractionView
from services.recommender.ranking.algorithms import RankerParams, fit
from services.recommender.ranking.datasets import Split, validation_split
from services.recommender.ranking.evaluation import score
from services.recommender.ranking.matrix import (
    ConfidenceMatrix,
    ConfidenceRules,
    IdMap,
    Interaction,
    build_confidence_matrix,
)
from services.recommender.ranking.persistence import COURSES, LEARNERS, save_ranker
from shared.events import utcnow

POPULARITY = RankerParams(kind="popularity")


class NothingToTrain(ValueError):  # noqa: N818 - reads as what happened
    """The read model holds no positive interaction yet."""


@dataclass(frozen=True)
class TrainingRun:
    """What to train and how: parameters, confidence rules, and whether to serve it at once."""

    params: RankerParams
    rules: ConfidenceRules = field(default_factory=ConfidenceRules)
    activate: bool = True
    show_progress: bool = False


def train_version(
    session: Session, store: ModelStore, run: TrainingRun, now: datetime | None = None
) -> ModelVersion:
    """Train, measure and save one version (activated when `run.activate`)."""
    now = now or utcnow()
    learners, courses = _serving_id_maps(store)
    matrix = build_confidence_matrix(_interactions(session), run.rules, now, learners, courses)
    if matrix.confidence.nnz == 0:
        raise NothingToTrain("no positive interactions to learn from yet")
    metrics = hold_out_metrics(matrix, run.params)
    ranker = fit(matrix.confidence, run.params, show_progress=run.show_progress)
    version = store.save(
        run.params.kind,
        lambda folder: save_ranker(ranker, matrix.learners, matrix.courses, folder),
        params=run.params.to_dict(),
        counts={
            "learners": len(matrix.learners),
            "courses": len(matrix.courses),
            "positive_pairs": int(matrix.confidence.nnz),
            "excluded_pairs": int(matrix.exclusions.nnz),
        },
        metrics=metrics,
        now=now,
    )
    if run.activate:
        store.activate(version.name)
    return version


def hold_out_metrics(matrix: ConfidenceMatrix, params: RankerParams) -> dict[str, float]:
    """nDCG@10 (and friends) of `params` and of popularity on one held-out course per learner
    with two or more; an empty dict when no learner has two."""
    empty = csr_matrix(matrix.confidence.shape, dtype=np.float32)
    split = validation_split(
        Split(
            "read model",
            matrix.confidence,
            empty,
            matrix.exclusions,
            matrix.learners,
            matrix.courses,
            "the recommender's read model",
        )
    )
    rows = split.test_rows
    if len(rows) == 0:
        return {}
    popularity = np.bincount(split.train.indices, minlength=split.train.shape[1])
    model = score(split, params.kind, params, rows, popularity)
    baseline = score(split, "popularity", POPULARITY, rows, popularity)
    return {
        "held_out_learners": float(len(rows)),
        **{f"model {name}": round(value, 4) for name, value in model.means.items()},
        "model coverage@10": round(model.coverage10, 4),
        "popularity ndcg@10": round(baseline.means["ndcg@10"], 4),
    }


def _interactions(session: Session) -> list[Interaction]:
    rows = session.execute(
        select(
            InteractionView.learner_id,
            InteractionView.course_id,
            InteractionView.kind,
            InteractionView.occurred_at,
        )
    )
    return [Interaction(*row) for row in rows]


def _serving_id_maps(store: ModelStore) -> tuple[IdMap | None, IdMap | None]:
    """The id maps of the serving version, which the new version extends."""
    current = store.current()
    if current is None or not (current.path / LEARNERS).is_file():
        return None, None
    learners = IdMap(json.loads((current.path / LEARNERS).read_text()))
    courses = IdMap(json.loads((current.path / COURSES).read_text()))
    return learners, courses
