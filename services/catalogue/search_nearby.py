"""Distances in the course search: the distance filter, nearest-first pages, and the distance
shown with each course.

The filter asks SQL only for the courses in the bounding box (the location index answers it
without reading rows), measures each exactly in Python, and hands the result to the SQL filters
as `Nearby`. Nearest-first pages walk those measured courses in order, asking SQL which match
the other filters, so a page costs about its own size, not the size of the town.
"""

from __future__ import annotations

import bisect
import heapq

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from services.catalogue.distance import Point, bounding_box, distances_km, haversine_km
from services.catalogue.models import Course
from services.catalogue.search_cursors import Cursor
from services.catalogue.search_filters import Filters, Nearby, anywhere

MAX_BATCH = 2000  # ids asked about at once, well under every database's parameter limit


def measure_nearby(session: Session, origin: Point, radius_km: float) -> Nearby:
    """The distance filter: the exact distance of every course located in the bounding box."""
    box = bounding_box(origin, radius_km)
    rows = plain_rows(
        session,
        select(Course.id, Course.latitude, Course.longitude).where(
            Course.latitude.between(box.south, box.north),
            Course.longitude.between(box.west, box.east),
        ),
    )
    ids, latitudes, longitudes = zip(*rows, strict=True) if rows else ((), (), ())
    distances = distances_km(origin, latitudes, longitudes).tolist()
    return Nearby(box, radius_km, dict(zip(ids, distances, strict=True)))


def nearest_first(
    session: Session, filters: Filters, origin: Point, cursor: Cursor | None, limit: int
) -> list[tuple[float | None, int]]:
    """Up to `limit` (distance, id) pairs after `cursor`: courses with a campus, nearest first,
    then those without a distance (national, online, no campus) by id."""
    ranked: list[tuple[float | None, int]] = []
    if cursor is None or cursor.key is not None:
        after = None if cursor is None else (cursor.key, cursor.course_id)
        ranked.extend(_located(session, filters, origin, limit, after))
    if len(ranked) < limit:
        after_id = cursor.course_id if cursor is not None and cursor.key is None else 0
        rest = session.scalars(
            select(Course.id)
            .where(*filters.on_courses(), without_distance(), Course.id > after_id)
            .order_by(Course.id)
            .limit(limit - len(ranked))
        )
        ranked.extend((None, course_id) for course_id in rest)
    return ranked


def distance_of(course: Course, origin: Point | None) -> float | None:
    """The distance shown with a course: None without a place, or for a course without one."""
    located = course.latitude is not None and course.longitude is not None
    if origin is None or course.national or course.delivery_mode == "online" or not located:
        return None
    return haversine_km(origin, course.latitude, course.longitude)


def without_distance() -> ColumnElement[bool]:
    """National and online courses, and any course without a campus location."""
    return or_(anywhere(), Course.latitude.is_(None), Course.longitude.is_(None))


def plain_rows(session: Session, statement: Select) -> list[tuple]:
    """All rows of `statement` as plain tuples, without the ORM's per-row work (a box near a
    town centre holds thousands of courses)."""
    return [tuple(row) for row in session.connection().execute(statement)]


def _located(
    session: Session, filters: Filters, origin: Point, limit: int, after: tuple | None
) -> list[tuple[float, int]]:
    """Up to `limit` (distance, id) pairs after `after`, nearest first, of the matching courses
    that have a distance (all of them measured here when the query has no radius)."""
    if filters.nearby is not None:
        return _nearest_within(session, filters, limit, after)
    located = [*filters.on_courses(), ~without_distance()]
    rows = plain_rows(session, select(Course.id, Course.latitude, Course.longitude).where(*located))
    ids, latitudes, longitudes = zip(*rows, strict=True) if rows else ((), (), ())
    pairs = zip(distances_km(origin, latitudes, longitudes).tolist(), ids, strict=True)
    return heapq.nsmallest(limit, (pair for pair in pairs if after is None or pair > after))


def _nearest_within(
    session: Session, filters: Filters, limit: int, after: tuple | None
) -> list[tuple[float, int]]:
    """Walk the courses within the radius nearest first (their distances are known), asking
    SQL which of each batch match the other filters, until `limit` are found."""
    nearby = filters.nearby
    pairs = sorted((km, i) for i, km in nearby.distances.items() if km <= nearby.radius_km)
    if after is not None:
        pairs = pairs[bisect.bisect_right(pairs, after) :]
    found: list[tuple[float, int]] = []
    start, size = 0, 4 * limit
    while start < len(pairs) and len(found) < limit:  # batches double, up to MAX_BATCH
        batch = pairs[start : start + size]
        matching = set(
            session.scalars(
                select(Course.id).where(
                    *filters.on_courses(location=False),
                    ~without_distance(),
                    Course.id.in_([course_id for _, course_id in batch]),
                )
            )
        )
        found.extend(pair for pair in batch if pair[1] in matching)
        start, size = start + size, min(size * 2, MAX_BATCH)
    return found[:limit]
