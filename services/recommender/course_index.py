"""Every published course, held in process memory for serving: built once per change.

Answering a learner needs every published course's facts (hard filters), content (content
score, factors for new courses) and provider (diversity). Reading them from SQL per request
would cost more than the ranking itself, so each serving process keeps a `CourseIndex` and
rebuilds it only when the read model's courses stamp (bumped in the same transaction as any
course change, `read_model.bump_courses_stamp`) moves: one primary-key read per request
tells it, so a withdrawn course is gone from the very next answer. No Flask or Celery here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.recommender import read_model
from services.recommender.content import ContentMatrix, CourseContent
from services.recommender.feasibility import CourseFacts, CourseTable, FilterParts
from services.recommender.models import CourseView, InteractionView
from services.recommender.routes import RouteCourse, skill_key

#: Filter parts a serving process keeps per course index (64 x 50,000 courses x 8 bytes is
#: 25 MB at most; the popular districts and today's window stay in).
KEPT_FILTER_PARTS = 64
#: Interaction kinds that do not count as having taken a course.
NOT_TAKEN = ("dismissed", "not-interested", "viewed")


@dataclass(frozen=True)
class CourseIndex:
    """Published courses with facts, one row each in ascending id order (n rows).

    `table`: the hard filters' arrays; `content`: (n, features) content rows; `route_kinds`:
    object (n,) "academic" / "technical" / "both" / None; `titles`: object (n,);
    `learners`: float32 (n,), learners who took each course, counted from the read model at
    build time (used before any model serves; a serving model brings its own counts);
    `row_of`: course id -> row; `stamp`: the courses stamp it was built at; `steps`: each
    course as a route step (`routes.RouteCourse`, without a learner's distance or peers).
    """

    stamp: int
    table: CourseTable
    content: ContentMatrix
    route_kinds: np.ndarray
    titles: np.ndarray
    learners: np.ndarray
    row_of: dict[int, int]
    steps: tuple[RouteCourse, ...] = ()

    @classmethod
    def build(cls, session: Session, count_learners: bool = True) -> CourseIndex:
        """Read every published course with facts (and, when `count_learners`, how many
        learners took each: a GROUP BY over the interactions, skipped when a model brings its
        own counts)."""
        stamp = read_model.courses_stamp(session)
        views = list(
            session.scalars(
                select(CourseView)
                .where(
                    CourseView.status == read_model.PUBLISHED, CourseView.fetched_at.is_not(None)
                )
                .order_by(CourseView.course_id)
            )
        )
        table = CourseTable.from_courses([CourseFacts.from_view(v) for v in views])
        content = ContentMatrix.build(
            [
                CourseContent(v.skills or [], v.occupations or [], v.sector, v.rqf_level)
                for v in views
            ]
        )
        row_of = {v.course_id: row for row, v in enumerate(views)}
        taken = _learners_per_course(session) if count_learners else Counter()
        return cls(
            stamp=stamp,
            table=table,
            content=content,
            route_kinds=np.array([v.route_kind for v in views], dtype=object),
            titles=np.array([v.title for v in views], dtype=object),
            learners=np.array([taken.get(v.course_id, 0) for v in views], dtype=np.float32),
            row_of=row_of,
            steps=tuple(route_step(v) for v in views),
        )

    def __len__(self) -> int:
        return len(self.table)

    @property
    def filter_parts(self) -> FilterParts:
        """The hard filters' parts kept for this index across requests (distances from each
        district, each day's start window, modes, funding), so a request computes only what
        is its own: at most `KEPT_FILTER_PARTS` arrays (8 bytes a course each at most)."""
        return self.__dict__.setdefault("_filter_parts", FilterParts(self.table, KEPT_FILTER_PARTS))

    def route_kind_mask(self, kind: str) -> np.ndarray:
        """bool (n,): courses of route `kind` or of both routes (built once per kind)."""
        masks = self.__dict__.setdefault("_route_kind_masks", {})
        if kind not in masks:
            masks[kind] = np.array([k in (kind, "both") for k in self.route_kinds], dtype=bool)
        return masks[kind]


def route_step(view: CourseView) -> RouteCourse:
    """A course as a route step: skills as match keys, entry requirements, dates, money."""
    entry = view.entry_requirements or {}
    return RouteCourse(
        course_id=view.course_id,
        provider_id=view.provider_id,
        title=view.title or "",
        rqf_level=view.rqf_level if view.rqf_level is not None else 0,
        qualification_type=view.qualification_type or "",
        route_kind=view.route_kind or "both",
        skills=frozenset(skill_key(s) for s in view.skills or []),
        skill_labels=tuple(view.skills or []),
        occupations=frozenset(view.occupations or []),
        min_level=entry.get("min_level"),
        required_skills=frozenset(skill_key(s) for s in entry.get("skills") or []),
        required_qualifications=frozenset(
            str(q).casefold() for q in entry.get("qualifications") or []
        ),
        starts=tuple(sorted(date.fromisoformat(d) for d in view.start_dates or [])),
        duration_weeks=view.duration_weeks or 0,
        hours_per_week=view.hours_per_week,
        cost_pence=view.cost_pence or 0,
        funding=view.funding or "fee",
        delivery_mode=view.delivery_mode,
    )


def _learners_per_course(session: Session) -> Counter[int]:
    rows = session.execute(
        select(InteractionView.course_id, InteractionView.learner_id)
        .where(InteractionView.kind.not_in(NOT_TAKEN))
        .distinct()
    )
    return Counter(course_id for course_id, _ in rows)
