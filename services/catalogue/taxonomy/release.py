"""A taxonomy release: the TaxonomyVersion and `catalogue.taxonomy.updated` event of an import
that changed something, recorded in the import's own transaction.

The version is the first 16 hex digits of the inputs' content hash, so the same inputs name
the same version; should those inputs come back after others (A, B, then A again), the new
release of A is "<hash>-2". An import that changed no row records nothing and publishes nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.catalogue.models import (
    LabourMarketArea,
    LabourMarketSignal,
    Occupation,
    OccupationSkill,
    OccupationTransition,
    OutboxEvent,
    PostcodeDistrict,
    Skill,
    SocIscoLink,
    TaxonomyVersion,
)
from services.catalogue.taxonomy.source_files import Inputs
from services.catalogue.taxonomy.table_sync import Changes

EVENT = "catalogue.taxonomy.updated"
TABLES = {
    "occupations": Occupation, "skills": Skill, "occupation_skills": OccupationSkill,
    "transitions": OccupationTransition, "labour_market_signals": LabourMarketSignal,
    "soc_isco_links": SocIscoLink, "labour_market_areas": LabourMarketArea,
    "postcode_districts": PostcodeDistrict,
}  # fmt: skip


@dataclass
class ImportSummary:
    """What an import did: the version (new, or the current one when nothing changed), the
    rows each table now holds, what changed, and notes on what was skipped."""

    version: str | None
    changed: bool
    counts: dict[str, int]
    changes: dict[str, dict[str, int]]
    notes: dict[str, Any]
    sources: dict[str, Any]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def release(
    session: Session,
    inputs: Inputs,
    changes: dict[str, Changes],
    notes: dict[str, Any],
    started: float,
) -> ImportSummary:
    """Record the version and its event when any table changed; summarise either way."""
    counts = table_counts(session)
    changed = any(table.any for table in changes.values())
    version = current_version(session)
    if changed:
        version = _unused_version(session, inputs.content_hash()[:16])
        session.add(TaxonomyVersion(version=version, sources=inputs.sources(), counts=counts))
        OutboxEvent.publish(session, EVENT, 1, {"version": version, "counts": counts})
        session.flush()
    return ImportSummary(
        version=version,
        changed=changed,
        counts=counts,
        changes={table: asdict(change) for table, change in changes.items()},
        notes=notes,
        sources=inputs.sources(),
        seconds=round(time.perf_counter() - started, 2),
    )


def table_counts(session: Session) -> dict[str, int]:
    """Rows per taxonomy table, and transitions per source ("transitions.onet", ...)."""
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in TABLES.items()
    }
    by_source = select(OccupationTransition.source, func.count()).group_by(
        OccupationTransition.source
    )
    for source, count in session.execute(by_source):
        counts[f"transitions.{source}"] = count
    return counts


def current_version(session: Session) -> str | None:
    """The newest recorded taxonomy version, if any."""
    query = select(TaxonomyVersion.version).order_by(TaxonomyVersion.id.desc()).limit(1)
    return session.scalar(query)


def _unused_version(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(TaxonomyVersion.version).where(TaxonomyVersion.version.startswith(base))
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"
