"""Lancashire places: the providers and campuses courses are taught at, and where learners live.

The real providers are named as they are; their campus postcodes and coordinates are approximate
(good to a kilometre or so, which is all travel distances need). Every UKPRN here is invented
(``1000xxxx``) and is NOT the provider's real UK Provider Reference Number.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from shared.demo.model import DemoCampus, DemoProvider
from shared.demo.taxonomy import (
    AGRICULTURE,
    BUSINESS,
    CONSTRUCTION,
    CREATIVE,
    DIGITAL,
    EDUCATION,
    ENGINEERING,
    HEALTH,
)


class ProviderProfile(NamedTuple):
    """A provider with what shapes its offer: its share of the catalogue and its sector mix."""

    provider: DemoProvider
    weight: float
    sectors: dict[str, float]
    a_levels: bool = False


def _provider(key: str, name: str, kind: str, ukprn: str, *campuses: DemoCampus) -> DemoProvider:
    return DemoProvider(key=key, name=name, kind=kind, ukprn=ukprn, campuses=tuple(campuses))


_BROAD_FE = {
    DIGITAL: 1.2,
    ENGINEERING: 1.2,
    HEALTH: 1.2,
    CONSTRUCTION: 1.0,
    BUSINESS: 1.0,
    EDUCATION: 0.8,
    AGRICULTURE: 0.2,
    CREATIVE: 0.8,
}

PROVIDER_PROFILES: tuple[ProviderProfile, ...] = (
    ProviderProfile(
        _provider(
            "BBC",
            "Blackburn College",
            "fe-college",
            "10000101",
            DemoCampus("Blackburn Campus", "BB2 1LH", 53.7481, -2.4847),
        ),
        10,
        _BROAD_FE,
        a_levels=True,
    ),
    ProviderProfile(
        _provider(
            "BFC",
            "Blackpool and The Fylde College",
            "fe-college",
            "10000102",
            DemoCampus("Bispham Campus", "FY2 0HB", 53.8496, -3.0384),
            DemoCampus("University Centre", "FY1 4ES", 53.8159, -3.0445),
            DemoCampus("Fleetwood Nautical Campus", "FY7 8JZ", 53.9249, -3.0076),
        ),
        12,
        {**_BROAD_FE, ENGINEERING: 1.6},
    ),
    ProviderProfile(
        _provider(
            "BUR",
            "Burnley College",
            "fe-college",
            "10000103",
            DemoCampus("Princess Way Campus", "BB12 0AN", 53.7948, -2.2357),
        ),
        8,
        {**_BROAD_FE, ENGINEERING: 1.5},
        a_levels=True,
    ),
    ProviderProfile(
        _provider(
            "LMC",
            "Lancaster and Morecambe College",
            "fe-college",
            "10000104",
            DemoCampus("Morecambe Road Campus", "LA1 2TY", 54.0601, -2.8164),
        ),
        7,
        _BROAD_FE,
    ),
    ProviderProfile(
        _provider(
            "PRC",
            "Preston's College",
            "fe-college",
            "10000105",
            DemoCampus("Fulwood Campus", "PR2 8UR", 53.7839, -2.7119),
        ),
        10,
        _BROAD_FE,
        a_levels=True,
    ),
    ProviderProfile(
        _provider(
            "RUN",
            "Runshaw College",
            "fe-college",
            "10000106",
            DemoCampus("Leyland Campus", "PR25 3DQ", 53.6940, -2.6904),
            DemoCampus("Chorley Adult Campus", "PR7 6AD", 53.6560, -2.6440),
        ),
        7,
        {**_BROAD_FE, BUSINESS: 1.3},
        a_levels=True,
    ),
    ProviderProfile(
        _provider(
            "MYC",
            "Myerscough College",
            "fe-college",
            "10000107",
            DemoCampus("Bilsborrow Campus", "PR3 0RY", 53.8575, -2.7702),
        ),
        6,
        {AGRICULTURE: 5.0, CONSTRUCTION: 0.6, ENGINEERING: 0.6, BUSINESS: 0.3},
    ),
    ProviderProfile(
        _provider(
            "NCC",
            "Nelson and Colne College",
            "fe-college",
            "10000108",
            DemoCampus("Scotland Road Campus", "BB9 7YT", 53.8370, -2.2120),
        ),
        6,
        _BROAD_FE,
        a_levels=True,
    ),
    ProviderProfile(
        _provider(
            "ARC",
            "Accrington and Rossendale College",
            "fe-college",
            "10000109",
            DemoCampus("Broad Oak Campus", "BB5 2AW", 53.7588, -2.3557),
            DemoCampus("Rawtenstall Campus", "BB4 6RA", 53.7025, -2.2925),
        ),
        5,
        _BROAD_FE,
    ),
    ProviderProfile(
        _provider(
            "UCLAN",
            "University of Central Lancashire",
            "university",
            "10000110",
            DemoCampus("Preston Campus", "PR1 2HE", 53.7645, -2.7084),
            DemoCampus("Burnley Campus", "BB12 0EQ", 53.7937, -2.2383),
        ),
        14,
        {
            DIGITAL: 1.2,
            ENGINEERING: 1.2,
            HEALTH: 1.6,
            CONSTRUCTION: 0.6,
            BUSINESS: 1.0,
            EDUCATION: 0.8,
            CREATIVE: 1.0,
        },
    ),
    ProviderProfile(
        _provider(
            "LANU",
            "Lancaster University",
            "university",
            "10000111",
            DemoCampus("Bailrigg Campus", "LA1 4YW", 54.0104, -2.7877),
        ),
        8,
        {
            DIGITAL: 1.4,
            ENGINEERING: 1.0,
            HEALTH: 1.2,
            BUSINESS: 1.2,
            EDUCATION: 0.4,
            AGRICULTURE: 0.4,
            CREATIVE: 0.4,
        },
    ),
    ProviderProfile(
        _provider(
            "EHU",
            "Edge Hill University",
            "university",
            "10000112",
            DemoCampus("Ormskirk Campus", "L39 4QP", 53.5586, -2.8694),
        ),
        8,
        {DIGITAL: 0.9, HEALTH: 1.5, BUSINESS: 0.8, EDUCATION: 2.0, CREATIVE: 1.0},
    ),
    # The four providers below are FICTIONAL: invented names, postcodes and places for the demo.
    ProviderProfile(
        _provider(
            "RRD",
            "Red Rose Digital Skills",
            "itp",
            "10000113",
            DemoCampus("Preston Digital Hub", "PR1 3NQ", 53.7590, -2.6990),
        ),
        3,
        {DIGITAL: 3.0, BUSINESS: 1.0, CREATIVE: 1.0},
    ),
    ProviderProfile(
        _provider(
            "MBC",
            "Morecambe Bay Construction Training",
            "itp",
            "10000114",
            DemoCampus("Morecambe Skills Centre", "LA4 5QT", 54.0680, -2.8640),
        ),
        2,
        {CONSTRUCTION: 3.0, ENGINEERING: 0.8},
    ),
    ProviderProfile(
        _provider(
            "FCA",
            "Fylde Coast Aerospace Academy",
            "employer-academy",
            "10000115",
            DemoCampus("Warton Training Centre", "PR4 1WX", 53.7445, -2.8850),
            DemoCampus("Samlesbury Training Centre", "BB2 7WX", 53.7700, -2.5600),
        ),
        2,
        {ENGINEERING: 3.0, DIGITAL: 0.6},
    ),
    ProviderProfile(
        _provider(
            "ELC",
            "East Lancs Care Academy",
            "employer-academy",
            "10000116",
            DemoCampus("Accrington Training Centre", "BB5 1WX", 53.7535, -2.3640),
        ),
        2,
        {HEALTH: 3.0, EDUCATION: 0.6},
    ),
)

PROVIDERS: tuple[DemoProvider, ...] = tuple(p.provider for p in PROVIDER_PROFILES)


class District(NamedTuple):
    """A postcode district learners live in, with its centroid and a weight for its population."""

    code: str
    town: str
    latitude: float
    longitude: float
    weight: float


DISTRICTS: tuple[District, ...] = (
    District("PR1", "Preston", 53.758, -2.700, 8),
    District("PR2", "Preston", 53.785, -2.705, 7),
    District("PR3", "Garstang", 53.900, -2.770, 2),
    District("PR4", "Kirkham", 53.780, -2.880, 2.5),
    District("PR5", "Bamber Bridge", 53.725, -2.660, 2.5),
    District("PR6", "Chorley", 53.670, -2.610, 2),
    District("PR7", "Chorley", 53.645, -2.630, 4),
    District("PR25", "Leyland", 53.695, -2.695, 3),
    District("PR26", "Leyland", 53.690, -2.740, 1.5),
    District("BB1", "Blackburn", 53.755, -2.460, 7),
    District("BB2", "Blackburn", 53.740, -2.500, 7),
    District("BB3", "Darwen", 53.700, -2.460, 2),
    District("BB4", "Rawtenstall", 53.700, -2.280, 3),
    District("BB5", "Accrington", 53.755, -2.360, 5),
    District("BB7", "Clitheroe", 53.870, -2.390, 1.5),
    District("BB8", "Colne", 53.860, -2.170, 2),
    District("BB9", "Nelson", 53.835, -2.215, 3),
    District("BB10", "Burnley", 53.800, -2.220, 3),
    District("BB11", "Burnley", 53.785, -2.245, 4),
    District("BB12", "Burnley", 53.800, -2.270, 3),
    District("FY1", "Blackpool", 53.815, -3.050, 6),
    District("FY2", "Blackpool", 53.845, -3.035, 3),
    District("FY3", "Blackpool", 53.820, -3.020, 4),
    District("FY4", "Blackpool", 53.795, -3.020, 4),
    District("FY5", "Thornton-Cleveleys", 53.875, -3.020, 3),
    District("FY7", "Fleetwood", 53.920, -3.010, 2),
    District("FY8", "Lytham St Annes", 53.750, -3.000, 3),
    District("LA1", "Lancaster", 54.045, -2.800, 6),
    District("LA3", "Heysham", 54.040, -2.870, 2),
    District("LA4", "Morecambe", 54.070, -2.860, 4),
    District("LA5", "Carnforth", 54.130, -2.760, 1),
    District("L39", "Ormskirk", 53.565, -2.880, 2),
    District("WN8", "Skelmersdale", 53.550, -2.780, 3),
)

# Letters Royal Mail never uses in the inward unit of a postcode.
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def invented_postcode(district: str, sector_digit: int, first: int, second: int) -> str:
    """A well-formed postcode in ``district``; invented, so it may or may not be a real one."""
    letters = _UNIT_LETTERS[first % len(_UNIT_LETTERS)] + _UNIT_LETTERS[second % len(_UNIT_LETTERS)]
    return f"{district} {sector_digit % 10}{letters}"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, the measure ``max_travel_km`` is compared with."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
