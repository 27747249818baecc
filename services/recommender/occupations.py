"""The recommender's copy of the catalogue's occupation taxonomy, and what reskilling routes and
career-change suggestions ask of it: an occupation with its skills, the moves out of it, its
demand in an area, and which area a place is in.

The copy is the catalogue's `GET /taxonomy/export` document, swapped in whole by
`replace_taxonomy` in the caller's transaction (services never read each other's tables).

Skills match by key (`skill_key`: the text stripped and casefolded). A course's or learner's
skill ("python", or an ESCO URI) matches an occupation's skill when its key is one of
`skill_keys(skill)`: the skill's URI or its label. Demo courses label skills as the demo
taxonomy does, so they match by label; ESCO-coded courses match by URI.

A learner's area is the area whose pin is nearest their postcode district's centroid
(`area_of`). That is an approximation: a pin is one point (a town, usually), not the area's
boundary, so a place near the edge of a large area may be nearer a neighbour's pin. There is no
distance limit: every place has a nearest pin.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from services.recommender.feasibility import haversine_km
from services.recommender.models import (
    LabourAreaView,
    OccupationDemandView,
    OccupationSkillView,
    OccupationTransitionView,
    OccupationView,
    TaxonomyCopy,
)
from services.recommender.routes import skill_key
from shared.events import utcnow

ESSENTIAL, OPTIONAL = "essential", "optional"
COPY = 1  # the one TaxonomyCopy row
CHUNK = 500  # codes per IN (...)
OCCUPATION_FIELDS = (
    "code", "title", "isco_group", "technical_route", "typical_entry_level", "job_zone",
    "education_level", "annual_earnings_gbp", "automation_risk",
)  # fmt: skip
#: Each copied table by the name its count goes under.
TABLES = {
    "occupations": OccupationView, "occupation_skills": OccupationSkillView,
    "transitions": OccupationTransitionView, "demand": OccupationDemandView,
    "areas": LabourAreaView,
}  # fmt: skip


class InvalidTaxonomy(ValueError):  # noqa: N818 - reads as what the document is
    """The document lacks something every `GET /taxonomy/export` answer has."""


@dataclass(frozen=True)
class OccupationSkill:
    uri: str
    label: str


@dataclass(frozen=True)
class Occupation:
    """An occupation, its attributes (None where the taxonomy has no figure) and its skills
    (by label, then URI)."""

    code: str
    title: str
    isco_group: str
    technical_route: str | None
    typical_entry_level: int | None  # RQF
    job_zone: int | None  # O*NET 1-5
    education_level: int | None  # Nesta 1-12
    annual_earnings_gbp: float | None
    automation_risk: float | None  # Nesta's scale, about 2.8-3.9; higher is more at risk
    essential_skills: tuple[OccupationSkill, ...] = ()
    optional_skills: tuple[OccupationSkill, ...] = ()


@dataclass(frozen=True)
class Transition:
    """A move to occupation `code`, with its similarity (0..1) and the source that lists it."""

    code: str
    title: str
    similarity: float
    source: str


@dataclass(frozen=True)
class Demand:
    """An occupation's labour market in an area (every education route)."""

    area: str
    demand_index: float | None  # entry-level postings; comparable within one area
    median_pay_gbp: float | None
    projected_change: str | None  # "rise", "fall" or "steady"


# --- matching skills ----------------------------------------------------------------------------


def skill_keys(skill: OccupationSkill) -> frozenset[str]:
    """The keys that match an occupation's skill: its URI's and its label's."""
    return frozenset({skill_key(skill.uri), skill_key(skill.label)})


def area_name(text: str) -> str:
    """An area's name as the copy keeps it: spaces collapsed, upper case ("LANCASHIRE")."""
    return " ".join(str(text).split()).upper()


# --- the copy -----------------------------------------------------------------------------------


def replace_taxonomy(session: Session, document: Mapping[str, Any]) -> dict[str, int]:
    """Swap the whole copy for `document` (a `GET /taxonomy/export` answer) in the caller's
    transaction; the rows each table holds afterwards.

    Idempotent: the version already held is not written again. A document released before the
    held copy (a late answer, `released_at` older) changes nothing either, so an older version
    never overwrites a newer one. Raises InvalidTaxonomy for a document without its fields.
    """
    rows = _rows(document)
    copy = session.get(TaxonomyCopy, COPY, with_for_update=True)
    if copy is not None and not _replaces(rows["released_at"], document["version"], copy):
        return dict(copy.counts)
    for model in TABLES.values():
        session.execute(delete(model))
    written = {}
    for name, model in TABLES.items():
        if rows[name]:
            session.execute(insert(model), rows[name])
        written[name] = len(rows[name])
    copy = copy or TaxonomyCopy(id=COPY)
    copy.version, copy.released_at = str(document["version"]), rows["released_at"]
    copy.counts, copy.copied_at = written, utcnow()
    session.add(copy)
    session.flush()
    return written


def copied_version(session: Session) -> str | None:
    """The taxonomy version the copy holds, or None before the first copy."""
    return session.scalar(select(TaxonomyCopy.version).where(TaxonomyCopy.id == COPY))


def _replaces(released_at: datetime | None, version: str, copy: TaxonomyCopy) -> bool:
    """Whether a document of `version`, released at `released_at`, should replace `copy`."""
    if version == copy.version:
        return False
    if released_at is None or copy.released_at is None:
        return True  # no way to tell which is newer: the document was read last
    return released_at >= copy.released_at


def _rows(document: Mapping[str, Any]) -> dict[str, Any]:
    """The copy's rows from an export document (see `replace_taxonomy`)."""
    if not document.get("version"):
        raise InvalidTaxonomy("the taxonomy document names no version")
    try:
        rows: dict[str, Any] = {
            "released_at": _moment(document.get("released_at")),
            "areas": [
                {"name": area_name(a["name"]), "latitude": float(a["latitude"]),
                 "longitude": float(a["longitude"])}
                for a in document["areas"]
            ],
        }  # fmt: skip
        rows.update(_occupation_rows(document["occupations"]))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidTaxonomy(f"the taxonomy document lacks a usable {error}") from error
    return rows


def _moment(text: str | None) -> datetime | None:
    """An ISO 8601 time (UTC when it names no zone), or None."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _occupation_rows(occupations: Iterable[Mapping[str, Any]]) -> dict[str, list[dict]]:
    """The occupations, their skills, transitions and demand, as rows (one per key)."""
    views, skills, moves, markets = {}, {}, {}, {}
    for entry in occupations:
        code = str(entry["code"])
        views[code] = {name: entry.get(name) for name in OCCUPATION_FIELDS}
        views[code].update(
            code=code, title=str(entry["title"]), isco_group=str(entry["isco_group"])
        )
        for relation in (OPTIONAL, ESSENTIAL):  # essential wins a skill listed as both
            for skill in entry[f"{relation}_skills"]:
                skills[code, skill["uri"]] = {
                    "code": code, "uri": str(skill["uri"]), "label": str(skill["label"]),
                    "relation": relation,
                }  # fmt: skip
        for move in entry["transitions"]:
            moves[code, move["code"], move["source"]] = {
                "from_code": code, "to_code": str(move["code"]), "source": str(move["source"]),
                "similarity": float(move["similarity"]),
            }  # fmt: skip
        for market in entry["labour_market"]:
            markets.setdefault((code, area_name(market["area"])), {
                "code": code, "area": area_name(market["area"]),
                **{name: market.get(name)
                   for name in ("demand_index", "median_pay_gbp", "projected_change")},
            })  # fmt: skip
    return {
        "occupations": list(views.values()), "occupation_skills": list(skills.values()),
        "transitions": list(moves.values()), "demand": list(markets.values()),
    }  # fmt: skip


# --- reading the copy ---------------------------------------------------------------------------


def occupation(session: Session, code: str) -> Occupation | None:
    """One occupation with its skills, or None when the copy does not hold `code`."""
    return occupations(session, [code]).get(code)


def occupations(session: Session, codes: Iterable[str]) -> dict[str, Occupation]:
    """The held occupations among `codes`, by code (two queries per 500 codes; rows are read
    as plain tuples, so every occupation of ESCO takes well under a second)."""
    found = {}
    columns = [getattr(OccupationView, name) for name in OCCUPATION_FIELDS]
    for chunk in _chunks(sorted(set(codes))):
        skills = _skills_of(session, chunk)
        for values in session.execute(select(*columns).where(OccupationView.code.in_(chunk))):
            fields = dict(zip(OCCUPATION_FIELDS, values, strict=True))
            essential, optional = skills[fields["code"]]
            found[fields["code"]] = Occupation(
                **fields, essential_skills=tuple(essential), optional_skills=tuple(optional)
            )
    return found


def _skills_of(
    session: Session, codes: list[str]
) -> dict[str, tuple[list[OccupationSkill], list[OccupationSkill]]]:
    """Code -> (essential, optional) skills, each by label then URI."""
    skills: dict[str, tuple[list[OccupationSkill], list[OccupationSkill]]] = {
        code: ([], []) for code in codes
    }
    query = select(
        OccupationSkillView.code,
        OccupationSkillView.relation,
        OccupationSkillView.uri,
        OccupationSkillView.label,
    ).where(OccupationSkillView.code.in_(codes))
    for code, relation, uri, label in session.execute(query):
        skills[code][0 if relation == ESSENTIAL else 1].append(OccupationSkill(uri, label))
    for held in skills.values():
        for listed in held:
            listed.sort(key=_by_label)
    return skills


def transitions_from(session: Session, code: str) -> list[Transition]:
    """The moves out of `code`, most similar first (then by source and code). A target both
    sources list appears once per source; a target the copy does not hold is left out."""
    query = (
        select(
            OccupationTransitionView.to_code,
            OccupationView.title,
            OccupationTransitionView.similarity,
            OccupationTransitionView.source,
        )
        .join(OccupationView, OccupationView.code == OccupationTransitionView.to_code)
        .where(OccupationTransitionView.from_code == code)
    )
    moves = [Transition(*row) for row in session.execute(query)]
    return sorted(moves, key=lambda move: (-move.similarity, move.source, move.code))


def demand(session: Session, code: str, area: str) -> Demand | None:
    """The occupation's labour market in `area` (any case and spacing: "Lancashire"), or None
    when the taxonomy has no figures for it there."""
    view = session.get(OccupationDemandView, (code, area_name(area)))
    if view is None:
        return None
    return Demand(view.area, view.demand_index, view.median_pay_gbp, view.projected_change)


def demand_share(session: Session, code: str, area: str | None) -> float:
    """How the occupation's demand ranks in `area`, 0..1: the share of the area's occupations
    with a demand figure whose figure is at most this one's (1.0 for the most in demand). A rank,
    not a ratio, because postings are heavy-tailed. 0.0 when the area or the figure is unknown."""
    held = demand(session, code, area) if area else None
    if held is None or held.demand_index is None:
        return 0.0
    in_area = select(func.count()).where(
        OccupationDemandView.area == held.area, OccupationDemandView.demand_index.is_not(None)
    )
    total = session.scalar(in_area) or 0
    below = session.scalar(in_area.where(OccupationDemandView.demand_index <= held.demand_index))
    return (below or 0) / total if total else 0.0


def area_of(session: Session, latitude: float, longitude: float) -> str | None:
    """The area whose pin is nearest the point (ties: the first name), or None without areas.
    An approximation of the area the point is in (see the module)."""
    areas = session.execute(
        select(LabourAreaView.name, LabourAreaView.latitude, LabourAreaView.longitude)
    ).all()
    if not areas:
        return None
    origin = (latitude, longitude)
    return min(areas, key=lambda a: (haversine_km(origin, a.latitude, a.longitude), a.name)).name


def counts(session: Session) -> dict[str, int]:
    """Rows per copied table."""
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in TABLES.items()
    }


def _by_label(skill: OccupationSkill) -> tuple[str, str]:
    """Skills in label order, then URI, the same on every engine (sorted here, not in SQL)."""
    return skill.label, skill.uri


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
