"""Reading the taxonomy: occupations and skills page by page, and one occupation in full.

Pages are keyset pages ordered by title (label for skills) then id: the opaque cursor names the
last row shown, so a page never repeats or skips a row when others are added meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from services.catalogue.courses import CatalogueError
from services.catalogue.models import (
    LabourMarketSignal,
    Occupation,
    OccupationSkill,
    OccupationTransition,
    Skill,
    SocIscoLink,
)


class QueryError(ValueError):
    """A query parameter the taxonomy cannot answer; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


@dataclass
class OccupationDetail:
    """An occupation with its skills, the moves out of it, and its labour-market signals."""

    occupation: Occupation
    essential_skills: list[Skill] = field(default_factory=list)
    optional_skills: list[Skill] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    labour_market: list[LabourMarketSignal] = field(default_factory=list)


def list_occupations(
    session: Session,
    q: str | None = None,
    technical_route: str | None = None,
    isco_group: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Occupations whose title contains `q`, of a route, in an ISCO group (or its prefix)."""
    query = select(Occupation)
    if q:
        query = query.where(Occupation.title.icontains(q.strip(), autoescape=True))
    if technical_route:
        query = query.where(Occupation.technical_route == technical_route)
    if isco_group:
        query = query.where(Occupation.isco_group.startswith(isco_group, autoescape=True))
    return _page(session, query, Occupation.title, Occupation.id, cursor, limit)


def list_skills(
    session: Session,
    q: str | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Skills whose label contains `q`, of one kind (skill, knowledge, transversal)."""
    query = select(Skill)
    if q:
        query = query.where(Skill.label.icontains(q.strip(), autoescape=True))
    if kind:
        query = query.where(Skill.kind == kind)
    return _page(session, query, Skill.label, Skill.id, cursor, limit)


def occupation_detail(session: Session, code: str, area: str | None = None) -> OccupationDetail:
    """One occupation by code; labour-market signals only for `area` when one is named."""
    occupation = session.scalar(select(Occupation).where(Occupation.code == code))
    if occupation is None:
        raise CatalogueError("code", f"no occupation has code {code!r}")
    detail = OccupationDetail(occupation)
    skills = select(Skill, OccupationSkill.relation).join(OccupationSkill)
    for skill, relation in session.execute(
        skills.where(OccupationSkill.occupation_id == occupation.id).order_by(Skill.label, Skill.id)
    ):
        (detail.essential_skills if relation == "essential" else detail.optional_skills).append(
            skill
        )
    detail.transitions = _transitions(session, occupation.id)
    detail.labour_market = _signals(session, occupation.isco_group, area)
    return detail


def _transitions(session: Session, occupation_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            Occupation.code,
            Occupation.title,
            OccupationTransition.similarity,
            OccupationTransition.source,
        )
        .join(OccupationTransition, OccupationTransition.to_id == Occupation.id)
        .where(OccupationTransition.from_id == occupation_id)
        .order_by(
            OccupationTransition.similarity.desc(), OccupationTransition.source, Occupation.code
        )
    )
    names = ("code", "title", "similarity", "source")
    return [dict(zip(names, row, strict=True)) for row in session.execute(query)]


def _signals(session: Session, isco_group: str, area: str | None) -> list[LabourMarketSignal]:
    query = (
        select(LabourMarketSignal)
        .join(SocIscoLink, SocIscoLink.soc_group == LabourMarketSignal.soc_group)
        .where(SocIscoLink.isco_group == isco_group)
        .order_by(
            LabourMarketSignal.area,
            LabourMarketSignal.soc_group,
            LabourMarketSignal.education_route,
        )
    )
    if area:
        area = " ".join(area.split()).upper()
        known = select(LabourMarketSignal.id).where(LabourMarketSignal.area == area).limit(1)
        if session.scalar(known) is None:
            raise QueryError("area", f"no labour-market data for area {area!r}")
        query = query.where(LabourMarketSignal.area == area)
    return list(session.scalars(query))


def _page(
    session: Session, query: Select, order: Any, key: Any, cursor: str | None, limit: int
) -> Page:
    """One keyset page of `query` by (order, key); the next cursor when more rows follow."""
    if cursor:
        last_order, last_key = _decode(cursor)
        query = query.where(or_(order > last_order, and_(order == last_order, key > last_key)))
    rows = list(session.scalars(query.order_by(order, key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Page(rows, _encode(getattr(last, order.key), last.id) if last is not None else None)


def _encode(order: str, key: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([order, key]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        order, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as error:
        raise QueryError("cursor", "not a cursor this API gave; start again without it") from error
    if not isinstance(order, str) or not isinstance(key, int):
        raise QueryError("cursor", "not a cursor this API gave; start again without it")
    return order, key
