"""Ranking many learners at once (a retrain's or a course change's announcements), with
exactly the answers `serving.recommend` gives one learner at a time.

What one learner at a time repeats, a batch does once: the learners' rows and whole histories
are two queries for the batch (not two per learner), each postcode district's centroid is read
once, and the hard filters run once per distinct set of limits (`FeasibleByLimits`: learners
who share level, age band, district, travel, modes, hours, start and budget share the mask;
each learner's own completed or turned-down courses are then taken out of it), and within that
each district's distances, each start window, modes and funding once (`FilterParts`). Reasons
are written only when the caller wants them, for the final top-N. The per-learner scoring
itself (collaborative, content, blend, diversity) is `serving`'s own functions, so no answer can
drift: a test compares both paths learner by learner. No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender.blend import DEFAULT_BLEND, Blend
from services.recommender.feasibility import (
    CourseTable,
    FeasibleCourses,
    FilterParts,
    LearnerLimits,
    feasible,
)
from services.recommender.models import InteractionView, LearnerView
from services.recommender.ranking.matrix import Interaction
from services.recommender.serving import (
    Learner,
    NoCourseFits,
    Ranking,
    Request,
    Snapshot,
    Suggestion,
    _limits,
    explained,
    rank_feasible,
)


def read_learners(session: Session, learner_ids: Iterable[int]) -> dict[int, Learner]:
    """The learners the read model holds among `learner_ids` (erased or unknown ones are
    absent), each as `Learner.read` reads them: two queries for all, histories in interaction
    id order."""
    ids = sorted(set(learner_ids))
    if not ids:
        return {}
    views = session.scalars(select(LearnerView).where(LearnerView.learner_id.in_(ids)))
    attributes = {view.learner_id: dict(view.attributes or {}) for view in views}
    histories: dict[int, list[Interaction]] = {learner_id: [] for learner_id in attributes}
    last: dict[int, int] = dict.fromkeys(attributes, 0)
    rows = session.execute(
        select(
            InteractionView.learner_id,
            InteractionView.interaction_id,
            InteractionView.course_id,
            InteractionView.kind,
            InteractionView.occurred_at,
        )
        .where(InteractionView.learner_id.in_(list(attributes)))
        .order_by(InteractionView.learner_id, InteractionView.interaction_id)
    )
    for learner_id, interaction_id, course_id, kind, at in rows:
        histories[learner_id].append(Interaction(learner_id, course_id, kind, at))
        last[learner_id] = max(last[learner_id], interaction_id)
    return {
        learner_id: Learner(
            learner_id=learner_id,
            attributes=attributes[learner_id],
            history=histories[learner_id],
            last_interaction_id=last[learner_id],
            occupation=attributes[learner_id].get("occupation_code"),
        )
        for learner_id in attributes
    }


class FeasibleByLimits:
    """`feasible` for many learners over one table and window, computed once per distinct
    limits (the learner's own excluded courses aside) and kept for the batch."""

    def __init__(self, table: CourseTable, today: date, horizon_days: int) -> None:
        self.table, self.today, self.horizon_days = table, today, horizon_days
        self.parts = FilterParts(table)
        self._shared: dict[LearnerLimits, FeasibleCourses] = {}

    def __call__(self, limits: LearnerLimits) -> FeasibleCourses:
        """The same verdict as `feasible(table, limits, today, horizon_days)`: the shared mask
        with the learner's excluded courses taken out (a boolean AND, so order is free)."""
        key = replace(limits, excluded_course_ids=frozenset())
        shared = self._shared.get(key)
        if shared is None:
            shared = feasible(self.table, key, self.today, self.horizon_days, self.parts)
            self._shared[key] = shared
        if not limits.excluded_course_ids:
            return shared
        mask = shared.mask & ~self.table.holding(limits.excluded_course_ids)
        return FeasibleCourses(self.table, mask, shared.distance_km, shared.cost_to_learner_pence)


@dataclass(frozen=True)
class Ranked:
    """One learner's ranking before reasons (`ranking` None: no course fits them), with the
    verdict `serving._suggestion` explains it from."""

    learner: Learner
    verdict: FeasibleCourses | None
    ranking: Ranking | None

    @property
    def chosen(self) -> list[int]:
        """The chosen course ids, best first."""
        return [] if self.ranking is None else self.ranking.chosen


def rank_many(
    session: Session,
    snapshot: Snapshot,
    learner_ids: Iterable[int],
    ask: Request,
    today: date,
    horizon_days: int,
    now: datetime,
    blend: Blend = DEFAULT_BLEND,
) -> Iterator[Ranked]:
    """Each known learner of `learner_ids` ranked as `serving.recommend` ranks them (unknown
    ones skipped), in ascending learner id order."""
    learners = read_learners(session, learner_ids)
    verdicts = FeasibleByLimits(snapshot.index.table, today, horizon_days)
    centroids: dict[str | None, tuple[float, float] | None] = {}
    for learner_id in sorted(learners):
        learner = learners[learner_id]
        try:
            verdict = verdicts(_limits(session, learner, ask, centroids))
        except NoCourseFits:
            yield Ranked(learner, None, None)
            continue
        yield Ranked(learner, verdict, rank_feasible(snapshot, learner, verdict, ask, now, blend))


def recommend_many(
    session: Session,
    snapshot: Snapshot,
    learner_ids: Iterable[int],
    ask: Request,
    today: date,
    horizon_days: int,
    now: datetime,
    blend: Blend = DEFAULT_BLEND,
) -> dict[int, list[Suggestion]]:
    """`serving.recommend` for every known learner of `learner_ids`, by learner id, with
    scores and reasons (reasons only for the chosen courses)."""
    answers: dict[int, list[Suggestion]] = {}
    for ranked in rank_many(session, snapshot, learner_ids, ask, today, horizon_days, now, blend):
        ranking, verdict = ranked.ranking, ranked.verdict
        answers[ranked.learner.learner_id] = (
            []
            if ranking is None or verdict is None
            else explained(snapshot, verdict, ranking, ranked.learner.attributes)
        )
    return answers
