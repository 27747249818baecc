"""Demo learners, in occupational clusters, and the careers advisers who hold caseloads of them.

Real reskilling demand clusters by where people work now: care workers aim at nursing-associate
roles, manufacturing operatives at engineering-technician ones, retail and admin staff at digital
and office jobs. Each cluster fixes the mix of current jobs, goals, RQF levels (skewed to 2-3),
route preferences and spare hours, and leans towards the districts where that work is.
Names are drawn from common UK first and last names; every e-mail address is at example.org.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from shared.demo.model import DemoAdviser, DemoLearner, pick_weighted
from shared.demo.places import DISTRICTS, distance_km, invented_postcode
from shared.demo.taxonomy import NO_OCCUPATION

EMAIL_DOMAIN = "example.org"  # RFC 2606 reserved: demo mail can never reach a real person

FIRST_NAMES = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophie",
    "Grace",
    "Lily",
    "Chloe",
    "Jessica",
    "Hannah",
    "Megan",
    "Lauren",
    "Rebecca",
    "Sarah",
    "Emma",
    "Claire",
    "Nicola",
    "Joanne",
    "Karen",
    "Aisha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Sana",
    "Priya",
    "Ayesha",
    "Zofia",
    "Natalia",
    "Shauna",
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Charlie",
    "Thomas",
    "James",
    "William",
    "Daniel",
    "Matthew",
    "Ryan",
    "Liam",
    "Connor",
    "Jordan",
    "Craig",
    "Paul",
    "Mark",
    "David",
    "Andrew",
    "Mohammed",
    "Muhammad",
    "Imran",
    "Yusuf",
    "Hamza",
    "Ibrahim",
    "Amir",
    "Bilal",
    "Jakub",
    "Tomasz",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Turner",
    "Harrison",
    "Cooper",
    "Ward",
    "Parker",
    "Holden",
    "Ashworth",
    "Haworth",
    "Howarth",
    "Whittaker",
    "Greenwood",
    "Pilling",
    "Duckworth",
    "Fielding",
    "Marsden",
    "Entwistle",
    "Sutcliffe",
    "Hesketh",
    "Rawcliffe",
    "Singleton",
    "Parkinson",
    "Bamber",
    "Cowell",
    "Patel",
    "Khan",
    "Hussain",
    "Ahmed",
    "Ali",
    "Shah",
    "Begum",
    "Mahmood",
    "Iqbal",
    "Akhtar",
    "Kowalski",
    "Nowak",
    "Murphy",
    "Kelly",
    "O'Brien",
    "McDonald",
)


class Cluster(NamedTuple):
    """A group of learners who share a starting point and the goals it usually leads to."""

    name: str
    share: float
    occupations: dict[str, float]
    goals: dict[str, float]
    levels: dict[int, float]
    routes: dict[str, float]
    hours: tuple[int, int]
    districts: dict[str, float]  # district-code prefix -> how much likelier learners live there


_ADULT_ROUTES = {"technical": 0.5, "either": 0.35, "academic": 0.15}

CLUSTERS: tuple[Cluster, ...] = (
    Cluster(
        "retail",
        0.18,
        {"7111": 1},
        {
            "3132": 3,
            "2134": 2,
            "3544": 2,
            "4159": 1.5,
            "3554": 1,
            "2142": 0.8,
            "6112": 1,
        },
        {1: 0.1, 2: 0.42, 3: 0.33, 4: 0.08, 5: 0.04, 6: 0.03},
        _ADULT_ROUTES,
        (4, 10),
        {},
    ),
    Cluster(
        "care",
        0.15,
        {"6135": 0.7, "6136": 0.3},
        {
            "6131": 4,
            "2237": 3,
            "6136": 1.5,
            "3111": 1,
            "6111": 0.8,
        },
        {1: 0.06, 2: 0.44, 3: 0.38, 4: 0.07, 5: 0.03, 6: 0.02},
        _ADULT_ROUTES,
        (4, 12),
        {},
    ),
    Cluster(
        "warehouse and logistics",
        0.13,
        {"9252": 0.7, "8214": 0.3},
        {
            "3113": 2,
            "5223": 2,
            "5241": 2,
            "3132": 2,
            "5314": 1,
            "4159": 1,
        },
        {1: 0.14, 2: 0.46, 3: 0.3, 4: 0.06, 5: 0.02, 6: 0.02},
        _ADULT_ROUTES,
        (4, 12),
        {"PR": 1.4, "WN8": 2.0, "BB5": 1.3},
    ),
    Cluster(
        "manufacturing",
        0.14,
        {"8139": 1},
        {
            "3113": 4,
            "5223": 3,
            "5213": 2,
            "3112": 2,
            "2122": 1.2,
        },
        {1: 0.08, 2: 0.42, 3: 0.36, 4: 0.08, 5: 0.04, 6: 0.02},
        _ADULT_ROUTES,
        (4, 12),
        {"BB": 1.6, "PR25": 1.5, "PR4": 1.5},
    ),
    Cluster(
        "admin",
        0.12,
        {"4159": 1},
        {
            "4122": 3,
            "3544": 2.5,
            "3571": 2,
            "2134": 1,
            "6112": 1,
        },
        {1: 0.03, 2: 0.3, 3: 0.42, 4: 0.13, 5: 0.06, 6: 0.06},
        _ADULT_ROUTES,
        (4, 10),
        {},
    ),
    Cluster(
        "hospitality",
        0.11,
        {"9264": 0.45, "5434": 0.55},
        {
            "6111": 2,
            "6112": 1.5,
            "4159": 1.5,
            "2142": 1.2,
            "3132": 1.2,
            "5241": 1,
            "3554": 1,
        },
        {1: 0.12, 2: 0.45, 3: 0.3, 4: 0.07, 5: 0.03, 6: 0.03},
        _ADULT_ROUTES,
        (4, 12),
        {"FY": 2.0, "LA4": 1.5, "LA3": 1.3},
    ),
    Cluster(
        "school-leavers",
        0.17,
        {NO_OCCUPATION: 1},
        {
            "2134": 2,
            "2237": 1.5,
            "2122": 1.5,
            "5241": 1.2,
            "2314": 1,
            "2142": 1.2,
            "6129": 1,
            "5111": 0.6,
            "3554": 0.8,
            "3114": 1,
            "3111": 1,
            "3113": 1.2,
            "6111": 0.8,
        },
        {2: 0.4, 3: 0.6},
        {"academic": 0.4, "technical": 0.3, "either": 0.3},
        (15, 30),
        {},
    ),
)

_TRAVEL_KM = {5: 0.08, 10: 0.2, 15: 0.22, 20: 0.2, 30: 0.15, 40: 0.08, 50: 0.07}
_DIGESTS = {"weekly": 0.45, "monthly": 0.25, "instant": 0.1, "never": 0.2}


def _district_weights(cluster: Cluster) -> np.ndarray:
    weights = np.array([d.weight for d in DISTRICTS], dtype=float)
    for i, district in enumerate(DISTRICTS):
        for prefix, factor in cluster.districts.items():
            if re.fullmatch(rf"{prefix}\d*", district.code):
                weights[i] *= factor
    return weights / weights.sum()


class _Emails:
    """Hands out unique ``first.last@example.org`` addresses, numbering repeats in order."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        local = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in name.split())
        self._seen[local] = self._seen.get(local, 0) + 1
        suffix = "" if self._seen[local] == 1 else str(self._seen[local])
        return f"{local}{suffix}@{EMAIL_DOMAIN}"


def _name(rng: np.random.Generator) -> str:
    return (
        f"{FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]} "
        f"{LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]}"
    )


def generate_learners(rng: np.random.Generator, count: int) -> tuple[DemoLearner, ...]:
    """``count`` learners whose job, goals, level and home follow their cluster."""
    shares = np.array([c.share for c in CLUSTERS])
    district_weights = [_district_weights(c) for c in CLUSTERS]
    emails = _Emails()
    learners = []
    for number in range(1, count + 1):
        which = int(rng.choice(len(CLUSTERS), p=shares / shares.sum()))
        cluster = CLUSTERS[which]
        occupation = str(pick_weighted(rng, cluster.occupations))
        goals = {code: w for code, w in cluster.goals.items() if code != occupation}
        codes = list(goals)
        p = np.array(list(goals.values()), dtype=float)
        size = int(rng.choice((1, 2, 3), p=(0.45, 0.4, 0.15)))
        chosen = rng.choice(len(codes), size=size, replace=False, p=p / p.sum())
        district = DISTRICTS[int(rng.choice(len(DISTRICTS), p=district_weights[which]))]
        name = _name(rng)
        learners.append(
            DemoLearner(
                key=f"L-{number:05d}",
                name=name,
                email=emails(name),
                postcode=invented_postcode(
                    district.code, *(int(v) for v in rng.integers(0, 40, 3))
                ),
                occupation_code=occupation,
                rqf_level=int(pick_weighted(rng, cluster.levels)),
                route_preference=str(pick_weighted(rng, cluster.routes)),
                goals=tuple(codes[int(i)] for i in chosen),
                max_travel_km=int(pick_weighted(rng, _TRAVEL_KM)),
                hours_per_week=int(rng.integers(cluster.hours[0], cluster.hours[1] + 1)),
                digest_frequency=str(pick_weighted(rng, _DIGESTS)),
            )
        )
    return tuple(learners)


# Invented advisers; the organisations are real Lancashire services, their staff here are not.
_ADVISERS = (
    ("Joanne Whittaker", "National Careers Service (Lancashire)", 53.758, -2.700),
    ("Imran Hussain", "National Careers Service (Lancashire)", 53.748, -2.482),
    ("Claire Hesketh", "National Careers Service (Lancashire)", 53.815, -3.050),
    ("Daniel Haworth", "Burnley College", 53.7948, -2.2357),
    ("Priya Patel", "Preston's College", 53.7839, -2.7119),
    ("Megan Rawcliffe", "Lancaster and Morecambe College", 54.0601, -2.8164),
)


def _home(learner: DemoLearner) -> tuple[float, float]:
    code = learner.postcode.split()[0]
    district = next(d for d in DISTRICTS if d.code == code)
    return district.latitude, district.longitude


def generate_advisers(
    rng: np.random.Generator, learners: tuple[DemoLearner, ...]
) -> tuple[DemoAdviser, ...]:
    """Six advisers with caseloads of 20-40 learners who mostly live near them.

    National Careers Service advisers work with adults; college advisers see more school-leavers.
    A learner sits on at most one caseload; small data sets give the later advisers fewer.
    """
    homes = np.array([_home(learner) for learner in learners]).reshape(-1, 2)
    leavers = np.array([learner.occupation_code == NO_OCCUPATION for learner in learners])
    free = np.ones(len(learners), dtype=bool)
    emails = _Emails()
    advisers = []
    for number, (name, organisation, lat, lon) in enumerate(_ADVISERS, start=1):
        near = np.array([np.exp(-distance_km(lat, lon, *home) / 12.0) for home in homes])
        is_ncs = organisation.startswith("National Careers Service")
        weights = near * np.where(leavers, 0.2 if is_ncs else 2.0, 1.0) * free
        size = min(int(rng.integers(20, 41)), int(np.count_nonzero(weights)))
        picked = (
            rng.choice(len(learners), size=size, replace=False, p=weights / weights.sum())
            if size
            else np.array([], dtype=int)
        )
        free[picked] = False
        advisers.append(
            DemoAdviser(
                key=f"A-{number:02d}",
                name=name,
                email=emails(f"Adviser {name}"),
                organisation=organisation,
                learner_keys=tuple(learners[int(i)].key for i in np.sort(picked)),
            )
        )
    return tuple(advisers)
