"""UK postcode districts (outward codes) and their centroids: the open list, or the demo's."""

from __future__ import annotations

from services.catalogue.taxonomy.source_files import Inputs
from shared.demo.places import DISTRICTS

FOLDER = "uk-postcode-outcodes"


def read_districts(inputs: Inputs) -> dict[str, dict[str, float]]:
    """Outcode -> latitude and longitude from postcode-outcodes.csv (rows without both skipped)."""
    districts = {}
    for row in inputs.rows(FOLDER, "postcode-outcodes.csv"):
        outcode = row["outcode"].strip().upper()
        latitude, longitude = row["latitude"].strip(), row["longitude"].strip()
        if outcode and latitude and longitude:
            districts[outcode] = {"latitude": float(latitude), "longitude": float(longitude)}
    return districts


def demo_districts() -> dict[str, dict[str, float]]:
    """The Lancashire districts the demo data set's learners live in."""
    return {
        district.code: {"latitude": district.latitude, "longitude": district.longitude}
        for district in DISTRICTS
    }
