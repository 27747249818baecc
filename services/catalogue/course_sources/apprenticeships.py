"""Apprenticeship standards as Skills England (formerly the Institute for Apprenticeships and
Technical Education) publishes them: its JSON download, or a CSV with the same field names.

One standard is one course: an apprenticeship is a job with training, so it is delivered in the
workplace, full time, paid for through the employer. Its reference ("ST0116") becomes the
course's `external_ref`. A provider delivering the off-the-job training at a campus gives that
campus (and `delivery_mode`) in its defaults.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from services.catalogue.course_sources.records import (
    Problems,
    SourceRow,
    check_open,
    clip,
    column_key,
    csv_records,
    date_value,
    finish,
    merged_defaults,
    note,
    read_text,
    weeks_from_months,
    whole_number,
)
from services.catalogue.course_sources.sectors import (
    AGRICULTURE,
    BUSINESS,
    CARE,
    CONSTRUCTION,
    CREATIVE,
    DIGITAL,
    EDUCATION,
    ENGINEERING,
    HAIR_AND_BEAUTY,
    HEALTH,
    HOSPITALITY,
    LEGAL_AND_FINANCE,
    PROTECTIVE,
    SALES,
    TRANSPORT,
)

REF, TITLE, LEVEL, STATUS = "referenceNumber", "title", "level", "status"
ROUTE, DURATION, FUNDING = "route", "typicalDuration", "maxFunding"
OVERVIEW, SKILLS, JOB_TITLES = "overviewOfRole", "skills", "typicalJobTitles"
APPROVED, LATEST_START, DEGREE = "approvedForDelivery", "latestStartDate", "integratedDegree"
REQUIRED = (REF, TITLE, LEVEL, STATUS, ROUTE)
FIELDS = (
    *REQUIRED,
    DURATION,
    FUNDING,
    OVERVIEW,
    SKILLS,
    JOB_TITLES,
    APPROVED,
    LATEST_START,
    DEGREE,
)

#: Only standards approved for delivery can be started; "In development", "Proposal in
#: development", "Retired" and "Withdrawn" ones are reported.
OPEN_STATUS = "approved for delivery"
#: Apprenticeship levels run from 2 (intermediate) to 7 (master's degree level).
LEVELS = range(2, 8)
#: Route -> sector. The fifteen occupational routes are the sectors; two are filed under the
#: shorter words the demo catalogue uses for the same route.
ROUTES = {
    "agriculture, environmental and animal care": AGRICULTURE,
    "business and administration": BUSINESS,
    "care services": CARE,
    "catering and hospitality": HOSPITALITY,
    "construction and the built environment": CONSTRUCTION,
    "construction": CONSTRUCTION,
    "creative and design": CREATIVE,
    "digital": DIGITAL,
    "education and early years": EDUCATION,
    "education and childcare": EDUCATION,
    "engineering and manufacturing": ENGINEERING,
    "hair and beauty": HAIR_AND_BEAUTY,
    "health and science": HEALTH,
    "legal, finance and accounting": LEGAL_AND_FINANCE,
    "protective services": PROTECTIVE,
    "sales, marketing and procurement": SALES,
    "transport and logistics": TRANSPORT,
}
#: Where an apprenticeship is delivered unless the provider says otherwise.
DEFAULTS = {
    "delivery_mode": "workplace",
    "study_mode": "full-time",
    "attendance_pattern": "daytime",
}
#: An integrated degree apprenticeship awards a degree too, so it leads on either route.
DEGREE_ROUTE_KIND, ROUTE_KIND = "both", "technical"
#: CourseRow takes at most 50 skills of at most 200 characters; standards' skill statements are
#: sentences, cut at a word boundary.
MAX_SKILLS, MAX_SKILL_CHARS, MAX_SUMMARY_CHARS = 50, 200, 5000
#: In the CSV form, a list (skills, job titles) is one cell with items separated by "|".
CSV_LIST_SEPARATOR = "|"


def read_rows(
    path: Path, *, provider_defaults: Mapping[str, Any], as_of: date | None = None
) -> Iterator[SourceRow]:
    """Each standard of a JSON download (an array, or JSON lines) or of a CSV (by its .csv
    suffix) as a course row, or why it cannot be one. `as_of` (today by default) is the day
    against which a standard's latest start date is past."""
    as_of = as_of or date.today()
    base = merged_defaults(DEFAULTS, provider_defaults)
    items = _csv_items(path) if path.suffix.lower() == ".csv" else _json_items(read_text(path))
    for line, item, unreadable in items:
        if unreadable or not isinstance(item, dict):
            yield SourceRow(line, None, {"_line": [unreadable or "a standard must be an object"]})
            continue
        problems: Problems = {}
        row = _course(item, problems, base, as_of)
        yield SourceRow(line, None if problems else row, problems)


def _course(
    item: dict[str, Any], problems: Problems, base: dict[str, Any], as_of: date
) -> dict[str, Any]:
    ref = _text(item, REF)
    if not re.fullmatch(r"ST\d{4}", ref, flags=re.IGNORECASE):
        note(problems, REF, f"not a standard reference like ST0116: {ref!r}" if ref else "missing")
    title = _text(item, TITLE)
    if not title:
        note(problems, TITLE, "missing")
    level = _level(item, problems)
    sector = _sector(item, problems)
    _check_approved(item, as_of, problems)
    months = whole_number(item.get(DURATION), DURATION, problems)
    pounds = whole_number(item.get(FUNDING), FUNDING, problems)
    if problems:
        return {}
    mapped = {
        "external_ref": ref.upper(),
        "title": title,
        "summary": _summary(item),
        "qualification_type": "Apprenticeship",
        "rqf_level": level,
        "route_kind": DEGREE_ROUTE_KIND if _is_degree(item) else ROUTE_KIND,
        "sector": sector,
        "skills": [{"skill": skill, "level": level} for skill in _skills(item)],
        "funding": "employer-funded",
    }
    if months:
        mapped["duration_weeks"] = weeks_from_months(months)
    if pounds is not None:
        mapped["cost_pence"] = pounds * 100  # the funding band maximum: the full cost
    return finish(base, mapped)


def _level(item: dict[str, Any], problems: Problems) -> int | None:
    value = item.get(LEVEL)
    level = whole_number(value, LEVEL, {})
    if level not in LEVELS:
        note(problems, LEVEL, f"unknown level {value!r} (expected 2 to 7)" if value else "missing")
        return None
    return level


def _sector(item: dict[str, Any], problems: Problems) -> str | None:
    route = _text(item, ROUTE)
    sector = ROUTES.get(" ".join(route.split()).casefold())
    if sector is None:
        note(problems, ROUTE, f"unknown route {route!r}" if route else "missing")
    return sector


def _check_approved(item: dict[str, Any], as_of: date, problems: Problems) -> None:
    status = _text(item, STATUS)
    if status.casefold() != OPEN_STATUS:
        note(problems, STATUS, f"{status!r}: not approved for delivery" if status else "missing")
    date_value(_text(item, APPROVED), APPROVED, problems)
    latest = date_value(_text(item, LATEST_START), LATEST_START, problems)
    check_open(latest, LATEST_START, as_of, problems)


def _is_degree(item: dict[str, Any]) -> bool:
    return _text(item, DEGREE).casefold() == "integrated degree"


def _skills(item: dict[str, Any]) -> list[str]:
    """The standard's skill statements, each cut to what a course skill label holds."""
    labels = [clip(text, MAX_SKILL_CHARS) for text in _details(item.get(SKILLS))]
    return list(dict.fromkeys(label for label in labels if label))[:MAX_SKILLS]


def _summary(item: dict[str, Any]) -> str:
    overview = _text(item, OVERVIEW)
    titles = ", ".join(_details(item.get(JOB_TITLES)))
    text = overview + (f" Typical job titles: {titles}." if titles else "")
    return clip(text, MAX_SUMMARY_CHARS)


def _details(value: object) -> list[str]:
    """A list field's texts: JSON strings or {"detail": ...} objects, or a CSV cell's items."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
    if not isinstance(value, list):
        return []
    texts = (entry.get("detail") if isinstance(entry, dict) else entry for entry in value)
    return [text.strip() for text in texts if isinstance(text, str) and text.strip()]


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _json_items(text: str) -> Iterator[tuple[int, object, str]]:
    """(line, standard, "") from a JSON array, each on the line its object opens, or from JSON
    lines. A syntax error ends an array there (nothing after it can be found again): it comes
    as (line, None, why)."""
    start = len(text) - len(text.lstrip())
    if text[start : start + 1] != "[":
        yield from _json_lines(text)
        return
    decoder, position = json.JSONDecoder(), start + 1
    while True:
        position = _skip_space(text, position)
        if text[position : position + 1] == "]":
            return
        try:
            item, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield _line_of(text, error.pos), None, f"not JSON: {error.msg}"
            return
        yield _line_of(text, position), item, ""
        position = _skip_space(text, end)
        if text[position : position + 1] == ",":
            position += 1
        elif text[position : position + 1] != "]":
            yield _line_of(text, position), None, "not JSON: expected , or ] after a standard"
            return


def _json_lines(text: str) -> Iterator[tuple[int, object, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), ""
        except json.JSONDecodeError as error:
            yield number, None, f"not JSON: {error.msg}"


def _csv_items(path: Path) -> Iterator[tuple[int, object, str]]:
    """(line, standard, "") from a CSV whose header names the JSON fields."""
    names = {column_key(name): name for name in FIELDS}
    for line, cells in csv_records(path, REQUIRED):
        if cells is None:
            yield line, None, "more cells than the header has columns"
        else:
            yield line, {names.get(key, key): value for key, value in cells.items()}, ""


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1
