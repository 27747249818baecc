"""The demo data set's records: plain frozen dataclasses, so two generations compare equal.

They carry what the services need to seed themselves and nothing that could reach a real person:
names are invented, e-mail addresses use the reserved ``example.org`` domain and the fictional
providers are marked as such where they are defined (``shared.demo.places``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class DemoCampus:
    """A place where a provider teaches; coordinates are approximate, for travel distances."""

    name: str
    postcode: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoProvider:
    """A Lancashire education or training provider.

    ``kind`` is one of ``"fe-college"``, ``"university"``, ``"itp"`` (independent training
    provider) or ``"employer-academy"``. ``ukprn`` is an invented 8-digit number, never the
    provider's real UK Provider Reference Number.
    """

    key: str
    name: str
    kind: str
    ukprn: str
    campuses: tuple[DemoCampus, ...]


@dataclass(frozen=True)
class DemoCourse:
    """One course in the catalogue.

    ``key`` is the provider-scoped external reference (``"BBC-0007"``). ``campus_name`` is
    ``None`` for online courses. ``cost_pence`` is the tuition fee the learner (or the loan taken
    out in their name) pays: 0 when ``funding`` says someone else pays. ``occupations`` are
    SOC-2020-style codes from ``shared.demo.taxonomy.OCCUPATIONS``.
    """

    key: str
    provider_key: str
    title: str
    summary: str
    qualification_type: str
    rqf_level: int
    route_kind: str
    sector: str
    delivery_mode: str
    campus_name: str | None
    duration_weeks: int
    hours_per_week: int
    cost_pence: int
    funding: str
    skills: tuple[str, ...]
    occupations: tuple[str, ...]
    start_dates: tuple[str, ...] = ()  # ISO dates


@dataclass(frozen=True)
class DemoLearner:
    """An invented adult (or school-leaver) looking for a next step.

    ``occupation_code`` is the current job's SOC-2020-style code, or ``""`` (``NO_OCCUPATION``)
    for a school-leaver. ``goals`` are the occupation codes the learner is aiming for, first
    the main one. ``route_preference`` is ``"academic"``, ``"technical"`` or ``"either"`` and
    ``digest_frequency`` one of ``"weekly"``, ``"monthly"``, ``"instant"`` or ``"never"``.
    """

    key: str
    name: str
    email: str
    postcode: str
    occupation_code: str
    rqf_level: int
    route_preference: str
    goals: tuple[str, ...]
    max_travel_km: int
    hours_per_week: int
    digest_frequency: str


@dataclass(frozen=True)
class DemoInteraction:
    """Something a learner did with a course; ``occurred_at`` is timezone-aware UTC."""

    learner_key: str
    course_key: str
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class DemoAdviser:
    """A careers adviser and the learners on their caseload (each learner has at most one)."""

    key: str
    name: str
    email: str
    organisation: str
    learner_keys: tuple[str, ...]


@dataclass(frozen=True)
class DemoDataSet:
    """Everything ``generate`` produces, as tuples in a stable order."""

    providers: tuple[DemoProvider, ...]
    courses: tuple[DemoCourse, ...]
    learners: tuple[DemoLearner, ...]
    interactions: tuple[DemoInteraction, ...]
    advisers: tuple[DemoAdviser, ...]


def pick_weighted(rng: np.random.Generator, weights: dict) -> object:
    """One key of `weights`, drawn with probability proportional to its value."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]
