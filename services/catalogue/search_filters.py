"""The conditions of a course search, kept apart by dimension.

`Filters.common` holds, as SQL, the conditions that are not a facet's own (published, skills,
occupations, provider, start dates); `Filters.text` the text match (the expensive part, which
relevance ranking does itself); `Filters.location` the distance filter; and
`Filters.facets` each chosen facet's filter, which works both in SQL (for pages) and in Python
(on grouped counts), so every facet can be counted without its own filter from one GROUP BY.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)

from services.catalogue.courses import VISIBLE
from services.catalogue.distance import Box
from services.catalogue.models import Course, CourseOccupation, CourseSkill
from services.catalogue.search_query import FACETS, CourseQuery

Condition = ColumnElement[bool]

#: How much a word found in each part of a course adds to its relevance (title counts most).
WEIGHTS = {"title": 8, "skills": 4, "sector": 3, "summary": 2}
PHRASE_IN_TITLE = 6  # the whole query, as typed, inside the title


@dataclass(frozen=True)
class Nearby:
    """The distance filter, already refined: the exact distance (km) of every course located in
    `box`; those within `radius_km` pass."""

    box: Box
    radius_km: float
    distances: dict[int, float]

    def split(self) -> tuple[list[int], list[int]]:
        """The ids within the radius, and those in the box but beyond it."""
        inside, outside = [], []
        for course_id, km in self.distances.items():
            (inside if km <= self.radius_km else outside).append(course_id)
        return inside, outside


@dataclass(frozen=True)
class FacetFilter:
    """A facet's own filter: one of `values`, or a level from `low` to `high`. Applied in SQL
    to pages, and in Python to grouped counts (see search_facets)."""

    values: frozenset[str] = frozenset()
    low: int | None = None
    high: int | None = None

    def accepts(self, value: str | int) -> bool:
        if self.values:
            return value in self.values
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def condition(self, column: ColumnElement) -> Condition:
        if self.values:
            return column.in_(sorted(self.values))
        bounds = []
        if self.low is not None:
            bounds.append(column >= self.low)
        if self.high is not None:
            bounds.append(column <= self.high)
        return and_(*bounds)


@dataclass
class Filters:
    """Everything a query filters on, kept apart by dimension (see the module docstring)."""

    common: list[Condition] = field(default_factory=list)
    text: list[Condition] = field(default_factory=list)
    location: list[Condition] = field(default_factory=list)
    facets: dict[str, FacetFilter] = field(default_factory=dict)
    nearby: Nearby | None = None

    def matching(self, *, text: bool = True) -> list[Condition]:
        """Every condition but the facets' own (and, for a caller that matches the text
        itself, but the text)."""
        return [*self.common, *(self.text if text else []), *self.location]

    def accepts(self, values: Sequence[str | int]) -> bool:
        """Whether facet values (in FACETS order) pass every chosen facet filter."""
        named = dict(zip(FACETS, values, strict=True))
        return all(chosen.accepts(named[name]) for name, chosen in self.facets.items())

    def on_courses(self, *, location: bool = True) -> list[Condition]:
        """Every condition against the courses table (less the distance filter, for courses
        already known to be within it)."""
        own = [chosen.condition(getattr(Course, name)) for name, chosen in self.facets.items()]
        return [*self.common, *self.text, *(self.location if location else []), *own]


def build_filters(query: CourseQuery, today: date, dialect: str, nearby: Nearby | None) -> Filters:
    """The conditions `query` asks for; `nearby` is its distance filter, when it has one."""
    filters = Filters(common=[Course.status == VISIBLE], nearby=nearby)
    if nearby is not None:
        filters.location.append(or_(anywhere(), near(nearby)))
    if query.terms:
        filters.text.append(text_match(query.terms, dialect))
    common = filters.common
    if query.skill:
        common.append(_has_skill(query.skill))
    if query.occupation:
        common.append(_leads_to(query.occupation))
    if query.provider_id:
        common.append(Course.provider_id.in_(query.provider_id))
    if query.hide_out_of_date:
        common.append(or_(Course.last_start.is_(None), Course.last_start >= today))
    common.extend(_start_window(query.start_from, query.start_to, dialect))
    filters.facets.update(_facet_filters(query))
    return filters


def anywhere() -> Condition:
    """Courses open to learners wherever they live: national or online."""
    return or_(Course.national.is_(True), Course.delivery_mode == "online")


def near(nearby: Nearby) -> Condition:
    """Courses whose campus is within the radius (exactly: the box then the refined ids)."""
    box, (inside, outside) = nearby.box, nearby.split()
    in_box = and_(
        Course.latitude.between(box.south, box.north),
        Course.longitude.between(box.west, box.east),
    )
    if not inside:
        return false()
    if not outside:
        return in_box
    if len(outside) < len(inside):  # the shorter list of ids to write into the SQL
        return and_(in_box, ~Course.id.in_(_ids("outside", outside)))
    return and_(in_box, Course.id.in_(_ids("inside", inside)))


def text_match(terms: Sequence[str], dialect: str) -> Condition:
    """Every word appears in the title, summary, sector or a skill (case-insensitive)."""
    return and_(*(or_(*_found_in(term, dialect).values()) for term in terms))


def term_scores(
    terms: Sequence[str], phrase: str, dialect: str
) -> tuple[list[ColumnElement[int]], ColumnElement[int]]:
    """Relevance as weighted matches: per word, the sum of WEIGHTS of the parts it is found in
    (a course matches when every word scores), and a bonus for the whole phrase in the title."""
    scores = []
    for term in terms:
        found = _found_in(term, dialect)
        scores.append(sum_of(case((found[part], WEIGHTS[part]), else_=0) for part in WEIGHTS))
    in_title = _contains(Course.title, phrase, dialect) if len(terms) > 1 else false()
    return scores, case((in_title, PHRASE_IN_TITLE), else_=0)


def sum_of(scores: Iterable[ColumnElement[int]]) -> ColumnElement[int]:
    total: ColumnElement[int] = literal(0)
    for score in scores:
        total = total + score
    return total


def _found_in(term: str, dialect: str) -> dict[str, Condition]:
    skill = exists().where(
        CourseSkill.course_id == Course.id, _contains(CourseSkill.skill, term, dialect)
    )
    return {
        "title": _contains(Course.title, term, dialect),
        "skills": skill,
        "sector": _contains(Course.sector, term, dialect),
        "summary": _contains(Course.summary, term, dialect),
    }


def _contains(column: ColumnElement, term: str, dialect: str) -> Condition:
    """`term` inside `column`, ignoring case, with LIKE's wildcards taken literally. SQLite's
    LIKE already ignores (ASCII) case, and lower() per row would only slow it down."""
    if dialect == "sqlite":
        return column.contains(term, autoescape=True)
    return column.icontains(term, autoescape=True)


def _has_skill(skills: Sequence[str]) -> Condition:
    lowered = sorted({skill.lower() for skill in skills})
    taught = select(CourseSkill.course_id).where(func.lower(CourseSkill.skill).in_(lowered))
    return Course.id.in_(taught)


def _leads_to(codes: Sequence[str]) -> Condition:
    linked = select(CourseOccupation.course_id).where(CourseOccupation.occupation_code.in_(codes))
    return Course.id.in_(linked)


def _start_window(start_from: date | None, start_to: date | None, dialect: str) -> list[Condition]:
    """Some start date in [start_from, start_to]. The indexed next_start/last_start columns
    decide it when one end is open; with both ends, they prefilter and the dates themselves
    settle it (a course starting before and after the window, but not in it, fails)."""
    conditions = []
    if start_from is not None:
        conditions.append(Course.last_start >= start_from)
    if start_to is not None:
        conditions.append(Course.next_start <= start_to)
    if start_from is not None and start_to is not None:
        conditions.append(_any_start_between(start_from, start_to, dialect))
    return conditions


def _any_start_between(start_from: date, start_to: date, dialect: str) -> Condition:
    """EXISTS over the JSON list of ISO start dates (ISO dates sort as text)."""
    if dialect == "postgresql":
        dates = func.json_array_elements_text(Course.start_dates).table_valued("value")
    else:
        dates = func.json_each(Course.start_dates).table_valued("value")
    between = dates.c.value.between(start_from.isoformat(), start_to.isoformat())
    return exists(select(literal(1)).select_from(dates).where(between))


def _facet_filters(query: CourseQuery) -> dict[str, FacetFilter]:
    chosen = {
        name: FacetFilter(frozenset(getattr(query, name))) for name in FACETS if name != "rqf_level"
    }
    chosen["rqf_level"] = FacetFilter(low=query.level_min, high=query.level_max)
    return {name: facet for name, facet in chosen.items() if facet != FacetFilter()}


def _ids(name: str, ids: Sequence[int]) -> ColumnElement:
    """A list of ids written into the SQL, so no database's bound-parameter limit applies."""
    return bindparam(name, list(ids), expanding=True, literal_execute=True)
