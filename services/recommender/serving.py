"""Answering "which courses for this learner": hard filters, a blend of collaborative, content,
similar-learner and popularity scores, provider diversity, and a plain-English reason.

Each process keeps a `Recommender`: the serving model version (reloaded when the store's
`CURRENT` moves) and the `CourseIndex` (rebuilt when the read model's courses stamp moves),
joined into a `Snapshot` in which courses published after training get factors from their
content (`content.content_factors`), so the model can rank them before anyone took them.

Per request (`recommend`): the learner's attributes and whole history from the read model (two
primary-key/indexed reads); every hard filter over every course at once (`feasibility`); the
collaborative top-K over the courses that passed, with the learner's stored factors, or factors
recalculated from their whole history when they did something since the version was trained or
are new to it (implicit's `recalculate_user`); the content score of every eligible course; the
blend; at most two courses per provider. A learner the model cannot score still gets content,
similar-learner (same current occupation) and popularity signals: never an empty answer while
any course passes the filters. No Flask or Celery here.
"""

from __future__ import annotations

import gc
import math
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender import read_model
from services.recommender.blend import (
    DEFAULT_BLEND,
    Blend,
    collaborative_share,
    popularity_share,
    share_of_max,
)
from services.recommender.content import content_factors, content_scores, learner_profile
from services.recommender.course_index import CourseIndex
from services.recommender.diversity import diversify
from services.recommender.feasibility import FeasibleCourses, LearnerLimits, feasible
from services.recommender.model_store import ModelStore
from services.recommender.models import InteractionView, LearnerView
from services.recommender.ranking.algorithms import Ranker
from services.recommender.ranking.matrix import (
    ConfidenceRules,
    IdMap,
    Interaction,
    learner_confidence,
    row_entries,
)
from services.recommender.ranking.persistence import load_ranker, load_signals

#: Kinds after which a course is never suggested again to that learner (they did it, are on
#: it, or said no).
TURNED_DOWN = frozenset({"completed", "enrolled", "dismissed", "not-interested"})
#: Kinds that count as having taken (or started) a course, for the content profile.
TAKEN = frozenset({"completed", "enrolled", "applied", "saved"})


class NoCourseFits(ValueError):  # noqa: N818 - reads as what happened
    """The request narrows the learner's limits to nothing (a mode they do not take)."""


class UnknownLearner(LookupError):  # noqa: N818 - reads as what happened
    """The read model has not heard of this learner (or they were erased)."""


@dataclass(frozen=True)
class ServingModel:
    """One trained version as a process serves it."""

    name: str
    ranker: Ranker
    learners: IdMap
    courses: IdMap
    rules: ConfidenceRules
    last_interaction_id: int
    #: Learners who took each model course, (n_model_courses,); zeros when not saved.
    course_learners: np.ndarray
    #: Current occupations and, per occupation, learners who took each course (segments, n).
    segments: IdMap
    segment_courses: csr_matrix

    @classmethod
    def load(cls, store: ModelStore) -> ServingModel | None:
        current = store.current()
        if current is None:
            return None
        ranker, learners, courses = load_ranker(current.path)
        model = getattr(ranker, "model", None)
        if model is not None and hasattr(model, "num_threads"):
            # one request, one learner: implicit's OpenMP threads only add hand-off latency
            # (refresh + recommend p50 1.67x bare at one thread, 2.36x at two, with far worse
            # tails under load: bench/results/recommender_incremental.json)
            model.num_threads = 1
        confidence = current.params.get("confidence")
        rules = ConfidenceRules.from_dict(confidence) if confidence else ConfidenceRules()
        signals = load_signals(current.path)
        if signals is None:
            signals = (np.zeros(len(courses), np.float32), IdMap(), csr_matrix((0, len(courses))))
        course_learners, segments, segment_courses = signals
        return cls(
            name=current.name,
            ranker=ranker,
            learners=learners,
            courses=courses,
            rules=rules,
            last_interaction_id=int(current.counts.get("last_interaction_id", 0)),
            course_learners=course_learners,
            segments=segments,
            segment_courses=segment_courses,
        )


@dataclass(frozen=True)
class Snapshot:
    """What a process serves from at one moment.

    `columns`: course ids of the ranker's columns (the model's courses, then the published
    courses it was not trained on); `column_of_row`: int64 (len(index),) the ranker column of
    each index row; `learners_taken`: float32 (len(index),) learners who took each course.
    """

    model: ServingModel | None
    index: CourseIndex
    ranker: Ranker | None
    columns: IdMap
    column_of_row: np.ndarray
    learners_taken: np.ndarray

    @classmethod
    def build(cls, model: ServingModel | None, index: CourseIndex) -> Snapshot:
        ids = index.table.ids
        if model is None:
            empty = np.full(len(index), -1, dtype=np.int64)
            return cls(None, index, None, IdMap(), empty, index.learners)
        new = [int(c) for c in ids if int(c) not in model.courses]
        columns = model.courses.extended(new)
        ranker = model.ranker
        if new:
            ranker = ranker.with_courses(_new_course_factors(model, index, new))
        column_of_row = columns.indices(int(c) for c in ids)
        known = column_of_row < len(model.courses)
        taken = np.zeros(len(index), dtype=np.float32)
        taken[known] = model.course_learners[column_of_row[known]]
        return cls(model, index, ranker, columns, column_of_row, taken)


def _new_course_factors(model: ServingModel, index: CourseIndex, new: list[int]) -> np.ndarray:
    """Content-made factors for courses the model was not trained on, (len(new), factors);
    zeros for kinds without course factors (item-kNN, popularity)."""
    trained = getattr(model.ranker, "course_factors", None)
    if trained is None:
        return np.zeros((len(new), 1), dtype=np.float32)
    known_ids = [int(c) for c in index.table.ids if int(c) in model.courses]
    return content_factors(
        index.content,
        np.array([index.row_of[c] for c in new], dtype=np.int64),
        np.array([index.row_of[c] for c in known_ids], dtype=np.int64),
        np.asarray(trained)[model.courses.indices(known_ids)],
    )


class Recommender:
    """One process's serving state: reloads the model and rebuilds the course index only when
    they changed (a file read and a primary-key read per call), under a lock so concurrent
    requests build once."""

    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def snapshot(self, session: Session) -> Snapshot:
        current = self.store.current_name()
        stamp = read_model.courses_stamp(session)
        held = self._snapshot
        if held is not None and _name(held.model) == current and held.index.stamp == stamp:
            return held
        with self._lock:
            held = self._snapshot
            model = held.model if held is not None and _name(held.model) == current else None
            if model is None and current is not None:
                model = ServingModel.load(self.store)
            index = held.index if held is not None and held.index.stamp == stamp else None
            if index is None or (held is not None and held.model is None) != (model is None):
                index = CourseIndex.build(session, count_learners=model is None)
            gc.unfreeze()  # what the snapshot being replaced leaves may be collected again
            self._snapshot = Snapshot.build(model, index)
            held = None  # the replaced snapshot: nothing here keeps it alive
            _settle_heap()
            return self._snapshot


def _settle_heap() -> None:
    """Collect what earlier snapshots left, then freeze every object alive (the new snapshot's
    model, id maps and index among them) so that later full collections skip them.

    At a million learners a full collection over a served snapshot took ~250 ms, inside
    whichever request or event happened to trigger it; frozen, it costs what the requests
    themselves allocate (bench/recommender_serving.py reports both). The collection here runs
    once per rebuild, which reads a model or a catalogue and takes far longer anyway."""
    gc.collect()
    gc.freeze()


_PROCESS_RECOMMENDERS: dict[str, Recommender] = {}


def recommender_for(models_dir: str | Path) -> Recommender:
    """This process's `Recommender` over `models_dir`, made on first use and kept: the web
    app, the bus handlers and the tasks of one process share its model and course index."""
    key = str(Path(models_dir).resolve())
    if key not in _PROCESS_RECOMMENDERS:
        _PROCESS_RECOMMENDERS[key] = Recommender(ModelStore(Path(key)))
    return _PROCESS_RECOMMENDERS[key]


def _name(model: ServingModel | None) -> str | None:
    return None if model is None else model.name


@dataclass(frozen=True)
class Components:
    """Each component of a course's score, 0..1, and the facts its reason may cite."""

    collaborative: float
    content: float
    similar_learners: float
    popularity: float
    learners_taken: int = 0
    similar_taken: int = 0
    goal_matches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """One recommended course with its score components and reason."""

    course_id: int
    provider_id: int
    title: str | None
    score: float
    components: Components
    distance_km: float | None
    cost_to_learner_pence: int
    reason: str


@dataclass(frozen=True)
class Request:
    """What the caller asks: how many, and optional narrowing of the learner's own limits."""

    n: int = 10
    route_kind: str | None = None
    max_km: float | None = None
    mode: str | None = None


@dataclass(frozen=True)
class Learner:
    """What the read model holds about one learner, as ranking uses it."""

    learner_id: int
    attributes: dict[str, Any]
    history: list[Interaction]
    last_interaction_id: int = 0
    occupation: str | None = field(default=None)

    @classmethod
    def read(cls, session: Session, learner_id: int) -> Learner:
        # session.get, not a column read: a what-if (GET .../routes) changes this row in the
        # session's identity map only, and planning must see the change
        view = session.get(LearnerView, learner_id)
        if view is None:
            raise UnknownLearner(f"no learner {learner_id}")
        rows = list(
            session.execute(
                select(
                    InteractionView.interaction_id,
                    InteractionView.course_id,
                    InteractionView.kind,
                    InteractionView.occurred_at,
                )
                .where(InteractionView.learner_id == learner_id)
                .order_by(InteractionView.interaction_id)  # a defined order: sums follow it
            )
        )
        attributes = dict(view.attributes or {})
        return cls(
            learner_id=learner_id,
            attributes=attributes,
            history=[Interaction(learner_id, c, kind, at) for _, c, kind, at in rows],
            last_interaction_id=max((i for i, *_ in rows), default=0),
            occupation=attributes.get("occupation_code"),
        )


def recommend(
    session: Session,
    snapshot: Snapshot,
    learner_id: int,
    ask: Request,
    today: date,
    horizon_days: int,
    now: datetime,
    blend: Blend = DEFAULT_BLEND,
) -> list[Suggestion]:
    """Up to `ask.n` courses the learner can take, best first."""
    learner = Learner.read(session, learner_id)
    index = snapshot.index
    try:
        limits = _limits(session, learner, ask)
    except NoCourseFits:
        return []
    verdict = feasible(index.table, limits, today, horizon_days, index.filter_parts)
    ranking = rank_feasible(snapshot, learner, verdict, ask, now, blend)
    if ranking is None:
        return []
    return explained(snapshot, verdict, ranking, learner.attributes)


@dataclass(frozen=True)
class Ranking:
    """One learner's best courses before reasons: `chosen` ids best first, each one's
    `position` in the eligible rows, and the eligible rows' `total` and `components` (r,)."""

    chosen: list[int]
    position: dict[int, int]
    total: np.ndarray
    components: dict[str, np.ndarray]


def explained(
    snapshot: Snapshot,
    verdict: FeasibleCourses,
    ranking: Ranking,
    attributes: dict[str, Any],
) -> list[Suggestion]:
    """The chosen courses of `ranking` as suggestions, each with its reason (only these get
    one: reasons cost more than ranking)."""
    goals = _goal_features(attributes)
    return [
        _suggestion(
            snapshot, verdict, c, ranking.position[c], ranking.total, ranking.components, goals
        )
        for c in ranking.chosen
    ]


def rank_feasible(
    snapshot: Snapshot,
    learner: Learner,
    verdict: FeasibleCourses,
    ask: Request,
    now: datetime,
    blend: Blend = DEFAULT_BLEND,
) -> Ranking | None:
    """The learner's best `ask.n` among the courses `verdict` lets them take (of the asked
    route kind): every component, the blend, two per provider. None when no course passes.
    The one ranking both `recommend` and the batch path (`batch_ranking`) use."""
    index = snapshot.index
    mask = verdict.mask
    if ask.route_kind is not None:
        mask = mask & index.route_kind_mask(ask.route_kind)
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return None
    components = _components(snapshot, learner, rows, ask.n, now, blend)
    total = blend.total(
        components["collaborative"],
        components["content"],
        components["similar_learners"],
        components["popularity"],
    )
    chosen, position = _best(index, rows, total, ask.n)
    return Ranking(chosen, position, total, components)


def _best(
    index: CourseIndex, rows: np.ndarray, total: np.ndarray, n: int
) -> tuple[list[int], dict[int, int]]:
    """The `n` best course ids, at most two per provider, and each one's position in `rows`.

    Only the best few hundred are looked at in Python (diversity never needs more than two per
    provider beyond the first `n`); all of them if that is not enough."""
    ids = index.table.ids[rows]
    width = min(max(20 * n, 200), len(rows))
    while True:
        if width < len(rows):
            head = np.argpartition(-total, width - 1)[:width]
        else:
            head = np.arange(len(rows))
        order = head[np.lexsort((ids[head], -total[head]))]  # best first, ties by course id
        ranked = ids[order].tolist()
        providers = dict(zip(ranked, index.table.provider_ids[rows[order]].tolist(), strict=True))
        chosen = diversify(ranked, providers, n)
        if len(chosen) == n or width == len(rows):
            return chosen, dict(zip(ranked, order.tolist(), strict=True))
        width = len(rows)


def _limits(
    session: Session,
    learner: Learner,
    ask: Request,
    centroids: dict[str | None, tuple[float, float] | None] | None = None,
) -> LearnerLimits:
    """The learner's limits, narrowed by the request (never widened). `centroids`: district
    centroids already read (filled here), so a batch reads each district once."""
    constraints = dict(learner.attributes.get("constraints") or {})
    if ask.max_km is not None:
        own = constraints.get("max_travel_km")
        constraints["max_travel_km"] = ask.max_km if own is None else min(own, ask.max_km)
    if ask.mode is not None:
        own_modes = constraints.get("delivery_modes") or []
        if own_modes and ask.mode not in own_modes:
            raise NoCourseFits(f"the learner does not take {ask.mode} courses")
        constraints["delivery_modes"] = [ask.mode]
    district = learner.attributes.get("postcode_district")
    if centroids is None or district not in centroids:
        centroid = read_model.district_centroid(session, district)
        if centroids is not None:
            centroids[district] = centroid
    else:
        centroid = centroids[district]
    turned_down = {i.course_id for i in learner.history if i.kind in TURNED_DOWN}
    return LearnerLimits.from_attributes(
        {**learner.attributes, "constraints": constraints}, centroid, turned_down
    )


def _components(
    snapshot: Snapshot, learner: Learner, rows: np.ndarray, n: int, now: datetime, blend: Blend
) -> dict[str, np.ndarray]:
    """Each score component for the eligible index `rows`, shape (r,) each, in 0..1."""
    index = snapshot.index
    taken_rows = [
        index.row_of[i.course_id]
        for i in learner.history
        if i.kind in TAKEN and i.course_id in index.row_of
    ]
    profile = learner_profile(index.content, learner.attributes, taken_rows)
    learners_taken = snapshot.learners_taken[rows]
    similar = similar_learners_taken(snapshot, learner, rows)
    return {
        "collaborative": _collaborative(snapshot, learner, rows, max(blend.candidates, 5 * n), now),
        "content": content_scores(index.content, profile, rows),
        "similar_learners": share_of_max(similar),
        "popularity": popularity_share(learners_taken),
        "learners_taken": learners_taken,
        "similar_taken": similar,
    }


def similar_learners_taken(snapshot: Snapshot, learner: Learner, rows: np.ndarray) -> np.ndarray:
    """Learners with the learner's current occupation who took each course, (r,)."""
    model = snapshot.model
    counts = np.zeros(len(rows), dtype=np.float32)
    if model is None or not learner.occupation or learner.occupation not in model.segments:
        return counts
    courses, taken = row_entries(model.segment_courses, model.segments.index(learner.occupation))
    per_course = np.zeros(model.segment_courses.shape[1], dtype=taken.dtype)
    np.add.at(per_course, courses, taken)  # as toarray() would, duplicates summed
    columns = snapshot.column_of_row[rows]
    known = (columns >= 0) & (columns < len(per_course))
    counts[known] = per_course[columns[known]]
    return counts


def _collaborative(
    snapshot: Snapshot, learner: Learner, rows: np.ndarray, k: int, now: datetime
) -> np.ndarray:
    """The model's scores for its top-`k` among eligible `rows`, as a share of the best one
    (negative scores count 0), 0 for the rest and when the model cannot score the learner;
    shape (r,). A course whose factors say nothing (a new course sharing no content) scores 0.
    """
    out = np.zeros(len(rows), dtype=np.float32)
    model, ranker = snapshot.model, snapshot.ranker
    if model is None or ranker is None:
        return out
    known = learner.learner_id in model.learners
    moved_on = learner.last_interaction_id > model.last_interaction_id
    recalculate = not known or moved_on
    if not known and not learner.history:
        return out  # nothing to go on: content, similar learners and popularity decide
    if recalculate and not ranker.can_recalculate and getattr(ranker, "n_learners", -1) >= 0:
        if not known:
            return out  # a factor model that cannot fold in a new learner (BPR)
        recalculate = False  # BPR: its trained factors are the best it has
    columns = snapshot.column_of_row[rows]
    row = model.learners.index(learner.learner_id) if known else None
    history = confidence_row(learner, model.rules, now, snapshot.columns)
    scores = ranker.score_courses(row, history, columns, recalculate)
    if scores is None:
        return out
    # as implicit's filter_already_liked_items: what the learner already showed interest in
    # gets no collaborative score (the model would only echo their own history back)
    # a lookup table over the columns (np.isin sorted the candidates each time); one spare
    # slot, so a column of -1 (none) reads False as isin said
    liked = np.zeros(history.shape[1] + 1, dtype=bool)
    liked[history.indices] = True
    scores = np.where(liked[columns], -np.inf, scores)
    k = min(k, len(rows))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
    return collaborative_share(top, scores[top], len(rows))


def confidence_row(
    learner: Learner, rules: ConfidenceRules, now: datetime, columns: IdMap
) -> csr_matrix:
    """The learner's whole history as one confidence row over `columns`, shape (1, len), the
    values `build_confidence_matrix` gives their row (`learner_confidence`); courses outside
    `columns` are left out."""
    row = sorted(
        (columns.index(course_id), value)
        for course_id, value in learner_confidence(learner.history, rules, now).items()
        if course_id in columns
    )
    indices = np.array([column for column, _ in row], dtype=np.int32)
    data = np.array([value for _, value in row], dtype=np.float32)
    return csr_matrix((data, indices, np.array([0, len(row)])), shape=(1, len(columns)))


def _goal_features(attributes: dict[str, Any]) -> dict[str, str]:
    """Content features the learner named as goals -> how a reason says it."""
    goals = attributes.get("goals") or {}
    named = {
        f"occupation:{code}": f"your goal occupation {code}"
        for code in goals.get("occupations") or []
    }
    named.update(
        {
            f"sector:{str(s).casefold()}": f"{s}, a sector you chose"
            for s in goals.get("sectors") or []
        }
    )
    return named


def _suggestion(
    snapshot: Snapshot,
    verdict: FeasibleCourses,
    course_id: int,
    position: int,
    total: np.ndarray,
    components: dict[str, np.ndarray],
    goals: dict[str, str],
) -> Suggestion:
    index = snapshot.index
    row = index.row_of[course_id]
    content = index.content
    features, _ = row_entries(content.binary, row)
    course_features = set(content.features.ids(features.tolist()))
    parts = Components(
        collaborative=round(float(components["collaborative"][position]), 4),
        content=round(float(components["content"][position]), 4),
        similar_learners=round(float(components["similar_learners"][position]), 4),
        popularity=round(float(components["popularity"][position]), 4),
        learners_taken=int(components["learners_taken"][position]),
        similar_taken=int(components["similar_taken"][position]),
        goal_matches=tuple(goals[f] for f in sorted(course_features & set(goals))),
    )
    distance = float(verdict.distance_km[row])
    distance_km = None if math.isnan(distance) else round(distance, 1)
    cost = int(verdict.cost_to_learner_pence[row])
    return Suggestion(
        course_id=course_id,
        provider_id=int(index.table.provider_ids[row]),
        title=index.titles[row],
        score=round(float(total[position]), 6),
        components=parts,
        distance_km=distance_km,
        cost_to_learner_pence=cost,
        reason=reason(parts, distance_km, cost),
    )


def reason(parts: Components, distance_km: float | None, cost_pence: int) -> str:
    """One plain-English sentence, claiming only what `parts` show."""
    why: list[str] = []
    if parts.goal_matches:
        why.append("it leads to " + " and ".join(parts.goal_matches))
    if parts.collaborative > 0:
        why.append("learners who took courses like yours went on to take it")
    if parts.similar_taken:
        people = "learner" if parts.similar_taken == 1 else "learners"
        why.append(f"{parts.similar_taken} {people} in your current occupation took it")
    elif parts.learners_taken and not why:
        people = "learner" if parts.learners_taken == 1 else "learners"
        why.append(f"{parts.learners_taken} {people} took it")
    if not why:
        why.append("it fits your level, place and time")
    price = "free to you" if cost_pence == 0 else f"£{cost_pence / 100:,.2f} to you"
    facts = price if distance_km is None else f"{distance_km:g} km away, {price}"
    return f"Suggested because {'; '.join(why)}; {facts}."
