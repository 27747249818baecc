"""Readers for the official sources of UK course catalogues, one module per source.

Each reader turns a file a user downloads from the official service into course rows shaped
for CourseRow (plain, JSON-ready dicts; dates as ISO strings), one `SourceRow` per record with
its line number, so a bad line is reported and never stops the good ones. Readers write
nothing: `services.catalogue.courses.upsert_courses` validates and stores the rows. The formats,
their columns and every mapping decision are described in docs/import-formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from services.catalogue.course_sources import apprenticeships, lars, ofqual
from services.catalogue.course_sources.records import SourceFormatError, SourceRow

Reader = Callable[..., Iterator[SourceRow]]

#: The formats the import command offers, by name. (The coursera shape adapter is for tests.)
READERS: dict[str, Reader] = {
    "ofqual": ofqual.read_rows,
    "apprenticeships": apprenticeships.read_rows,
    "lars": lars.read_rows,
}


def read_source(
    source_format: str, path: Path, provider_defaults: Mapping[str, Any]
) -> list[SourceRow]:
    """Every record of `path` in `source_format`; raises SourceFormatError for a file that is
    not in that format at all, KeyError for a format with no reader."""
    return list(READERS[source_format](path, provider_defaults=provider_defaults))


__all__ = ["READERS", "SourceFormatError", "SourceRow", "read_source"]
