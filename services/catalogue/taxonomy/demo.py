"""The embedded default's small taxonomy: the demo's occupations and Lancashire districts.

Used when the real open data are absent, so the demo catalogue's occupation codes resolve and
learners' postcode districts have centroids. The demo codes follow SOC 2020 unit groups, which
have no ISCO-08 group here, so `isco_group` is empty; the route comes from the demo sector.
"""

from __future__ import annotations

import json
from typing import Any

from services.catalogue.taxonomy import routes
from services.catalogue.taxonomy.districts import demo_districts
from services.catalogue.taxonomy.source_files import Inputs
from services.catalogue.taxonomy.writer import TaxonomyRows
from shared.demo import taxonomy as demo

URI_PREFIX = "urn:routeways:demo:occupation:"
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


def demo_rows(inputs: Inputs) -> TaxonomyRows:
    """The demo taxonomy as rows; its content is recorded in `inputs` for the version hash."""
    occupations = {
        URI_PREFIX + code: _occupation(code, title) for code, title in demo.OCCUPATIONS.items()
    }
    districts = demo_districts()
    inputs.record("demo/taxonomy", json.dumps([occupations, districts], sort_keys=True).encode())
    return TaxonomyRows(occupations=occupations, districts=districts)


def _occupation(code: str, title: str) -> dict[str, Any]:
    sector = demo.OCCUPATION_SECTORS.get(code)
    return {
        "code": code, "title": title, "description": "", "isco_group": "",
        "technical_route": SECTOR_ROUTES.get(sector) if sector else None,
        "typical_entry_level": None, "job_zone": None, "education_level": None,
        "annual_earnings_gbp": None, "automation_risk": None,
    }  # fmt: skip
