"""Ofqual's Register of Regulated Qualifications, as its CSV download: one qualification a line.

The register says what a qualification is (title, level, type, subject area, size), not how a
provider runs it, so campus, study mode, attendance, start dates, fee and funding come from the
provider's defaults. The file should hold only the qualifications the provider offers: a search
of the register filtered that way downloads as this same CSV.

The qualification number becomes the course's `external_ref` without its slashes
("603/1234/5" -> "60312345"): that is the learning aim reference LARS gives the same
qualification, so importing it from either source updates one course.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from services.catalogue.course_sources.records import (
    Cells,
    Problems,
    SourceRow,
    cell,
    check_open,
    check_order,
    date_value,
    finish,
    merged_defaults,
    note,
    read_csv,
    required_text,
    study_time,
    whole_number,
)
from services.catalogue.course_sources.sectors import ssa_sector

NUMBER = "Qualification Number"
TITLE = "Qualification Title"
LEVEL = "Qualification Level"
TYPE = "Qualification Type"
SSA = "Qualification SSA"
STATUS = "Qualification Status"
OWNER = "Owner Organisation Name"
GLH = "Guided Learning Hours"
MAX_GLH = "Maximum Guided Learning Hours"
TQT = "Total Qualification Time"
STARTS = "Operational Start Date"
ENDS = "Operational End Date"
ENGLAND = "Offered In England"

REQUIRED = (NUMBER, TITLE, LEVEL, TYPE, SSA, STATUS)
OPTIONAL = (OWNER, GLH, MAX_GLH, TQT, STARTS, ENDS, ENGLAND)

#: "Qualification Level" -> RQF level. "Level 1/Level 2" (graded across two levels, as GCSEs
#: and technical awards are) counts as the higher: the level a learner can reach with it.
LEVELS = {
    "entry level": 0,
    "level 1": 1,
    "level 1/level 2": 2,
    **{f"level {number}": number for number in range(2, 9)},
}

#: "Qualification Type" -> (CourseRow qualification_type, route_kind). "BTEC" is CourseRow's word
#: for a college vocational certificate or diploma, whichever body awards it. Types not listed
#: (Project, Performing Arts Graded Examination, End-Point Assessment, Other
#: General Qualification, ...) have no Routeways course type: their lines are reported, not
#: guessed.
TYPES = {
    "gcse (9 to 1)": ("GCSE", "academic"),  # adults resit English and maths for many routes
    "gce a level": ("A level", "academic"),
    "gce as level": ("A level", "academic"),  # the first half of an A level; CourseRow has no AS
    "access to higher education": ("Access to HE", "academic"),
    "technical qualification": ("T Level", "technical"),  # the register's type for T Level TQs
    "technical occupation qualification": ("BTEC", "technical"),  # HTQ at HTQ_LEVELS
    "vocationally-related qualification": ("BTEC", "both"),  # applied generals lead either way
    "alternative academic qualification": ("BTEC", "both"),
    "occupational qualification": ("BTEC", "technical"),
    "other vocational qualification": ("BTEC", "technical"),
    "functional skills": ("Short course", "both"),
    "digital functional skills qualification": ("Short course", "both"),
    "essential digital skills": ("Short course", "both"),
    "english for speakers of other languages": ("Short course", "both"),
    "other life skills qualification": ("Short course", "both"),
}
#: Technical occupation qualifications at levels 4 and 5 are Higher Technical Qualifications.
HTQ_TYPE, HTQ_LEVELS = "technical occupation qualification", range(4, 6)
#: Ofqual's size words: an "Award" has a total qualification time of at most 120 hours. A
#: vocational qualification that small is a short course, not a college programme.
SHORT_COURSE_MAX_TQT = 120
#: Only qualifications awarding organisations still register learners on can be offered.
OPEN_STATUS = "available to learners"

_NUMBER = re.compile(r"^\d{3}/\d{4}/[0-9X]$")


def read_rows(
    path: Path, *, provider_defaults: Mapping[str, Any], as_of: date | None = None
) -> Iterator[SourceRow]:
    """Each qualification of an Ofqual register CSV as a course row, or why it cannot be one.
    `as_of` (today by default) is the day against which an operational end date is past."""
    base = merged_defaults({}, provider_defaults)
    course = partial(_course, base=base, as_of=as_of or date.today())
    yield from read_csv(path, REQUIRED, course)


def _course(
    cells: Cells, problems: Problems, *, base: dict[str, Any], as_of: date
) -> dict[str, Any]:
    number = _number(cells, problems)
    title = required_text(cells, TITLE, problems)
    level = _level(cells, problems)
    tqt = whole_number(cell(cells, TQT), TQT, problems)
    kind = _kind(cells, level, tqt, problems)
    sector = _sector(cells, problems)
    hours_column = GLH if cell(cells, GLH) else MAX_GLH  # a range gives only its maximum
    hours = whole_number(cell(cells, hours_column), hours_column, problems)
    _check_offered(cells, as_of, problems)
    if problems or kind is None:
        return {}
    qualification_type, route_kind = kind
    return finish(
        base,
        {
            "external_ref": number.replace("/", ""),
            "title": title,
            "summary": _summary(cells, number, hours, tqt),
            "qualification_type": qualification_type,
            "rqf_level": level,
            "route_kind": route_kind,
            "sector": sector,
            **study_time(hours, qualification_type, base),
        },
    )


def _number(cells: Cells, problems: Problems) -> str:
    number = required_text(cells, NUMBER, problems).upper()
    if number and not _NUMBER.match(number):
        note(problems, NUMBER, f"not a qualification number like 603/1234/5: {number!r}")
    return number


def _level(cells: Cells, problems: Problems) -> int | None:
    text = required_text(cells, LEVEL, problems)
    level = LEVELS.get(" ".join(text.split()).casefold())
    if text and level is None:
        note(problems, LEVEL, f"unknown level {text!r} (expected Entry Level or Level 1 to 8)")
    return level


def _kind(
    cells: Cells, level: int | None, tqt: int | None, problems: Problems
) -> tuple[str, str] | None:
    text = required_text(cells, TYPE, problems)
    key = " ".join(text.split()).casefold()
    if text and key not in TYPES:
        note(problems, TYPE, f"{text!r} has no Routeways qualification type")
    if key not in TYPES:
        return None
    qualification_type, route_kind = TYPES[key]
    if key == HTQ_TYPE and level in HTQ_LEVELS:
        return "HTQ", route_kind
    if qualification_type == "BTEC" and tqt is not None and tqt <= SHORT_COURSE_MAX_TQT:
        return "Short course", route_kind
    return qualification_type, route_kind


def _sector(cells: Cells, problems: Problems) -> str | None:
    text = required_text(cells, SSA, problems)
    sector = ssa_sector(text) if text else None
    if text and sector is None:
        note(problems, SSA, f"unknown sector subject area {text!r}")
    return sector


def _check_offered(cells: Cells, as_of: date, problems: Problems) -> None:
    """Open to new learners in England: available, operational, not past its end date."""
    status = required_text(cells, STATUS, problems)
    if status and status.casefold() != OPEN_STATUS:
        note(problems, STATUS, f"{status!r}: not available to learners")
    if cell(cells, ENGLAND).casefold() in ("false", "no", "0"):
        note(problems, ENGLAND, "not offered in England")
    starts = date_value(cell(cells, STARTS), STARTS, problems)
    ends = date_value(cell(cells, ENDS), ENDS, problems)
    check_order(starts, ends, ENDS, problems)
    check_open(ends, ENDS, as_of, problems)


def _summary(cells: Cells, number: str, hours: int | None, tqt: int | None) -> str:
    owner = cell(cells, OWNER)
    parts = [f"Regulated qualification {number}" + (f", awarded by {owner}." if owner else ".")]
    if hours:
        parts.append(f"Guided learning hours: {hours}.")
    if tqt:
        parts.append(f"Total qualification time: {tqt} hours.")
    return " ".join(parts)
