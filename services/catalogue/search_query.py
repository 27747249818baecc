"""What a learner asks the course search for (`CourseQuery`) and why a query cannot be answered
(`QueryError`, naming the field): the checks that need more than one field live here, so every
caller of the search gets them, not only the HTTP layer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

SORTS = ("relevance", "start_date", "distance", "title")
UNITS = {"km": 1.0, "miles": 1.609344}  # kilometres per unit
MAX_LIMIT = 100
MAX_TERMS = 8

#: The dimensions facet counts are given for, each filtered by the query field of the same name
#: (rqf_level by level_min/level_max).
FACETS = (
    "qualification_type",
    "rqf_level",
    "route_kind",
    "sector",
    "study_mode",
    "attendance_pattern",
    "delivery_mode",
    "funding",
)

_WORD = re.compile(r"[\w+#]+")


class QueryError(ValueError):
    """A query the search cannot answer; `field` names the query field to change."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CourseQuery:
    """Filters, sort and page of one course search; repeated fields match any of their values."""

    q: str | None = None
    level_min: int | None = None
    level_max: int | None = None
    route_kind: tuple[str, ...] = ()
    qualification_type: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    skill: tuple[str, ...] = ()
    occupation: tuple[str, ...] = ()
    study_mode: tuple[str, ...] = ()
    attendance_pattern: tuple[str, ...] = ()
    delivery_mode: tuple[str, ...] = ()
    funding: tuple[str, ...] = ()
    provider_id: tuple[int, ...] = ()
    start_from: date | None = None
    start_to: date | None = None
    hide_out_of_date: bool = True
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    within: float | None = None
    unit: str = "miles"
    sort: str | None = None
    cursor: str | None = None
    limit: int = 20
    terms: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", text_terms(self.q))

    @property
    def has_location(self) -> bool:
        return self.postcode is not None or self.lat is not None or self.lon is not None

    @property
    def radius_km(self) -> float | None:
        return None if self.within is None else self.within * UNITS[self.unit]

    @property
    def effective_sort(self) -> str:
        """The sort asked for, else relevance for a text query, distance near a place, else
        the soonest start."""
        if self.sort:
            return self.sort
        if self.terms:
            return "relevance"
        return "distance" if self.has_location else "start_date"


def text_terms(q: str | None) -> tuple[str, ...]:
    """The distinct lower-case words of `q` (at most MAX_TERMS); one-letter words only when
    nothing longer is given, since a single letter is inside almost every title."""
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(q or "")))
    longer = [word for word in words if len(word) > 1]
    return tuple((longer or words)[:MAX_TERMS])


def check(query: CourseQuery) -> None:
    """Raise QueryError for the first combination of fields that makes no sense together."""
    problems = _problems(query)
    if problems:
        raise QueryError(*problems[0])


def _problems(query: CourseQuery) -> list[tuple[str, str]]:
    problems = []
    if query.q is not None and query.q.strip() and not query.terms:
        problems.append(("q", "give at least one word of letters or digits"))
    if (query.lat is None) != (query.lon is None):
        problems.append(("lon" if query.lon is None else "lat", "give both lat and lon"))
    if query.postcode is not None and query.lat is not None:
        problems.append(("postcode", "give a postcode or lat and lon, not both"))
    if query.within is not None and not query.has_location:
        problems.append(("within", "needs a postcode, or lat and lon, to measure from"))
    if query.unit not in UNITS:
        problems.append(("unit", f"must be one of: {', '.join(UNITS)}"))
    if None not in (query.level_min, query.level_max) and query.level_min > query.level_max:
        problems.append(("level_max", "must not be below level_min"))
    if None not in (query.start_from, query.start_to) and query.start_from > query.start_to:
        problems.append(("start_to", "must not be before start_from"))
    if not 1 <= query.limit <= MAX_LIMIT:
        problems.append(("limit", f"must be between 1 and {MAX_LIMIT}"))
    problems.extend(_sort_problems(query))
    return problems


def _sort_problems(query: CourseQuery) -> list[tuple[str, str]]:
    if query.sort is not None and query.sort not in SORTS:
        return [("sort", f"must be one of: {', '.join(SORTS)}")]
    if query.sort == "relevance" and not query.terms:
        return [("sort", "relevance needs a text query in q")]
    if query.sort == "distance" and not query.has_location:
        return [("sort", "distance needs a postcode, or lat and lon")]
    return []
