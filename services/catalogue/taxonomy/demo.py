"""The embedded default's small taxonomy: the demo's occupations with their skills, the moves
between them, Lancashire's demand for them, and the Lancashire districts.

Used when the real open data are absent, so the demo catalogue's occupation codes resolve,
learners' postcode districts have centroids, and routes and career changes have skills to aim
at. The demo codes follow SOC 2020 unit groups; each has a demo ISCO-08 group, and its
Lancashire signal is filed under its own code as the SOC group. The route comes from the demo
sector. Every figure is a demo figure (`shared.demo.occupation_profiles`), not real data.

- Essential skills: the skill labels of the demo subjects that lead to the occupation, plus
  the profile's own (the only ones of occupations no subject leads to); optional: the profile's.
- Skills are keyed `urn:routeways:demo:skill:<slug>` and labelled as the courses label them
  ("python"), so a course's skills match an occupation's by label.
- Transitions: skill overlap (`transitions.skill_overlap_transitions`), as for ESCO.
"""

from __future__ import annotations

import json
import re
from typing import Any

from services.catalogue.taxonomy import routes, transitions
from services.catalogue.taxonomy.districts import demo_districts
from services.catalogue.taxonomy.esco import ESSENTIAL, OPTIONAL, SKILL, TRANSVERSAL
from services.catalogue.taxonomy.source_files import Inputs
from services.catalogue.taxonomy.writer import TaxonomyRows
from shared.demo import occupation_profiles as figures
from shared.demo import taxonomy as demo

URI_PREFIX = "urn:routeways:demo:occupation:"
SKILL_URI_PREFIX = "urn:routeways:demo:skill:"
#: The demo's sector names -> the technical routes they stand for.
SECTOR_ROUTES = {
    demo.DIGITAL: routes.DIGITAL,
    demo.ENGINEERING: routes.ENGINEERING,
    demo.HEALTH: routes.HEALTH,
    demo.CONSTRUCTION: routes.CONSTRUCTION,
    demo.BUSINESS: routes.BUSINESS,
    demo.EDUCATION: routes.EDUCATION,
    demo.AGRICULTURE: routes.AGRICULTURE,
    demo.CREATIVE: routes.CREATIVE,
}
#: Demo skills any line of work uses (ESCO would call them transversal).
TRANSVERSAL_SKILLS = frozenset(
    {"communication", "customer service", "teamwork", "health and safety", "record keeping"}
)
ALL_ROUTES = "all"


def demo_rows(inputs: Inputs) -> TaxonomyRows:
    """The demo taxonomy as rows; its content is recorded in `inputs` for the version hash."""
    links = occupation_skill_links()
    rows = TaxonomyRows(
        occupations={URI_PREFIX + code: _occupation(code, title)
                     for code, title in demo.OCCUPATIONS.items()},
        skills={skill_uri(label): _skill(label) for label in sorted({s for _, s in links})},
        occupation_skills={(code, skill_uri(label)): relation
                           for (code, label), relation in links.items()},
        transitions={(origin, target, transitions.SOURCE): similarity
                     for (origin, target), similarity
                     in transitions.skill_overlap_transitions(links).items()},
        signals={(code, figures.AREA, ALL_ROUTES): _signal(profile)
                 for code, profile in figures.PROFILES.items()},
        soc_isco_links={(code, profile.isco_group) for code, profile in figures.PROFILES.items()},
        districts=demo_districts(),
        areas={figures.AREA: dict(zip(("pin", "latitude", "longitude"), figures.AREA_PIN,
                                      strict=True))},
    )  # fmt: skip
    inputs.record("demo/taxonomy", _content(rows))
    return rows


def occupation_skill_links() -> dict[tuple[str, str], str]:
    """(occupation code, skill label) -> essential or optional, for every demo occupation."""
    links: dict[tuple[str, str], str] = {}
    for code, profile in figures.PROFILES.items():
        for label in profile.optional:
            links[code, label] = OPTIONAL
    for subjects in demo.SUBJECTS.values():
        for subject in subjects:
            for code in subject.occupations:
                links.update({(code, label): ESSENTIAL for label in subject.skills})
    for code, profile in figures.PROFILES.items():
        links.update({(code, label): ESSENTIAL for label in profile.skills})
    return links


def skill_uri(label: str) -> str:
    """The demo skill's URI: its label as a slug ("3d modelling" -> "...:3d-modelling")."""
    return SKILL_URI_PREFIX + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _occupation(code: str, title: str) -> dict[str, Any]:
    sector = demo.OCCUPATION_SECTORS.get(code)
    profile = figures.PROFILES[code]
    return {
        "code": code, "title": title, "description": "", "isco_group": profile.isco_group,
        "technical_route": SECTOR_ROUTES.get(sector) if sector else None,
        "typical_entry_level": profile.entry_level, "job_zone": profile.job_zone,
        "education_level": None, "annual_earnings_gbp": float(profile.earnings),
        "automation_risk": profile.automation_risk,
    }  # fmt: skip


def _skill(label: str) -> dict[str, Any]:
    kind = TRANSVERSAL if label in TRANSVERSAL_SKILLS else SKILL
    return {"label": label, "kind": kind, "reuse_level": None, "description": ""}


def _signal(profile: figures.OccupationProfile) -> dict[str, Any]:
    return {
        "demand_index": float(profile.demand),
        "median_pay_gbp": float(profile.pay),
        "projected_change": profile.change,
    }


def _content(rows: TaxonomyRows) -> bytes:
    """Every row in a fixed order (keys sorted, tuple keys as sorted lists): the same demo
    taxonomy always hashes to the same version."""
    tables = {
        "occupations": rows.occupations, "skills": rows.skills,
        "occupation_skills": sorted([*key, value] for key, value in rows.occupation_skills.items()),
        "transitions": sorted([*key, value] for key, value in rows.transitions.items()),
        "signals": sorted([*key, value] for key, value in rows.signals.items()),
        "soc_isco_links": sorted(rows.soc_isco_links), "areas": rows.areas,
    }  # fmt: skip
    return json.dumps([tables, rows.districts], sort_keys=True).encode()
