"""The whole current taxonomy as one document, for a service that keeps its own copy (the
recommender plans reskilling routes and career changes over it without asking per occupation).

`{version, released_at, occupations, areas}`: each occupation with its attributes, its
essential and optional skills (uri, label), the moves out of it (to code, similarity, source;
the target's title is in its own entry) and its labour market per area for every education
route ("all"). Areas are the LEPs and city regions with a pin (name, pin, latitude, longitude).
The real taxonomy makes a document of about 35 MB (124,000 skill links, 98,000 transitions,
95,000 area entries), read in about a second.

Labour-market signals are kept by UK SOC 2010 minor group and reach an occupation through its
ISCO-08 group (`SocIscoLink`), as `browse.occupation_detail` joins them. When several minor
groups link to one ISCO group, an area's entry is the one of the group with the most postings
(ties: the lower SOC code), so demand, pay and projection come from the same group; `soc_group`
says which.

Read with seven queries whatever the size (ESCO has about 3,000 occupations). An import
committing between them would mix two versions, so the version is read again at the end and the
document is read again if it moved. Every list is sorted here, not by the database, so the
order is the same on every engine (PostgreSQL collations order text differently).
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from services.catalogue.models import (
    LabourMarketArea,
    LabourMarketSignal,
    Occupation,
    OccupationSkill,
    OccupationTransition,
    Skill,
    SocIscoLink,
    TaxonomyVersion,
)

EDUCATION_ROUTE = "all"
ATTEMPTS = 3
OCCUPATION_FIELDS = (
    "code", "title", "isco_group", "technical_route", "typical_entry_level", "job_zone",
    "education_level", "annual_earnings_gbp", "automation_risk",
)  # fmt: skip


def taxonomy_export(session: Session) -> dict[str, Any]:
    """The current taxonomy as one document (see the module); version None and no rows before
    the first import."""
    for _ in range(ATTEMPTS):
        release = _release(session)
        document = {**release, "occupations": _occupations(session), "areas": _areas(session)}
        if _release(session) == release:
            break
    return document


def _release(session: Session) -> dict[str, Any]:
    """The newest version and when it was imported (both None before any import)."""
    row = session.execute(
        select(TaxonomyVersion.version, TaxonomyVersion.imported_at)
        .order_by(TaxonomyVersion.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return {"version": None, "released_at": None}
    return {"version": row.version, "released_at": row.imported_at.isoformat()}


def _occupations(session: Session) -> list[dict[str, Any]]:
    columns = [Occupation.id, *(getattr(Occupation, name) for name in OCCUPATION_FIELDS)]
    skills = _skills(session)
    moves = _transitions(session)
    markets = _labour_markets(session)
    occupations = []
    for occupation_id, *values in session.execute(select(*columns)):
        fields = dict(zip(OCCUPATION_FIELDS, values, strict=True))
        essential, optional = skills.get(occupation_id, ([], []))
        occupations.append({
            **fields,
            "essential_skills": essential,
            "optional_skills": optional,
            "transitions": moves.get(occupation_id, []),
            "labour_market": markets.get(fields["isco_group"], []),
        })  # fmt: skip
    return sorted(occupations, key=itemgetter("code"))


def _skills(session: Session) -> dict[int, tuple[list[dict], list[dict]]]:
    """Occupation id -> (essential, optional) skills, each by label then uri."""
    query = select(
        OccupationSkill.occupation_id, OccupationSkill.relation, Skill.uri, Skill.label
    ).join(Skill, Skill.id == OccupationSkill.skill_id)
    skills: dict[int, tuple[list[dict], list[dict]]] = defaultdict(lambda: ([], []))
    for occupation_id, relation, uri, label in session.execute(query):
        skills[occupation_id][0 if relation == "essential" else 1].append(
            {"uri": uri, "label": label}
        )
    for listed in skills.values():
        for kind in listed:
            kind.sort(key=itemgetter("label", "uri"))
    return skills


def _transitions(session: Session) -> dict[int, list[dict[str, Any]]]:
    """Occupation id -> the moves out of it, most similar first (then by source and code)."""
    target = aliased(Occupation)
    query = select(
        OccupationTransition.from_id,
        target.code,
        OccupationTransition.similarity,
        OccupationTransition.source,
    ).join(target, target.id == OccupationTransition.to_id)
    moves: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for from_id, code, similarity, source in session.execute(query):
        moves[from_id].append({"code": code, "similarity": similarity, "source": source})
    for listed in moves.values():
        listed.sort(key=lambda move: (-move["similarity"], move["source"], move["code"]))
    return moves


def _labour_markets(session: Session) -> dict[str, list[dict[str, Any]]]:
    """ISCO group -> one entry per area, by area name: the linked SOC group with the most
    postings there (ties: the lower SOC code; see the module)."""
    query = (
        select(SocIscoLink.isco_group, LabourMarketSignal)
        .join(SocIscoLink, SocIscoLink.soc_group == LabourMarketSignal.soc_group)
        .where(LabourMarketSignal.education_route == EDUCATION_ROUTE)
    )
    best: dict[tuple[str, str], LabourMarketSignal] = {}
    for isco_group, signal in session.execute(query):
        kept = best.get((isco_group, signal.area))
        if kept is None or _more_postings(signal, kept):
            best[isco_group, signal.area] = signal
    markets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (isco_group, area), signal in sorted(best.items(), key=itemgetter(0)):
        markets[isco_group].append({
            "area": area,
            "soc_group": signal.soc_group,
            "demand_index": signal.demand_index,
            "median_pay_gbp": signal.median_pay_gbp,
            "projected_change": signal.projected_change,
        })  # fmt: skip
    return markets


def _more_postings(signal: LabourMarketSignal, kept: LabourMarketSignal) -> bool:
    """Whether `signal` beats `kept`: more postings (none counts as 0), or as many and a
    lower SOC code, so the choice does not depend on the order rows come in."""
    postings, kept_postings = signal.demand_index or 0, kept.demand_index or 0
    return (-postings, signal.soc_group) < (-kept_postings, kept.soc_group)


def _areas(session: Session) -> list[dict[str, Any]]:
    areas = [
        {"name": a.name, "pin": a.pin, "latitude": a.latitude, "longitude": a.longitude}
        for a in session.scalars(select(LabourMarketArea))
    ]
    return sorted(areas, key=itemgetter("name"))
