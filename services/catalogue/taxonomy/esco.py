"""ESCO v1.1.1 occupations, skills and the essential/optional links between them.

Occupations are keyed by their ESCO code (e.g. "2512.4"), skills by their concept URI. A link
naming an occupation or skill the files do not define is left out and counted: in v1.1.1,
67 links name "therapeutic radiographer", which occupations_en.csv lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.catalogue.taxonomy.progress import Progress
from services.catalogue.taxonomy.source_files import Inputs

FOLDER = "esco"
ESSENTIAL, OPTIONAL = "essential", "optional"
KNOWLEDGE, TRANSVERSAL, SKILL = "knowledge", "transversal", "skill"
RELATIONS_IN_FILE = 123_855  # the progress bar's total for occupationSkillRelations.csv


def skill_kind(skill_type: str, reuse_level: str, in_transversal_collection: bool) -> str:
    """ "knowledge" for ESCO knowledge; "transversal" for skills in the transversal collection or
    of transversal reuse level; otherwise "skill" (ESCO's skill/competence)."""
    if skill_type.strip() == KNOWLEDGE:
        return KNOWLEDGE
    if in_transversal_collection or reuse_level.strip() == TRANSVERSAL:
        return TRANSVERSAL
    return SKILL


@dataclass
class EscoTaxonomy:
    """What ESCO gives: occupations by code, skills by URI, links by (code, skill URI)."""

    occupations: dict[str, dict[str, Any]]
    skills: dict[str, dict[str, Any]]
    links: dict[tuple[str, str], str]
    skipped_links: int = 0
    codes_by_uri: dict[str, str] = field(default_factory=dict)


def read_esco(inputs: Inputs, progress: Progress) -> EscoTaxonomy:
    """Read ESCO's occupations, skills and occupation-skill relations."""
    occupations = read_occupations(inputs.rows(FOLDER, "occupations_en.csv"))
    transversal = {
        row["conceptUri"] for row in inputs.rows(FOLDER, "transversalSkillsCollection_en.csv")
    }
    skills = read_skills(inputs.rows(FOLDER, "skills_en.csv"), transversal)
    codes_by_uri = {fields["uri"]: code for code, fields in occupations.items()}
    relations = progress(
        inputs.rows(FOLDER, "occupationSkillRelations.csv"),
        total=RELATIONS_IN_FILE, desc="ESCO occupation-skill links", unit="link",
    )  # fmt: skip
    links, skipped = read_links(relations, codes_by_uri, skills.keys())
    return EscoTaxonomy(occupations, skills, links, skipped, codes_by_uri)


def read_occupations(rows: Iterable[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Occupation fields by ESCO code: uri, title (preferred label), description, ISCO group."""
    return {
        row["code"].strip(): {
            "uri": row["conceptUri"].strip(),
            "title": row["preferredLabel"].strip(),
            "description": row["description"].strip(),
            "isco_group": row["iscoGroup"].strip(),
        }
        for row in rows
    }


def read_skills(rows: Iterable[dict[str, str]], transversal: set[str]) -> dict[str, dict[str, Any]]:
    """Skill fields by URI: label, kind (see `skill_kind`), reuse level, description."""
    skills = {}
    for row in rows:
        uri = row["conceptUri"].strip()
        skills[uri] = {
            "label": row["preferredLabel"].strip(),
            "kind": skill_kind(row["skillType"], row["reuseLevel"], uri in transversal),
            "reuse_level": row["reuseLevel"].strip() or None,
            "description": row["description"].strip(),
        }
    return skills


def read_links(
    rows: Iterable[dict[str, str]], codes_by_uri: dict[str, str], skill_uris: Iterable[str]
) -> tuple[dict[tuple[str, str], str], int]:
    """Links by (occupation code, skill URI) -> essential/optional, and how many were skipped.

    A pair listed twice keeps "essential" if either listing says so.
    """
    known_skills = set(skill_uris)
    links: dict[tuple[str, str], str] = {}
    skipped = 0
    for row in rows:
        code = codes_by_uri.get(row["occupationUri"].strip())
        skill = row["skillUri"].strip()
        if code is None or skill not in known_skills:
            skipped += 1
            continue
        relation = ESSENTIAL if row["relationType"].strip() == ESSENTIAL else OPTIONAL
        if links.get((code, skill)) != ESSENTIAL:
            links[code, skill] = relation
    return links, skipped
