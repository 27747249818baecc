"""How far a campus is from a learner (whose place services.catalogue.postcodes resolves).

A distance filter first takes a bounding box that the index on courses' latitude/longitude can
answer in SQL, then keeps the campuses whose great-circle (haversine) distance is within the
radius, computed here in Python (numpy) so SQLite and PostgreSQL agree to the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
_EDGE = 1e-9  # degrees added to the box so rounding never drops a campus on its edge


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Box:
    """Latitude and longitude bounds (degrees) that contain every point within a radius."""

    south: float
    north: float
    west: float
    east: float


def haversine_km(origin: Point, latitude: float, longitude: float) -> float:
    """Great-circle distance in kilometres from `origin` to a point."""
    return float(distances_km(origin, [latitude], [longitude])[0])


def distances_km(
    origin: Point, latitudes: Sequence[float], longitudes: Sequence[float]
) -> np.ndarray:
    """Great-circle (haversine) distances in kilometres from `origin` to many points at once
    (a box near a town centre holds thousands of campus courses)."""
    phi1, phi2 = math.radians(origin.latitude), np.radians(np.asarray(latitudes, dtype=float))
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.asarray(longitudes, dtype=float) - origin.longitude) / 2
    a = np.sin(half_dphi) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def bounding_box(origin: Point, radius_km: float) -> Box:
    """The smallest latitude/longitude box holding the circle of `radius_km` around `origin`
    (longitude spans the whole world when the circle reaches a pole or the antimeridian)."""
    angle = radius_km / EARTH_RADIUS_KM
    spread = math.degrees(angle)
    south, north = origin.latitude - spread, origin.latitude + spread
    if south <= -90 or north >= 90 or angle >= math.pi / 2:
        return Box(max(south, -90.0), min(north, 90.0), -180.0, 180.0)
    reach = math.sin(angle) / math.cos(math.radians(origin.latitude))
    width = 180.0 if reach >= 1 else math.degrees(math.asin(reach))
    west, east = origin.longitude - width, origin.longitude + width
    if west < -180 or east > 180:
        west, east = -180.0, 180.0
    return Box(south - _EDGE, north + _EDGE, west - _EDGE, east + _EDGE)
