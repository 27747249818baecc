"""The taxonomy the open data give: ESCO joined with Nesta, O*NET, UK LMI and postcode districts.

ESCO is required; each other data set adds its part when its folder is present (Nesta's
attributes, O*NET transitions, labour-market signals) and is listed under "missing" otherwise.
Without the postcode folder the stored districts are left as they are (see import-postcodes).
"""

from __future__ import annotations

from typing import Any

from services.catalogue.taxonomy import districts, esco, labour_market, nesta, onet, transitions
from services.catalogue.taxonomy.progress import Progress
from services.catalogue.taxonomy.routes import technical_route
from services.catalogue.taxonomy.source_files import Inputs
from services.catalogue.taxonomy.writer import TaxonomyRows

OPTIONAL = (nesta.FOLDER, onet.ONET, labour_market.FOLDER, districts.FOLDER)


def read_open_data(inputs: Inputs, progress: Progress) -> tuple[TaxonomyRows, dict[str, Any]]:
    """Every taxonomy row the data folder gives, and notes on what was skipped or missing."""
    if not inputs.has(esco.FOLDER):
        raise FileNotFoundError(f"{inputs.data_dir} has no {esco.FOLDER}/ folder")
    steps = progress(total=5, desc="reading the open data", unit="data set")
    taxonomy = esco.read_esco(inputs, progress)
    steps.update(1)
    attributes = nesta.read_attributes(inputs)
    occupations = {
        fields["uri"]: _occupation(code, fields, attributes.get(fields["uri"], nesta.NO_ATTRIBUTES))
        for code, fields in taxonomy.occupations.items()
    }
    nesta.fill_entry_levels(occupations)
    steps.update(1)
    moves = _transitions(inputs, taxonomy)
    steps.update(1)
    soc_links, soc_codes = labour_market.read_soc_isco(inputs)
    signals, skipped_signals = labour_market.read_signals(inputs, soc_codes)
    steps.update(1)
    rows = TaxonomyRows(
        occupations, taxonomy.skills, taxonomy.links, moves, signals, soc_links,
        districts.read_districts(inputs) if inputs.has(districts.FOLDER) else None,
        labour_market.read_areas(inputs, {area for _, area, _ in signals}),
    )  # fmt: skip
    steps.update(1)
    steps.close()
    notes = {
        "links_skipped": taxonomy.skipped_links,
        "signal_rows_skipped": skipped_signals,
        "missing": [folder for folder in OPTIONAL if not inputs.has(folder)],
    }
    return rows, notes


def _occupation(code: str, fields: dict[str, Any], attributes: dict[str, Any]) -> dict[str, Any]:
    """ESCO's fields, Nesta's attributes, the technical route and the typical entry level."""
    entry = nesta.typical_entry_level(attributes["job_zone"], attributes["education_level"])
    return {
        "code": code,
        "title": fields["title"],
        "description": fields["description"],
        "isco_group": fields["isco_group"],
        "technical_route": technical_route(fields["isco_group"]),
        "typical_entry_level": entry,
        **attributes,
    }


def _transitions(inputs: Inputs, taxonomy: esco.EscoTaxonomy) -> dict[tuple[str, str, str], float]:
    """Both kinds of transition, keyed (from code, to code, source)."""
    found = {
        (origin, target, onet.SOURCE): similarity
        for (origin, target), similarity in onet.read_onet_transitions(
            inputs, taxonomy.codes_by_uri
        ).items()
    }
    for (origin, target), similarity in transitions.skill_overlap_transitions(
        taxonomy.links
    ).items():
        found[origin, target, transitions.SOURCE] = similarity
    return found
