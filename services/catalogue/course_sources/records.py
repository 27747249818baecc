"""What every course-source reader shares: the line it reports, reading a CSV with the file's own
line numbers, and small parsers whose failures name the source column.

A reader maps one source record at a time. Every problem with a record is noted against the
source column it came from (so a user can find and fix it in the file), all of a record's
problems are reported together, and a bad record never stops the records after it.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

Problems = dict[str, list[str]]
Cells = dict[str, str]

#: Guided learning hours a learner does in one teaching week when the provider gives no
#: `hours_per_week`: full time is a 16-19 study programme (about 540 planned hours over 36
#: teaching weeks), part time two three-hour sessions. Flexible study has no week to count, so
#: no duration is derived for it.
WEEKLY_HOURS = {"full-time": 15.0, "part-time": 6.0}
#: A full-time A level is one of three subjects studied side by side: a third of the week.
FULL_TIME_A_LEVEL_HOURS = 5.0
MAX_WEEKS = 520  # CourseRow's longest duration

#: Route kind of each Routeways qualification type, for sources that say nothing of it: A levels,
#: Access and degrees lead on to study; vocational diplomas and short courses serve either way.
ROUTE_KINDS = {
    "GCSE": "academic",
    "A level": "academic",
    "Access to HE": "academic",
    "Bachelor's degree": "academic",
    "Foundation degree": "both",
    "T Level": "technical",
    "BTEC": "both",
    "HTQ": "technical",
    "Apprenticeship": "technical",
    "Skills Bootcamp": "technical",
    "Short course": "both",
}

_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")


@dataclass(frozen=True)
class SourceRow:
    """One record of a source file: the line it starts on (the header is line 1, so the number
    matches the spreadsheet row), the CourseRow-shaped course it maps to, or why it could not
    be mapped (source column -> reasons)."""

    line: int
    row: dict[str, Any] | None
    errors: Problems = field(default_factory=dict)


class SourceFormatError(ValueError):
    """The file is not in the expected format at all (unreadable, or required columns missing).
    Unlike a bad line, this stops the import before any course is read."""


def note(problems: Problems, column: str, reason: str) -> None:
    """Record why `column` of the current record cannot be used."""
    problems.setdefault(column, []).append(reason)


def column_key(name: str) -> str:
    """Header names match ignoring case and spacing ("Qualification  title" is the title)."""
    return " ".join(name.split()).casefold()


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252, the two
    encodings the official downloads come in."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_records(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, Cells | None]]:
    """(line, cells by column key) for each non-blank record after the header; cells is None
    for a record with more cells than the header has columns."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise SourceFormatError(f"{path.name} is empty")
    keys = [column_key(name) for name in header]
    missing = [name for name in required if column_key(name) not in keys]
    if missing:
        raise SourceFormatError(f"{path.name} lacks the columns {', '.join(missing)}")
    last = reader.line_num
    for cells in reader:
        line, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(keys):
            yield line, None
            continue
        yield line, {key: cell.strip() for key, cell in zip(keys, cells, strict=False)}


def read_csv(
    path: Path, required: tuple[str, ...], course: Callable[[Cells, Problems], dict[str, Any]]
) -> Iterator[SourceRow]:
    """Map each record of a CSV source with `course`; a record with problems yields no row."""
    for line, cells in csv_records(path, required):
        if cells is None:
            yield SourceRow(line, None, {"_line": ["more cells than the header has columns"]})
            continue
        problems: Problems = {}
        row = course(cells, problems)
        yield SourceRow(line, None if problems else row, problems)


def cell(cells: Cells, column: str) -> str:
    """The trimmed text of `column`, empty when the column is absent."""
    return cells.get(column_key(column), "")


def required_text(cells: Cells, column: str, problems: Problems) -> str:
    value = cell(cells, column)
    if not value:
        note(problems, column, "missing")
    return value


def parse_date(text: str) -> date:
    """A date as the official downloads write it: ISO 8601 (with or without a time) or UK
    day/month/year. Raises ValueError for anything else, including impossible dates."""
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for pattern in _DAY_FIRST:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def date_value(text: str, column: str, problems: Problems) -> date | None:
    """`text` as a date, None when empty; a bad date is noted against `column`."""
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        note(problems, column, f"not a date: {text!r} (use YYYY-MM-DD or DD/MM/YYYY)")
        return None


def whole_number(value: object, column: str, problems: Problems) -> int | None:
    """A count (hours, months, pounds) from a cell or a JSON value; None when empty."""
    if value is None or value == "":
        return None
    number = math.nan
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        note(problems, column, f"not a whole number: {value!r}")
        return None
    return int(number)


def check_open(ends: date | None, column: str, as_of: date, problems: Problems) -> None:
    """A course whose source says it closed to new learners before `as_of` cannot be offered."""
    if ends is not None and ends < as_of:
        note(problems, column, f"closed to new learners on {ends.isoformat()}")


def check_order(starts: date | None, ends: date | None, column: str, problems: Problems) -> None:
    if starts is not None and ends is not None and ends < starts:
        note(problems, column, f"ends ({ends.isoformat()}) before it starts ({starts.isoformat()})")


def study_time(
    hours: int | None, qualification_type: str, base: Mapping[str, Any]
) -> dict[str, Any]:
    """`duration_weeks` and `hours_per_week` from guided learning hours, at the provider's pace
    (`hours_per_week` in its defaults) or WEEKLY_HOURS for its study mode; nothing when the
    hours or the pace are unknown, or the course would outrun MAX_WEEKS."""
    pace = base.get("hours_per_week")
    study_mode = base.get("study_mode", "full-time")
    if pace is None and study_mode == "full-time" and qualification_type == "A level":
        pace = FULL_TIME_A_LEVEL_HOURS
    pace = pace if pace is not None else WEEKLY_HOURS.get(study_mode)
    if not hours or not isinstance(pace, int | float) or pace <= 0:
        return {}
    weeks = math.ceil(hours / pace)
    return {"duration_weeks": weeks, "hours_per_week": pace} if weeks <= MAX_WEEKS else {}


def weeks_from_months(months: int) -> int:
    """Calendar months to whole weeks (52 weeks in 12 months), at least one."""
    return max(1, round(months * 52 / 12))


def merged_defaults(module: Mapping[str, Any], provider: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every row starts from: the source's own defaults, then the provider's."""
    return copy.deepcopy({**module, **provider})


def finish(base: Mapping[str, Any], mapped: Mapping[str, Any]) -> dict[str, Any]:
    """The course row: what the source says wins over the defaults it starts from."""
    return {**copy.deepcopy(dict(base)), **mapped}


def clip(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
