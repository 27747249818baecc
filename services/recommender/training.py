"""Training a model version from the read model: the work behind the `train` task and command.

One run reads every interaction the recommender holds and builds the confidence matrix on the
serving version's id maps (so rows and columns keep their meaning across versions). Then ONE
fit: one course is held out for a random sample of learners with two or more
(`HOLD_OUT_SAMPLE`), the model is fitted on the rest and measured on them against popularity,
and the held-out courses are folded back into those learners' factors (implicit's
`partial_fit_users` over their whole rows) so serving knows everything they did. Fitting
twice (once to measure, once on everything) would double the nightly cost for a figure;
item-kNN and BPR, which cannot fold learners back, are refitted on everything (they are
alternatives, not the default). The version is saved with its counts, parameters, confidence
rules and metrics, and serves once activated. No Flask or Celery here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.recommender.model_store import ModelStore, ModelVersion
from services.recommender.models import InteractionView, LearnerView
from services.recommender.ranking.algorithms import PopularityRanker, Ranker, RankerParams, fit
from services.recommender.ranking.datasets import Split, validation_split
from services.recommender.ranking.evaluation import measure
from services.recommender.ranking.matrix import (
    ConfidenceMatrix,
    ConfidenceRules,
    IdMap,
    InteractionColumns,
    confidence_from_columns,
)
from services.recommender.ranking.persistence import COURSES, LEARNERS, save_ranker, save_signals
from shared.db import epoch_seconds
from shared.events import utcnow
from shared.events.profile import INTERACTION_KINDS

POPULARITY = RankerParams(kind="popularity")
#: Learners with a held-out course, scored for a version's metrics: enough for a stable
#: nDCG@10 (its standard error at 10,000 learners is below 0.003), few enough that scoring and
#: folding them back stay a small share of the fit at a million learners (holding out for all
#: 980,000 eligible learners made the fold-back alone 16% of a bare fit:
#: bench/results/recommender_training.json).
HOLD_OUT_SAMPLE = 10_000

#: Told what the run is doing ("reading", "fitting", "measuring", "saving").
Progress = Callable[[str], None]


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
    session: Session,
    store: ModelStore,
    run: TrainingRun,
    now: datetime | None = None,
    progress: Progress = lambda stage: None,
) -> ModelVersion:
    """Train, measure and save one version from the read model (activated when
    `run.activate`)."""
    now = now or utcnow()
    progress("reading")
    last_interaction = session.scalar(select(func.max(InteractionView.interaction_id)))
    learners, courses = _serving_id_maps(store)
    matrix = confidence_from_columns(
        _interaction_columns(session), run.rules, now, learners, courses
    )
    snapshot = {"last_interaction_id": last_interaction or 0}
    segments = _occupations(session)
    return fit_version(matrix, store, run, now, snapshot, progress, segments)


def fit_version(
    matrix: ConfidenceMatrix,
    store: ModelStore,
    run: TrainingRun,
    now: datetime,
    snapshot: dict[str, int] | None = None,
    progress: Progress = lambda stage: None,
    segments: dict[int, str] | None = None,
) -> ModelVersion:
    """Fit once on `matrix` less one held-out course per learner, measure, fold the held-out
    courses back, save (and activate). `snapshot` adds counts about the data read;
    `segments` (learner id -> current occupation) gives the similar-learner counts."""
    if matrix.confidence.nnz == 0:
        raise NothingToTrain("no positive interactions to learn from yet")
    split = _hold_out(matrix)
    progress("fitting")
    ranker = fit(split.train, run.params, show_progress=run.show_progress)
    progress("measuring")
    metrics = _metrics(split, ranker)
    ranker = _fold_back(ranker, matrix, split, run.params)
    progress("saving")
    version = store.save(
        run.params.kind,
        lambda folder: _save(folder, ranker, matrix, segments or {}),
        params={**run.params.to_dict(), "confidence": run.rules.to_dict()},
        counts={
            "learners": len(matrix.learners),
            "courses": len(matrix.courses),
            "positive_pairs": int(matrix.confidence.nnz),
            "excluded_pairs": int(matrix.exclusions.nnz),
            **(snapshot or {}),
        },
        metrics=metrics,
        now=now,
    )
    if run.activate:
        store.activate(version.name)
    return version


def _save(folder: Path, ranker: Ranker, matrix: ConfidenceMatrix, segments: dict) -> None:
    """The ranker and id maps, plus the counts cold start reads: learners per course, and per
    current occupation how many of its learners took each course."""
    save_ranker(ranker, matrix.learners, matrix.courses, folder)
    taken = csr_matrix(matrix.confidence, copy=True)
    taken.data[:] = 1.0
    names = IdMap(sorted(set(segments.values())))
    known = [(lid, name) for lid, name in segments.items() if lid in matrix.learners]
    member = csr_matrix(
        (
            np.ones(len(known), np.float32),
            (matrix.learners.indices(lid for lid, _ in known), names.indices(n for _, n in known)),
        ),
        shape=(len(matrix.learners), len(names)),
    )
    course_learners = np.bincount(taken.indices, minlength=taken.shape[1])
    save_signals(folder, course_learners, names, (member.T @ taken).tocsr())


def hold_out_metrics(matrix: ConfidenceMatrix, params: RankerParams) -> dict[str, float]:
    """nDCG@10 (and friends) of `params` fitted on `matrix` less one held-out course per
    learner with two or more, and of popularity; an empty dict when no learner has two."""
    split = _hold_out(matrix)
    return _metrics(split, fit(split.train, params))


def _hold_out(matrix: ConfidenceMatrix) -> Split:
    """One course held out for `HOLD_OUT_SAMPLE` learners (with two or more) at random: only
    those are scored, and only those need folding back after the fit."""
    empty = csr_matrix(matrix.confidence.shape, dtype=np.float32)
    return validation_split(
        Split(
            "read model",
            matrix.confidence,
            empty,
            matrix.exclusions,
            matrix.learners,
            matrix.courses,
            "the recommender's read model",
        ),
        learners=HOLD_OUT_SAMPLE,
    )


def _metrics(split: Split, ranker: Ranker) -> dict[str, float]:
    rows = split.test_rows
    if len(rows) == 0:
        return {}
    taken = np.bincount(split.train.indices, minlength=split.train.shape[1])
    share = taken / max(split.train.shape[0], 1)
    model = measure(split, ranker.params.kind, ranker, rows, share)
    baseline = measure(split, "popularity", fit(split.train, POPULARITY), rows, share)
    return {
        "held_out_learners": float(len(rows)),
        **{f"model {name}": round(value, 4) for name, value in model.means.items()},
        "model coverage@10": round(model.coverage10, 4),
        "popularity ndcg@10": round(baseline.means["ndcg@10"], 4),
    }


def _fold_back(
    ranker: Ranker, matrix: ConfidenceMatrix, split: Split, params: RankerParams
) -> Ranker:
    """The held-out courses back into the model: learners' factors recomputed from their whole
    rows where the model can (ALS), otherwise a refit on everything."""
    if isinstance(ranker, PopularityRanker) or not ranker.can_recalculate:
        return fit(matrix.confidence, params)
    rows = split.test_rows
    ranker.refresh_learners(rows, matrix.confidence[rows])
    return ranker


def _occupations(session: Session) -> dict[int, str]:
    """learner id -> current occupation code, for learners who gave one."""
    rows = session.execute(select(LearnerView.learner_id, LearnerView.attributes))
    return {
        learner_id: str(attributes["occupation_code"])
        for learner_id, attributes in rows
        if attributes and attributes.get("occupation_code")
    }


#: Rows fetched per round trip and turned into column chunks at a time.
READ_CHUNK = 200_000


def _interaction_columns(session: Session) -> InteractionColumns:
    """Every interaction of the read model as columns, read in chunks of plain numbers (kind as
    its index in `INTERACTION_KINDS`, time as epoch seconds, both computed by the database):
    no object per interaction outlives its chunk (20 M `Interaction` objects took several
    GB), and Core rows, not ORM ones (whose per-row bookkeeping cost more than the read)."""
    kind_index = case(
        {kind: index for index, kind in enumerate(INTERACTION_KINDS)},
        value=InteractionView.kind,
        else_=-1,
    )
    statement = select(
        InteractionView.learner_id,
        InteractionView.course_id,
        kind_index,
        epoch_seconds(InteractionView.occurred_at),
    ).execution_options(yield_per=READ_CHUNK)
    chunks = [  # tuples first: numpy probes a Row for array interfaces, one KeyError each
        np.array(list(map(tuple, rows)), dtype=np.float64).reshape(-1, 4)
        for rows in session.connection().execute(statement).partitions()
    ]
    table = np.concatenate(chunks) if chunks else np.zeros((0, 4), dtype=np.float64)
    kinds = table[:, 2].astype(np.int64)
    if (kinds < 0).any():
        unknown = session.scalars(
            select(InteractionView.kind).where(InteractionView.kind.not_in(INTERACTION_KINDS))
        ).first()
        raise ValueError(f"unknown interaction kinds: [{unknown!r}]")
    return InteractionColumns(
        learner_ids=table[:, 0].astype(np.int64),
        course_ids=table[:, 1].astype(np.int64),
        kinds=kinds,
        kind_names=INTERACTION_KINDS,
        timestamps=np.ascontiguousarray(table[:, 3]),
    )


def _serving_id_maps(store: ModelStore) -> tuple[IdMap | None, IdMap | None]:
    """The id maps of the serving version, which the new version extends."""
    current = store.current()
    if current is None or not (current.path / LEARNERS).is_file():
        return None, None
    learners = IdMap(json.loads((current.path / LEARNERS).read_text()))
    courses = IdMap(json.loads((current.path / COURSES).read_text()))
    return learners, courses
