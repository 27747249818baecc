"""UK labour-market signals ("Where the Work Is", 2015) and the shipped SOC 2010 -> ISCO-08 map.

One signal per SOC 2010 minor group, area and education route. The data name each minor group
by title only, so the group's code comes from the shipped mapping file's `soc_title`.

- `demand_index`: entry-level job postings in 2015 (≤ 2 years' experience asked) for the
  route: all routes (`demand_entry`), school-leaver (`_sl`), further education (`_fe`) or
  higher education (`_he`). Comparable between occupations within one area.
- `median_pay_gbp`: the area's advertised salary for the group (`reg_salary`; one figure for
  every route).
- `projected_change`: "rise", "fall" or "steady" by 2020 (UKCES Working Futures) for the area's
  nation or region; a LEP takes its region's projection (`lep_locations.csv`).

Areas are `geography_name` upper-cased ("LANCASHIRE", "NORTH WEST ENGLAND", "UK TOTAL");
rows without one (2 in the file) are skipped.

Each LEP or city region also has a pin (`lep_locations.csv`: a town or a point inside it),
named as the signals name the area, so a place's area can be taken to be its nearest pin. That
is an approximation (a pin is not a boundary): near the edge of a large area, a neighbour's pin
may be nearer. Regions and nations have no pin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from services.catalogue.taxonomy.source_files import Inputs

FOLDER = "uk-lmi-where-the-work-is"
SOC_ISCO_FILE = Path(__file__).with_name("soc2010_isco08.csv")
ROUTE_COLUMNS = {
    "all": "demand_entry", "school-leaver": "demand_entry_sl",
    "fe": "demand_entry_fe", "he": "demand_entry_he",
}  # fmt: skip
#: Area (upper-cased) -> the `nation_region` of projection_employment.csv.
PROJECTION_REGIONS = {
    "UK TOTAL": "UK", "ENGLAND": "England", "SCOTLAND": "Scotland", "WALES": "Wales",
    "NORTHERN IRELAND": "Northern Ireland", "EAST MIDLANDS": "East Midlands",
    "EAST OF ENGLAND": "East of England", "GREATER LONDON": "London",
    "NORTH EAST ENGLAND": "North East", "NORTH WEST ENGLAND": "North West",
    "SOUTH EAST ENGLAND": "South East", "SOUTH WEST ENGLAND": "South West",
    "WEST MIDLANDS": "West Midlands", "YORKSHIRE AND THE HUMBER": "Yorkshire and Humberside",
}  # fmt: skip
#: lep_locations.csv spells two LEPs differently from occupation_data.csv.
LEP_ALIASES = {
    "CORNWALL AND ISLES OF SCILLY": "CORNWALL AND THE ISLES OF SCILLY",
    "YORK AND NORTH YORKSHIRE": "YORK, NORTH YORKSHIRE AND EAST RIDING",
}
#: lep_locations.csv pins Cornwall on Tiverton (in Devon), the same point as Heart of the South
#: West, so no place would ever be nearer to one of the two; Truro stands in.
PIN_CORRECTIONS = {"CORNWALL AND THE ISLES OF SCILLY": ("Truro", 50.2632, -5.051)}
CHANGE = re.compile(r"projected to (rise|fall|remain steady)")


def read_soc_isco(inputs: Inputs) -> tuple[set[tuple[str, str]], dict[str, str]]:
    """The shipped links (SOC group, ISCO group) and each SOC group's code by upper-cased title."""
    links, codes = set(), {}
    for row in inputs.shipped_rows(SOC_ISCO_FILE):
        links.add((row["soc_group"].strip(), row["isco_group"].strip()))
        codes[row["soc_title"].strip().upper()] = row["soc_group"].strip()
    return links, codes


def read_signals(
    inputs: Inputs, soc_codes: dict[str, str]
) -> tuple[dict[tuple[str, str, str], dict[str, Any]], int]:
    """Signals by (SOC group, area, route), and how many rows were skipped (no area or group)."""
    if not inputs.has(FOLDER):
        return {}, 0
    projections = _projections(inputs)
    regions = _lep_regions(inputs)
    signals, skipped = {}, 0
    for row in inputs.rows(FOLDER, "occupation_data.csv"):
        area = row["geography_name"].strip().upper()
        soc = soc_codes.get(row["occupation"].strip().upper())
        if not area or soc is None:
            skipped += 1
            continue
        region = regions.get(_area_name(area), area)
        change = projections.get((PROJECTION_REGIONS.get(region), soc))
        for route, column in ROUTE_COLUMNS.items():
            signals[soc, area, route] = {
                "demand_index": _number(row[column]),
                "median_pay_gbp": _number(row["reg_salary"]),
                "projected_change": change,
            }
    return signals, skipped


def read_areas(inputs: Inputs, signal_areas: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Area name -> {pin, latitude, longitude} for each LEP or city region with a pin; the name
    as `signal_areas` spell it when one of them is the same area ("OXFORDSHIRE LEP")."""
    if not inputs.has(FOLDER):
        return {}
    spelt = {_area_name(area): area for area in signal_areas}
    areas = {}
    for row in inputs.rows(FOLDER, "lep_locations.csv"):
        name = _area_name(row["LEP/City Region"])
        name = LEP_ALIASES.get(name, name)
        pin, latitude, longitude = PIN_CORRECTIONS.get(name) or (
            row["Pin_Location"].strip(),
            float(row["Lat"]),
            float(row["Lon"]),
        )
        areas[spelt.get(name, name)] = {"pin": pin, "latitude": latitude, "longitude": longitude}
    return areas


def projected_change(text: str) -> str | None:
    """ "rise", "fall" or "steady" from a Working Futures sentence (None if it says neither)."""
    found = CHANGE.search(text)
    return None if found is None else found.group(1).removeprefix("remain ")


def _projections(inputs: Inputs) -> dict[tuple[str, str], str | None]:
    return {
        (row["nation_region"].strip(), row["soc3"].strip()): projected_change(
            row["working_futures_projection"]
        )
        for row in inputs.rows(FOLDER, "projection_employment.csv")
    }


def _lep_regions(inputs: Inputs) -> dict[str, str]:
    """LEP area -> its region (or nation, for LEPs outside England), both upper-cased."""
    regions = {}
    for row in inputs.rows(FOLDER, "lep_locations.csv"):
        name = _area_name(row["LEP/City Region"])
        region = row["Region"].strip().upper()
        regions[LEP_ALIASES.get(name, name)] = (
            row["Nation"].strip().upper() if region == "N/A" else region
        )
    return regions


def _area_name(text: str) -> str:
    name = " ".join(text.upper().replace("&", " AND ").split())
    return name.removesuffix(" LEP")


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None
