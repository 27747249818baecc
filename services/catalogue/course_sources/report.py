"""What the import command needs besides a reader: the provider's defaults from the command
line, a dry run's check of the mapped rows, and the summary it prints (how many lines came to
what, and the first rejected lines with their reasons, whether the source could not be mapped
or the catalogue refused the row)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from marshmallow import ValidationError

from services.catalogue.course_rows import CourseRow
from services.catalogue.course_sources.records import SourceRow

IMPORT_OUTCOMES = ("created", "updated", "unchanged", "rejected")
DRY_RUN_OUTCOMES = ("valid", "rejected")
SHOWN_REJECTIONS = 20

Outcome = tuple[str, dict[str, Any]]

#: Fields a source always gives itself: defaults for them would be dead letters.
SOURCE_FIELDS = ("external_ref", "title")


def parse_defaults(text: str) -> dict[str, Any]:
    """The provider's defaults: a JSON object of course fields the source does not give (campus,
    study_mode, cost_pence, start_dates...). Raises ValueError naming what is wrong."""
    try:
        defaults = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON: {error}") from error
    if not isinstance(defaults, dict):
        raise ValueError("must be a JSON object of course fields")
    not_fields = set(defaults) - set(CourseRow().fields)
    unknown = sorted(not_fields | set(defaults) & set(SOURCE_FIELDS))
    if unknown:
        raise ValueError(f"not course fields a provider can default: {', '.join(unknown)}")
    return defaults


def check_rows(rows: Sequence[dict[str, Any]]) -> list[Outcome]:
    """A dry run's verdict on mapped rows: "valid", or "rejected" with CourseRow's field errors.
    Campus names are checked only by a real import, which knows the provider's campuses."""
    outcomes: list[Outcome] = []
    for row in rows:
        try:
            CourseRow().load(row)
        except ValidationError as error:
            messages = error.messages
            outcomes.append(
                ("rejected", messages if isinstance(messages, dict) else {"_schema": messages})
            )
        else:
            outcomes.append(("valid", {}))
    return outcomes


def summarise(
    source_rows: Sequence[SourceRow], outcomes: Sequence[Outcome], names: Sequence[str]
) -> dict[str, Any]:
    """Counts per outcome (`names`, in order; lines the source could not map count as rejected)
    and the first SHOWN_REJECTIONS rejected lines. `outcomes` follow the mapped rows in order."""
    mapped = [source for source in source_rows if source.row is not None]
    if len(mapped) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes for {len(mapped)} mapped rows")
    rejected = [
        {"line": source.line, "external_ref": None, "errors": source.errors}
        for source in source_rows
        if source.row is None
    ]
    counts = dict.fromkeys(names, 0)
    counts["rejected"] = len(rejected)
    for source, (outcome, errors) in zip(mapped, outcomes, strict=True):
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "rejected":
            ref = source.row.get("external_ref") if source.row else None
            rejected.append({"line": source.line, "external_ref": ref, "errors": errors})
    rejected.sort(key=lambda item: item["line"])
    return {"records": len(source_rows), "counts": counts, "rejected": rejected[:SHOWN_REJECTIONS]}
