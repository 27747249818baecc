"""Reading an enrolment upload: CSV, JSON lines or a JSON array into raw rows for
`enrolments.import_enrolments`, each with its number and the line it starts on.

A body that cannot be read as rows is refused as a whole, naming the line: not UTF-8, a line
that is not a JSON object, a JSON array that does not parse, a CSV header without the needed
columns or a CSV record with more or fewer cells than its header. Its rows could not be told
apart, so per-row results could not be matched to the provider's records. Within a readable
row, every field is left to `enrolments` to check (unknown columns and keys are ignored).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 10_000
CSV_TYPE = "text/csv"
JSON_ARRAY_TYPE = "application/json"
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
UPLOAD_TYPES = (CSV_TYPE, *JSON_LINES_TYPES, JSON_ARRAY_TYPE)
REQUIRED_COLUMNS = ("learner_email", "kind", "occurred_at", "client_ref")


class UnreadableUpload(ValueError):  # noqa: N818 - reads as what happened
    """The body cannot be read as rows; `line` (1-based) says where."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class TooManyRows(ValueError):  # noqa: N818 - reads as what happened
    """More rows than one request may carry."""


@dataclass(frozen=True)
class UploadRow:
    """One record as sent: its number among the records (1-based), the line it starts on (None
    in a JSON array) and its fields, unchecked."""

    row: int
    line: int | None
    fields: Mapping[str, Any]


def read_upload(body: bytes, content_type: str, max_rows: int = MAX_ROWS) -> list[UploadRow]:
    """The rows of `body` by its content type (one of UPLOAD_TYPES); raise UnreadableUpload,
    or TooManyRows past `max_rows`."""
    text = _text(body)
    if content_type == CSV_TYPE:
        reader = _csv_rows(text)
    elif content_type == JSON_ARRAY_TYPE:
        reader = _json_array_rows(text)
    else:
        reader = _json_lines_rows(text)
    rows = []
    for upload_row in reader:
        rows.append(upload_row)
        if len(rows) > max_rows:
            raise TooManyRows(f"at most {max_rows} rows per request; split the file")
    if not rows:
        raise UnreadableUpload(1, "the body holds no rows")
    return rows


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise UnreadableUpload(line, f"not UTF-8 (byte {error.start + 1})") from error


def _json_lines_rows(text: str) -> Iterator[UploadRow]:
    # split("\n"), not splitlines(): U+2028 may stand inside a JSON string.
    number = 0
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        number += 1
        yield UploadRow(number, line, _json_object(raw, line))


def _json_object(raw: str, line: int) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise UnreadableUpload(line, f"not JSON: {error.msg} (column {error.colno})") from error
    except (ValueError, RecursionError) as error:
        raise UnreadableUpload(line, f"not JSON we can read: {error}") from error
    if not isinstance(value, dict):
        raise UnreadableUpload(line, "each line must be a JSON object")
    return value


def _json_array_rows(text: str) -> Iterator[UploadRow]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableUpload(
            error.lineno, f"not JSON: {error.msg} (column {error.colno})"
        ) from error
    except (ValueError, RecursionError) as error:
        raise UnreadableUpload(1, f"not JSON we can read: {error}") from error
    if not isinstance(items, list):
        raise UnreadableUpload(1, "a JSON body must be an array of objects")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UnreadableUpload(1, f"item {number} of the array is not an object")
        yield UploadRow(number, None, item)


def _csv_rows(text: str) -> Iterator[UploadRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return
        names = _header(header)
        number, start = 0, reader.line_num + 1
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(names):
                raise UnreadableUpload(
                    start, f"{len(cells)} cells where the header has {len(names)} columns"
                )
            number += 1
            fields = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
            yield UploadRow(number, start, {k: v for k, v in fields.items() if k and v})
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableUpload(max(reader.line_num, 1), f"not CSV: {error}") from error


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise UnreadableUpload(1, f"columns named twice: {', '.join(repeated)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if "course_ref" not in names and "course_id" not in names:
        missing.append("course_ref (or course_id)")
    if missing:
        raise UnreadableUpload(1, f"the header lacks: {', '.join(missing)}")
    return names
