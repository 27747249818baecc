"""The DfE Learning Aim Reference Service (LARS): learning aims from its CSV download.

The main file is the learning delivery table (one learning aim a line). It names the aim type
and the funding by code; the descriptions and validities come in other files of the same
download, so when the main file lacks `LearnAimRefTypeDesc` or `ValidityCategory` columns the
reader looks beside it for `LearnAimRefType.csv` (code -> description) and `Validity.csv` (which
funding streams an aim is valid for, and until when).

Like the Ofqual register, LARS says what an aim is, not how a provider runs it: campus, study
mode, attendance, start dates and fee come from the provider's defaults. For a regulated
qualification the learning aim reference is the Ofqual number without slashes, so both sources
name the same course.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from services.catalogue.course_sources.records import (
    ROUTE_KINDS,
    Cells,
    Problems,
    SourceRow,
    cell,
    check_open,
    check_order,
    column_key,
    csv_records,
    date_value,
    finish,
    merged_defaults,
    note,
    parse_date,
    read_csv,
    required_text,
    study_time,
    whole_number,
)
from services.catalogue.course_sources.sectors import ssa_sector

REF = "LearnAimRef"
TITLE = "LearnAimRefTitle"
TYPE = "LearnAimRefType"
TYPE_DESC = "LearnAimRefTypeDesc"
LEVEL = "NotionalNVQLevelv2"
SSA_TIER_2 = "SectorSubjectAreaTier2"
SSA_TIER_1 = "SectorSubjectAreaTier1"
SSA_TIER_2_DESC = "SectorSubjectAreaTier2Desc"
SSA_TIER_1_DESC = "SectorSubjectAreaTier1Desc"
EFFECTIVE_FROM = "EffectiveFrom"
EFFECTIVE_TO = "EffectiveTo"
GLH = "GuidedLearningHours"
VALIDITY = "ValidityCategory"

REQUIRED = (REF, TITLE, LEVEL)
TYPE_FILE = "LearnAimRefType.csv"
VALIDITY_FILE = "Validity.csv"

#: NotionalNVQLevelv2 -> RQF level. LARS writes "E" for entry level and digits for levels 1-8.
#: "H" (higher, level unstated), "M" (mixed) and "X" (not applicable) name no single level: such
#: aims are reported rather than placed at a guessed level.
LEVELS = {"e": 0, **{str(number): number for number in range(1, 9)}}

#: LearnAimRefTypeDesc -> CourseRow qualification type: the first phrase the description holds
#: as whole words wins ("Certificate at Level 2" is no T Level), so the order matters ("Access
#: to HE Diploma" is Access, not a diploma). None marks types Routeways has no course type for
#: (GCSEs): reported, not guessed. "BTEC" is CourseRow's word for any vocational certificate or
#: diploma; an "Award" is Ofqual's smallest size (at most 120 hours), a short course.
TYPE_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("gcse", None),
    ("t level", "T Level"),
    ("access to he", "Access to HE"),
    ("a level", "A level"),
    ("as level", "A level"),
    ("foundation degree", "Foundation degree"),
    ("first degree", "Bachelor's degree"),
    ("bachelor", "Bachelor's degree"),
    ("higher technical", "HTQ"),
    ("apprenticeship", "Apprenticeship"),
    ("bootcamp", "Skills Bootcamp"),
    ("functional skills", "Short course"),
    ("essential digital skills", "Short course"),
    ("esol", "Short course"),
    ("english for speakers of other languages", "Short course"),
    ("award", "Short course"),
    ("higher national", "BTEC"),
    ("diploma", "BTEC"),
    ("certificate", "BTEC"),
    ("btec", "BTEC"),
    ("nvq", "BTEC"),
    ("vocationally-related", "BTEC"),
    ("occupational", "BTEC"),
)

#: Validity categories open on the import day -> funding; the first match wins. The Adult Skills
#: Fund pays for eligible adults (the provider confirms who), advanced learner loans cover adults
#: at levels 3-6, 16-19 funding makes a course free only to young people, apprenticeship funding
#: comes through the employer. Other categories (ANY, COMM_LEARN, ESF, ...) leave the provider's
#: fee.
FUNDING = (
    ("ADULT_SKILLS", "fully-funded"),
    ("ADV_LEARN_LOAN", "loan-eligible"),
    ("1619_EFA", "free-16-19"),
    ("APPRENTICESHIPS", "employer-funded"),
)

_REF = re.compile(r"^[A-Z0-9]{8}$")


def read_rows(
    path: Path, *, provider_defaults: Mapping[str, Any], as_of: date | None = None
) -> Iterator[SourceRow]:
    """Each learning aim of a LARS learning delivery CSV as a course row, or why it cannot be
    one. `as_of` (today by default) is the day against which end dates are past."""
    as_of = as_of or date.today()
    lookups = {
        "types": _type_descriptions(path.parent / TYPE_FILE),
        "validity": _open_validities(path.parent / VALIDITY_FILE, as_of),
    }
    base = merged_defaults({}, provider_defaults)
    yield from read_csv(path, REQUIRED, partial(_course, base=base, as_of=as_of, **lookups))


def _course(
    cells: Cells,
    problems: Problems,
    *,
    base: dict[str, Any],
    as_of: date,
    types: dict[str, str],
    validity: dict[str, set[str]],
) -> dict[str, Any]:
    ref = _reference(cells, problems)
    title = required_text(cells, TITLE, problems)
    level = _level(cells, problems)
    description, qualification_type = _type(cells, types, problems)
    sector = _sector(cells, problems)
    hours = whole_number(cell(cells, GLH), GLH, problems)
    starts = date_value(cell(cells, EFFECTIVE_FROM), EFFECTIVE_FROM, problems)
    ends = date_value(cell(cells, EFFECTIVE_TO), EFFECTIVE_TO, problems)
    check_order(starts, ends, EFFECTIVE_TO, problems)
    check_open(ends, EFFECTIVE_TO, as_of, problems)
    if problems or qualification_type is None:
        return {}
    categories = _categories(cells, ref, validity)
    funding = next((value for category, value in FUNDING if category in categories), None)
    return finish(
        base,
        {
            "external_ref": ref,
            "title": title,
            "summary": f"{description} (learning aim {ref}).",
            "qualification_type": qualification_type,
            "rqf_level": level,
            "route_kind": ROUTE_KINDS[qualification_type],
            "sector": sector,
            **({"funding": funding} if funding else {}),
            **study_time(hours, qualification_type, base),
        },
    )


def _reference(cells: Cells, problems: Problems) -> str:
    ref = required_text(cells, REF, problems).upper()
    if ref and not _REF.match(ref):
        note(problems, REF, f"not an 8-character learning aim reference: {ref!r}")
    return ref


def _level(cells: Cells, problems: Problems) -> int | None:
    text = required_text(cells, LEVEL, problems)
    level = LEVELS.get(text.casefold())
    if text and level is None:
        note(problems, LEVEL, f"unknown level {text!r} (expected E or 1 to 8)")
    return level


def _type(cells: Cells, types: dict[str, str], problems: Problems) -> tuple[str, str | None]:
    description = cell(cells, TYPE_DESC) or types.get(cell(cells, TYPE), "")
    if not description:
        column = TYPE if cell(cells, TYPE) else TYPE_DESC
        note(problems, column, f"no aim type description (give {TYPE_DESC} or {TYPE_FILE})")
        return "", None
    text = description.casefold()
    found = next((pair for pair in TYPE_PHRASES if re.search(rf"\b{pair[0]}\b", text)), None)
    if found is None or found[1] is None:
        note(problems, TYPE_DESC, f"{description!r} has no Routeways qualification type")
        return description, None
    return description, found[1]


def _sector(cells: Cells, problems: Problems) -> str | None:
    """From the tier-2 code, else tier 1, else the descriptions: the first that is known."""
    given = [
        cell(cells, column) for column in (SSA_TIER_2, SSA_TIER_1, SSA_TIER_2_DESC, SSA_TIER_1_DESC)
    ]
    sector = next((s for s in (ssa_sector(text) for text in given if text) if s), None)
    if sector is None:
        found = ", ".join(repr(text) for text in given if text) or "none given"
        note(problems, SSA_TIER_2, f"no known sector subject area ({found})")
    return sector


def _categories(cells: Cells, ref: str, validity: dict[str, set[str]]) -> set[str]:
    inline = cell(cells, VALIDITY)
    if inline:
        return {item.strip().upper() for item in inline.split(";") if item.strip()}
    return validity.get(ref, set())


def _type_descriptions(path: Path) -> dict[str, str]:
    """Aim type code -> description from the download's type lookup, if it is there."""
    if not path.exists():
        return {}
    records = csv_records(path, (TYPE, TYPE_DESC))
    return {cells[column_key(TYPE)]: cells[column_key(TYPE_DESC)] for _, cells in records if cells}


def _open_validities(path: Path, as_of: date) -> dict[str, set[str]]:
    """Learning aim -> validity categories open to new starts on `as_of`, if the download's
    validity file is there. A validity line with an unreadable date counts as closed."""
    found: dict[str, set[str]] = {}
    if not path.exists():
        return found
    for _, cells in csv_records(path, (REF, VALIDITY)):
        if cells and _is_open(cells, as_of):
            found.setdefault(cell(cells, REF).upper(), set()).add(cell(cells, VALIDITY).upper())
    return found


def _is_open(cells: Cells, as_of: date) -> bool:
    starts = cell(cells, "StartDate") or cell(cells, EFFECTIVE_FROM)
    ends = [cell(cells, name) for name in ("LastNewStartDate", "EndDate", EFFECTIVE_TO)]
    try:
        opened = parse_date(starts) <= as_of if starts else True
        return opened and all(parse_date(end) >= as_of for end in ends if end)
    except ValueError:
        return False
