"""Reading a bulk upload: JSON lines or CSV into raw rows for `upsert_courses`, line by line.

A line that cannot even be read (broken JSON, a CSV cell that is not a number where one is
needed is left for the schema) becomes a rejected row with its line number; it never stops the
lines after it.

CSV columns are the course fields; lists are `;`-separated (`skills` as `label:level;label`),
entry requirements are `entry_min_level`, `entry_skills`, `entry_qualifications`, and an
empty cell means "not given" (the field's default applies).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from services.catalogue.course_rows import MAX_ROWS

LIST_COLUMNS = ("occupations", "start_dates", "employer_partners")
INTEGER_COLUMNS = ("rqf_level", "duration_weeks", "cost_pence")
ENTRY_COLUMNS = {"entry_min_level": "min_level", "entry_skills": "skills",
                 "entry_qualifications": "qualifications"}  # fmt: skip


class TooManyRows(ValueError):  # noqa: N818 - reads as what happened
    """More rows than one request may carry."""


@dataclass
class UploadLine:
    """One line of the upload: its number (1-based, after any CSV header) and the raw row or
    why it could not be read."""

    line: int
    row: dict[str, Any] | None
    errors: dict[str, Any] = field(default_factory=dict)


def read_upload(body: bytes, content_type: str) -> list[UploadLine]:
    """Parse `body` by its content type; raise TooManyRows past MAX_ROWS."""
    text = body.decode("utf-8-sig", errors="replace")
    reader = _csv_lines if content_type == "text/csv" else _json_lines
    lines = []
    for upload_line in reader(text):
        lines.append(upload_line)
        if len(lines) > MAX_ROWS:
            raise TooManyRows(f"at most {MAX_ROWS} rows per upload")
    return lines


def _json_lines(text: str) -> Iterator[UploadLine]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except ValueError as error:
            yield UploadLine(number, None, {"_line": [f"not JSON: {error.msg}"]})
            continue
        if not isinstance(row, dict):
            yield UploadLine(number, None, {"_line": ["each line must be a JSON object"]})
            continue
        yield UploadLine(number, row)


def _csv_lines(text: str) -> Iterator[UploadLine]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for number, cells in enumerate(reader, start=1):
        if None in cells:
            yield UploadLine(number, None, {"_line": ["more cells than header columns"]})
            continue
        yield UploadLine(number, course_from_cells(cells))


def course_from_cells(cells: dict[str, str | None]) -> dict[str, Any]:
    """A raw row from one CSV record: lists split, numbers parsed where they parse."""
    row: dict[str, Any] = {}
    entry: dict[str, Any] = {}
    for column, cell in cells.items():
        value = (cell or "").strip()
        if not value:
            continue
        if column in ENTRY_COLUMNS:
            name = ENTRY_COLUMNS[column]
            entry[name] = _number(value) if name == "min_level" else _split(value)
        elif column == "skills":
            row["skills"] = [_skill(item) for item in _split(value)]
        elif column in LIST_COLUMNS:
            row[column] = _split(value)
        elif column in INTEGER_COLUMNS:
            row[column] = _number(value)
        elif column == "hours_per_week":
            row[column] = _number(value, float)
        elif column == "national":
            row[column] = value.lower() in ("true", "yes", "1")
        else:
            row[column] = value
    if entry:
        row["entry_requirements"] = entry
    return row


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def _skill(item: str) -> dict[str, Any]:
    label, _, level = item.rpartition(":")
    if label and level.strip().isdigit():
        return {"skill": label.strip(), "level": int(level)}
    return {"skill": item}


def _number(value: str, kind: type = int) -> Any:
    try:
        return kind(value)
    except ValueError:
        return value  # left as text: the schema names the field and the reason
