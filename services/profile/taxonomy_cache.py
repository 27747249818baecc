"""The profile service's copy of the catalogue's taxonomy codes, so learners' occupations,
skills, goal sectors and postcode districts are checked without a call to the catalogue.

The catalogue announces each new taxonomy (`catalogue.taxonomy.updated`); a task then fetches
its codes (`GET /taxonomy/codes`) and `replace_codes` swaps them in, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from services.profile.models import TaxonomyCode, TaxonomySeen
from shared.events import utcnow

OCCUPATION = "occupation"
SKILL = "skill"
SECTOR = "sector"
DISTRICT = "district"
KINDS = (OCCUPATION, SKILL, SECTOR, DISTRICT)


@dataclass(frozen=True)
class TaxonomySnapshot:
    """The codes of one taxonomy version: kind -> {code: label}."""

    version: str
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_catalogue(cls, body: Mapping) -> TaxonomySnapshot:
        """Read the catalogue's `GET /taxonomy/codes` answer."""
        return cls(
            version=str(body["version"]),
            codes={
                OCCUPATION: {o["code"]: o["title"] for o in body["occupations"]},
                SKILL: {s["uri"]: s["label"] for s in body["skills"]},
                SECTOR: {route: route for route in body["technical_routes"]},
                DISTRICT: {d: d for d in body["postcode_districts"]},
            },
        )


def replace_codes(session: Session, snapshot: TaxonomySnapshot) -> dict[str, int]:
    """Swap the cached codes for `snapshot`'s; return how many of each kind are cached."""
    session.execute(delete(TaxonomyCode))
    counts = {}
    for kind in KINDS:
        rows = [
            {"kind": kind, "code": code, "label": label[:255]}
            for code, label in snapshot.codes.get(kind, {}).items()
        ]
        if rows:
            session.execute(insert(TaxonomyCode), rows)
        counts[kind] = len(rows)
    seen = session.get(TaxonomySeen, snapshot.version) or TaxonomySeen(
        version=snapshot.version, counts=counts
    )
    seen.cached_at = utcnow()
    session.add(seen)
    return counts


def cached_version(session: Session) -> str | None:
    """The version whose codes are cached, or None before the first fetch."""
    return session.scalar(
        select(TaxonomySeen.version)
        .where(TaxonomySeen.cached_at.is_not(None))
        .order_by(TaxonomySeen.cached_at.desc())
        .limit(1)
    )


def has_codes(session: Session, kind: str) -> bool:
    return (
        session.scalar(select(TaxonomyCode.code).where(TaxonomyCode.kind == kind).limit(1))
        is not None
    )


def unknown_codes(session: Session, kind: str, codes: Iterable[str]) -> set[str]:
    """The codes of `codes` that the cached taxonomy does not hold for `kind`."""
    wanted = set(codes)
    if not wanted:
        return set()
    known = session.scalars(
        select(TaxonomyCode.code).where(TaxonomyCode.kind == kind, TaxonomyCode.code.in_(wanted))
    )
    return wanted - set(known)


def labels(session: Session, kind: str, codes: Iterable[str]) -> dict[str, str]:
    """code -> label for the cached codes of `codes` (for exports and the console)."""
    rows = session.execute(
        select(TaxonomyCode.code, TaxonomyCode.label).where(
            TaxonomyCode.kind == kind, TaxonomyCode.code.in_(set(codes))
        )
    )
    return {code: label for code, label in rows}


def find_codes(session: Session, kind: str, text: str, limit: int = 8) -> list[tuple[str, str]]:
    """(code, label) of `kind` whose code is `text`, else whose label is `text` (any case),
    else whose label holds every word of it; at most `limit`, shortest labels first."""
    text = " ".join(text.split())
    if not text:
        return []
    exact = session.execute(
        select(TaxonomyCode.code, TaxonomyCode.label).where(
            TaxonomyCode.kind == kind,
            or_(TaxonomyCode.code == text, func.lower(TaxonomyCode.label) == text.lower()),
        )
    ).all()
    if exact:
        return [(code, label) for code, label in exact[:limit]]
    words = [
        func.lower(TaxonomyCode.label).like(f"%{_escape_like(w.lower())}%", escape="\\")
        for w in text.split()[:6]
    ]
    rows = session.execute(
        select(TaxonomyCode.code, TaxonomyCode.label)
        .where(TaxonomyCode.kind == kind, *words)
        .order_by(func.length(TaxonomyCode.label), TaxonomyCode.label)
        .limit(limit)
    )
    return [(code, label) for code, label in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
