"""The public course search: published courses matching a learner's filters, a page at a time,
with facet counts and distances (plain Python; the HTTP layer is resources/course_search).

    page = search(session, CourseQuery(q="welding", postcode="PR1", within=10))

Drafts and withdrawn courses never appear. A distance filter keeps national and online courses
(they have no distance) and courses whose campus is within the radius: a bounding box on the
indexed latitude/longitude in SQL, then the exact haversine distance in Python.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from services.catalogue.courses import VISIBLE, CatalogueError
from services.catalogue.distance import Point
from services.catalogue.models import Course
from services.catalogue.postcodes import PostcodeError, resolve_postcode
from services.catalogue.search_cursors import MAX_ID, Cursor, SortOrder, decode, encode
from services.catalogue.search_facets import FacetCount, Facets, count_facets, tally
from services.catalogue.search_filters import Filters, build_filters, sum_of, term_scores
from services.catalogue.search_nearby import (
    distance_of,
    measure_nearby,
    nearest_first,
    plain_rows,
)
from services.catalogue.search_query import FACETS, CourseQuery, QueryError, check

__all__ = [
    "CourseQuery",
    "FacetCount",
    "Hit",
    "QueryError",
    "SearchPage",
    "get_public_course",
    "search",
]

PUBLIC = (VISIBLE, "withdrawn")


@dataclass(frozen=True)
class Hit:
    """A course in a result page, with its distance from the learner (None when the query has
    no location or the course has none: national, online, or no campus)."""

    course: Course
    distance_km: float | None


@dataclass(frozen=True)
class SearchPage:
    items: list[Hit]
    facets: dict[str, list[FacetCount]]
    next_cursor: str | None
    total: int


def search(session: Session, query: CourseQuery, today: date | None = None) -> SearchPage:
    """One page of the published courses matching `query`; raises QueryError naming the field
    when the query cannot be answered (bad combination, unknown postcode, foreign cursor)."""
    check(query)
    sort = query.effective_sort
    cursor = decode(query.cursor, sort) if query.cursor else None
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _without_jit(session)
    origin = _origin(session, query)
    nearby = None
    if origin is not None and query.radius_km is not None:
        nearby = measure_nearby(session, origin, query.radius_km)
    filters = build_filters(query, today or date.today(), dialect, nearby)
    if sort == "relevance":
        ranked, (facets, total) = _by_relevance(session, query, filters, cursor, dialect)
    else:
        if sort == "distance":
            ranked = nearest_first(session, filters, origin, cursor, query.limit + 1)
        else:
            ranked = _by_key(session, filters, _order(sort), cursor, query.limit)
        facets, total = count_facets(session, query, filters)
    page = ranked[: query.limit]
    next_cursor = None
    if len(ranked) > query.limit:
        key, course_id = page[-1]
        next_cursor = encode(Cursor(sort, key, course_id))
    return SearchPage(_hits(session, [i for _, i in page], origin), facets, next_cursor, total)


def get_public_course(session: Session, course_id: int) -> Course:
    """A published or withdrawn course (its status says which); drafts are not public."""
    course = session.get(Course, course_id) if 1 <= course_id <= MAX_ID else None
    if course is None or course.status not in PUBLIC:
        raise CatalogueError("course_id", f"no course {course_id}")
    return course


def _without_jit(session: Session) -> None:
    """PostgreSQL compiles plans it costs highly (a text scan is) to machine code first, which
    takes longer than the search itself; for this transaction, it is told not to."""
    session.execute(text("SET LOCAL jit = off"))


def _origin(session: Session, query: CourseQuery) -> Point | None:
    if query.postcode is not None:
        try:
            return Point(*resolve_postcode(session, query.postcode))
        except PostcodeError as error:
            raise QueryError(error.field, error.reason) from error
    if query.lat is not None and query.lon is not None:
        return Point(query.lat, query.lon)
    return None


def _order(sort: str) -> SortOrder:
    if sort == "start_date":
        return SortOrder(Course.next_start, nullable=True)
    return SortOrder(func.lower(Course.title))


def _by_relevance(
    session: Session, query: CourseQuery, filters: Filters, cursor: Cursor | None, dialect: str
) -> tuple[list[tuple[int, int]], Facets]:
    """Up to limit + 1 (score, id) pairs after `cursor`, best first, with the facets.

    Matching text is the expensive part of a search (every title, summary and skill is read),
    so each LIKE runs once per course: the subquery scores every word (OFFSET 0 keeps both
    databases from merging it into the outer query, which would match once to filter and again
    to score), the outer query keeps courses where every word scored, and the page, facet counts
    and total are all worked out here from those rows.
    """
    per_term, bonus = term_scores(query.terms, " ".join(query.q.split()), dialect)
    columns = [getattr(Course, name) for name in FACETS]
    scored = (
        select(Course.id, *columns, bonus.label("bonus"))
        .add_columns(*(score.label(f"term_{n}") for n, score in enumerate(per_term)))
        .where(*filters.matching(text=False))
        .offset(0)
        .subquery("scored")
    )
    terms = [scored.c[f"term_{n}"] for n in range(len(per_term))]
    rows = plain_rows(
        session,
        select(scored.c.id, sum_of([*terms, scored.c.bonus]), *(scored.c[n] for n in FACETS)).where(
            *(term > 0 for term in terms)
        ),
    )
    facets = tally(Counter(row[2:] for row in rows).items(), query, filters)
    after = None if cursor is None else (-cursor.key, cursor.course_id)
    keys = ((-row[1], row[0]) for row in rows if filters.accepts(row[2:]))
    best = heapq.nsmallest(query.limit + 1, (k for k in keys if after is None or k > after))
    return [(-negated, course_id) for negated, course_id in best], facets


def _by_key(
    session: Session, filters: Filters, order: SortOrder, cursor: Cursor | None, limit: int
) -> list[tuple[object, int]]:
    """Up to limit + 1 (key, id) pairs after `cursor`, ordered in SQL (keyset pagination)."""
    ranked = (
        select(Course.id.label("id"), order.key.label("key"))
        .where(*filters.on_courses())
        .subquery()
    )
    statement = select(ranked.c.key, ranked.c.id)
    if cursor is not None:
        statement = statement.where(order.after(ranked.c.key, ranked.c.id, cursor))
    statement = statement.order_by(*order.order_by(ranked.c.key, ranked.c.id)).limit(limit + 1)
    return [(key, course_id) for key, course_id in session.execute(statement)]


def _hits(session: Session, ids: Sequence[int], origin: Point | None) -> list[Hit]:
    """The courses of a page in page order, with what CourseSchema shows loaded up front."""
    if not ids:
        return []
    loaded = session.scalars(
        select(Course)
        .where(Course.id.in_(ids))
        .options(
            selectinload(Course.skills),
            selectinload(Course.occupations),
            joinedload(Course.campus),
        )
    )
    by_id = {course.id: course for course in loaded}
    return [Hit(by_id[i], distance_of(by_id[i], origin)) for i in ids]
