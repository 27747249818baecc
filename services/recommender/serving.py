"""Answering "which courses for this learner": the serving version's ranking, the hard
filters, provider diversity and a plain-English reason for each course.

Order of work for one request: the learner's attributes and history from the read model; the
hard filters over every published course (`feasibility`); the collaborative ranking restricted
to the courses that passed (implicit's `filter_items` takes out the rest, so the model never
spends a slot on a course the learner cannot take); at most two courses per provider. A learner
the model has not met yet (cold start), or no model at all, gets the eligible courses most
learners took, never an empty answer while any course passes the filters.
No Flask or Celery here.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender import read_model
from services.recommender.diversity import diversify
from services.recommender.feasibility import CourseTable, LearnerLimits, feasible
from services.recommender.model_store import ModelStore
from services.recommender.models import CourseView, InteractionView, LearnerView
from services.recommender.ranking.algorithms import Ranker
from services.recommender.ranking.matrix import (
    ConfidenceRules,
    IdMap,
    Interaction,
    build_confidence_matrix,
)
from services.recommender.ranking.persistence import load_ranker

#: Kinds after which a course is never suggested again to that learner.
TURNED_DOWN = frozenset({"completed", "dismissed", "not-interested"})


class UnknownLearner(LookupError):  # noqa: N818 - reads as what happened
    """The read model has not heard of this learner (or they were erased)."""


@dataclass(frozen=True)
class ServingModel:
    """The serving version, loaded once per process and swapped when `CURRENT` changes."""

    name: str
    ranker: Ranker
    learners: IdMap
    courses: IdMap

    @classmethod
    def load(cls, store: ModelStore) -> ServingModel | None:
        current = store.current()
        if current is None:
            return None
        ranker, learners, courses = load_ranker(current.path)
        return cls(current.name, ranker, learners, courses)


@dataclass(frozen=True)
class Suggestion:
    """One recommended course with its score components and reason."""

    course_id: int
    provider_id: int
    title: str | None
    score: float
    collaborative: float
    popularity: float
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


def recommend(
    session: Session,
    model: ServingModel | None,
    learner_id: int,
    ask: Request,
    today: date,
    horizon_days: int,
    now: datetime,
) -> list[Suggestion]:
    """Up to `ask.n` courses the learner can take, best first."""
    view = session.get(LearnerView, learner_id)
    if view is None:
        raise UnknownLearner(f"no learner {learner_id}")
    history = _history(session, learner_id)
    limits = _limits(session, dict(view.attributes or {}), history, ask)
    courses = {v.course_id: v for v in _published(session)}
    table = CourseTable.from_courses(read_model.feasibility_facts(session))
    verdict = feasible(table, limits, today, horizon_days)
    eligible = [
        int(course_id)
        for course_id in verdict.course_ids
        if ask.route_kind is None
        or getattr(courses.get(int(course_id)), "route_kind", None) in (ask.route_kind, "both")
    ]
    if not eligible:
        return []
    popularity = _popularity(session, eligible)
    collaborative = _collaborative(model, learner_id, history, eligible, now)
    ranked = sorted(
        eligible, key=lambda c: (-collaborative.get(c, -math.inf), -popularity.get(c, 0), c)
    )
    chosen = diversify(ranked, {c: courses[c].provider_id for c in eligible}, ask.n)
    row_of = {int(c): i for i, c in enumerate(table.ids)}
    return [
        _suggestion(courses[c], collaborative.get(c), popularity.get(c, 0), verdict, row_of[c])
        for c in chosen
    ]


def _history(session: Session, learner_id: int) -> list[Interaction]:
    rows = session.execute(
        select(
            InteractionView.learner_id,
            InteractionView.course_id,
            InteractionView.kind,
            InteractionView.occurred_at,
        ).where(InteractionView.learner_id == learner_id)
    )
    return [Interaction(*row) for row in rows]


def _limits(
    session: Session, attributes: dict[str, Any], history: list[Interaction], ask: Request
) -> LearnerLimits:
    """The learner's limits, narrowed by the request (never widened)."""
    constraints = dict(attributes.get("constraints") or {})
    if ask.max_km is not None:
        own = constraints.get("max_travel_km")
        constraints["max_travel_km"] = ask.max_km if own is None else min(own, ask.max_km)
    if ask.mode is not None:
        own_modes = constraints.get("delivery_modes") or []
        constraints["delivery_modes"] = [ask.mode] if not own_modes or ask.mode in own_modes else []
    centroid = read_model.district_centroid(session, attributes.get("postcode_district"))
    turned_down = {i.course_id for i in history if i.kind in TURNED_DOWN}
    return LearnerLimits.from_attributes(
        {**attributes, "constraints": constraints}, centroid, turned_down
    )


def _published(session: Session) -> list[CourseView]:
    return list(session.scalars(select(CourseView).where(CourseView.status == "published")))


def _popularity(session: Session, course_ids: list[int]) -> dict[int, int]:
    """Learners who took each course (positive kinds), for cold start and ties."""
    rows = session.execute(
        select(InteractionView.course_id, InteractionView.learner_id)
        .where(InteractionView.course_id.in_(course_ids))
        .where(InteractionView.kind.not_in(("dismissed", "not-interested", "viewed")))
        .distinct()
    )
    return dict(Counter(course_id for course_id, _ in rows))


def _collaborative(
    model: ServingModel | None,
    learner_id: int,
    history: list[Interaction],
    eligible: list[int],
    now: datetime,
) -> dict[int, float]:
    """course id -> the model's score, for eligible courses the model knows; {} on cold start."""
    if model is None or learner_id not in model.learners:
        return {}
    known = [c for c in eligible if c in model.courses]
    if not known:
        return {}
    row = build_confidence_matrix(
        history, ConfidenceRules(), now, IdMap([learner_id]), model.courses
    ).confidence[:, : len(model.courses)]
    allowed = np.zeros(len(model.courses), dtype=bool)
    allowed[model.courses.indices(known)] = True
    columns, scores = model.ranker.recommend(
        np.array([model.learners.index(learner_id)]),
        row,
        len(known),
        filter_courses=np.flatnonzero(~allowed),
    )
    return {
        int(model.courses.ids([col])[0]): float(score)
        for col, score in zip(columns[0], scores[0], strict=True)
        if col >= 0
    }


def _suggestion(
    course: CourseView,
    collaborative: float | None,
    popularity: int,
    verdict: Any,
    row: int,
) -> Suggestion:
    distance = float(verdict.distance_km[row])
    distance_km = None if math.isnan(distance) else round(distance, 1)
    cost = int(verdict.cost_to_learner_pence[row])
    if collaborative is not None:
        why = "learners whose courses are like yours went on to take it"
    elif popularity:
        why = f"{popularity} learner{'s' if popularity != 1 else ''} took it"
    else:
        why = "it fits your level, place and time"
    where = "online" if distance_km is None else f"{distance_km:g} km away"
    price = "free to you" if cost == 0 else f"£{cost / 100:,.2f} to you"
    return Suggestion(
        course_id=course.course_id,
        provider_id=course.provider_id,
        title=course.title,
        score=round(collaborative if collaborative is not None else float(popularity), 6),
        collaborative=round(collaborative, 6) if collaborative is not None else 0.0,
        popularity=float(popularity),
        distance_km=distance_km,
        cost_to_learner_pence=cost,
        reason=f"Suggested because {why}; {where}, {price}.",
    )
