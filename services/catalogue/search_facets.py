"""Facet counts: for each dimension, how many courses match every filter except that dimension's
own (so choosing "part-time" still shows how many full-time courses there are), and the total.

One GROUP BY over all eight dimensions does it. The courses matching the common filters (text,
distance, dates...) are grouped by their combination of facet values, a few hundred groups even
for 50,000 courses; then, in Python, a group counts towards dimension D when it passes every
chosen facet filter but perhaps D's own, and towards the total when it passes them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.catalogue.models import Course
from services.catalogue.search_filters import Filters
from services.catalogue.search_query import FACETS, CourseQuery


@dataclass(frozen=True)
class FacetCount:
    value: str | int
    count: int


Facets = tuple[dict[str, list[FacetCount]], int]


def count_facets(session: Session, query: CourseQuery, filters: Filters) -> Facets:
    """Counts by value for every dimension in FACETS, and the number of courses matching all."""
    columns = [getattr(Course, name) for name in FACETS]
    groups = session.connection().execute(
        select(*columns, func.count()).where(*filters.matching()).group_by(*columns)
    )
    return tally(((tuple(values), count) for *values, count in groups), query, filters)


def tally(groups: Iterable[tuple[tuple, int]], query: CourseQuery, filters: Filters) -> Facets:
    """Facet counts and total from (facet values in FACETS order, number of courses) groups."""
    chosen = [(FACETS.index(name), facet) for name, facet in filters.facets.items()]
    everywhere = range(len(FACETS))
    counts = [Counter() for _ in FACETS]
    total = 0
    for values, count in groups:
        failed = [index for index, facet in chosen if not facet.accepts(values[index])]
        if not failed:
            total += count
        elif len(failed) > 1:
            continue
        for index in failed or everywhere:  # one failure: counted only for its own dimension
            counts[index][values[index]] += count
    return _listed(dict(zip(FACETS, counts, strict=True)), query), total


def _listed(counts: dict[str, Counter], query: CourseQuery) -> dict[str, list[FacetCount]]:
    """By value, with every chosen value present (count 0 when nothing matches it), so a choice
    can always be seen and taken back."""
    for name, counted in counts.items():
        if name != "rqf_level":
            counted.update(dict.fromkeys(getattr(query, name), 0))
    return {
        name: [FacetCount(value, count) for value, count in sorted(counted.items())]
        for name, counted in counts.items()
    }
