"""Writing a taxonomy to the catalogue's tables, table by table, with the fewest writes.

Occupations are kept by URI and skills by URI, so their ids survive re-imports and links stay
valid. Rows that refer to a stale occupation or skill go first, then the stale rows, then
occupations and skills are inserted or updated, and only then the links and transitions
(keyed by the ids they join) are brought to what the inputs say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.catalogue.models import (
    LabourMarketArea,
    LabourMarketSignal,
    Occupation,
    OccupationSkill,
    OccupationTransition,
    PostcodeDistrict,
    Skill,
    SocIscoLink,
)
from services.catalogue.taxonomy.progress import Progress
from services.catalogue.taxonomy.table_sync import Changes, TableSync, delete_referring


@dataclass
class TaxonomyRows:
    """A whole taxonomy in natural keys, as the importers read it."""

    occupations: dict[str, dict[str, Any]] = field(default_factory=dict)  # uri -> fields
    skills: dict[str, dict[str, Any]] = field(default_factory=dict)  # uri -> fields
    occupation_skills: dict[tuple[str, str], str] = field(default_factory=dict)  # (code, uri)
    transitions: dict[tuple[str, str, str], float] = field(default_factory=dict)  # from, to, src
    signals: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    soc_isco_links: set[tuple[str, str]] = field(default_factory=set)
    districts: dict[str, dict[str, float]] | None = None  # outcode -> centroid; None: keep
    areas: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> pin, lat, lon


def write_taxonomy(session: Session, rows: TaxonomyRows, progress: Progress) -> dict[str, Changes]:
    """Bring every taxonomy table to `rows`; returns what changed, by table."""
    steps = progress(total=4, desc="writing the taxonomy", unit="step")
    changes = _write_occupations_and_skills(session, rows)
    steps.update(1)
    _write_links_and_transitions(session, rows, changes)
    steps.update(1)
    changes["labour_market_signals"] = _sync(
        session, LabourMarketSignal, ("soc_group", "area", "education_route"), rows.signals
    )
    links = {link: {} for link in rows.soc_isco_links}
    changes["soc_isco_links"] = _sync(session, SocIscoLink, ("soc_group", "isco_group"), links)
    changes["labour_market_areas"] = _sync(session, LabourMarketArea, ("name",), _keyed(rows.areas))
    steps.update(1)
    if rows.districts is not None:
        changes["postcode_districts"] = write_districts(session, rows.districts)
    steps.update(1)
    steps.close()
    return changes


def write_districts(session: Session, districts: dict[str, dict[str, float]]) -> Changes:
    """Bring the postcode districts to `districts` (outcode -> latitude, longitude)."""
    desired = {(outcode,): centroid for outcode, centroid in districts.items()}
    return _sync(session, PostcodeDistrict, ("outcode",), desired)


def _write_occupations_and_skills(session: Session, rows: TaxonomyRows) -> dict[str, Changes]:
    """Drop stale occupations and skills (with what refers to them), then insert and update."""
    occupations = TableSync(session, Occupation, ("uri",), _keyed(rows.occupations))
    skills = TableSync(session, Skill, ("uri",), _keyed(rows.skills))
    gone_occupations = [key[0] for key in occupations.stale()]
    gone_skills = [key[0] for key in skills.stale()]
    links = Changes(
        deleted=delete_referring(session, OccupationSkill, "occupation_id", gone_occupations)
    )
    links.deleted += delete_referring(session, OccupationSkill, "skill_id", gone_skills)
    moves = Changes(
        deleted=delete_referring(session, OccupationTransition, "from_id", gone_occupations)
    )
    moves.deleted += delete_referring(session, OccupationTransition, "to_id", gone_occupations)
    for table in (occupations, skills):
        table.delete_stale()
        table.upsert()
    return {
        "occupations": occupations.changes, "skills": skills.changes,
        "occupation_skills": links, "transitions": moves,
    }  # fmt: skip


def _write_links_and_transitions(
    session: Session, rows: TaxonomyRows, changes: dict[str, Changes]
) -> None:
    """Occupation-skill links and transitions, keyed by the ids of what they join."""
    codes = dict(session.execute(select(Occupation.code, Occupation.id)).all())
    skills = dict(session.execute(select(Skill.uri, Skill.id)).all())
    links = {
        (codes[code], skills[uri]): {"relation": relation}
        for (code, uri), relation in rows.occupation_skills.items()
    }
    moves = {
        (codes[origin], codes[target], source): {"similarity": similarity}
        for (origin, target, source), similarity in rows.transitions.items()
    }
    link_keys, move_keys = ("occupation_id", "skill_id"), ("from_id", "to_id", "source")
    _add(changes, "occupation_skills", _sync(session, OccupationSkill, link_keys, links))
    _add(changes, "transitions", _sync(session, OccupationTransition, move_keys, moves))


def _sync(session: Session, model: type, keys: tuple[str, ...], desired: dict) -> Changes:
    return TableSync(session, model, keys, desired).run()


def _keyed(rows: dict[str, dict[str, Any]]) -> dict[tuple[str], dict[str, Any]]:
    return {(key,): values for key, values in rows.items()}


def _add(changes: dict[str, Changes], table: str, more: Changes) -> None:
    total = changes.setdefault(table, Changes())
    total.inserted += more.inserted
    total.updated += more.updated
    total.deleted += more.deleted
