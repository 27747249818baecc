"""The data the route benchmark and the route examples read, built once and cached under /tmp:
the REAL occupation taxonomy in a recommender read model, beside a GENERATED course catalogue
and GENERATED learners.

Real (the open data in ../shared/data, read by the catalogue's own import code): ESCO v1.1.1
occupations, skills and essential skills; Nesta Career Causeways job zones, earnings and
automation risk; ESCO skill-overlap and O*NET related-occupation transitions; UK LMI ("Where the
Work Is") demand by LEP area; postcode district centroids. The taxonomy is imported into a
throwaway catalogue SQLite (`taxonomy.import_taxonomy`), exported as `GET /taxonomy/export`
answers (`export.taxonomy_export`) and copied into a migrated recommender SQLite with
`occupations.replace_taxonomy`, as the recommender's own taxonomy task does.

Generated (seeded by `--seed`), through the read model's own functions:

- `--courses` courses (`read_model.record_course_published` + `store_course_facts`). Each leads
  to one real ESCO occupation (drawn with weight 3 for ESCO's first-level occupations such as
  "5223.1", 1 for their narrower ones, times 1 + 2 x the occupation's demand rank in
  Lancashire) and teaches 2-6 of its essential skills by their ESCO labels, so they match the
  occupation's skills. Level: around the occupation's typical entry level, 1-6. A
  qualification type that exists at that level (`TYPES_BY_LEVEL`) and, by type
  (`PROFILES`), its route kind, duration, weekly hours, fee and funding kind, and its intakes
  (1-3 start dates in the 12 months after the build day: Septembers and some Januaries for
  college and university courses, any Monday for the rest). A campus of its provider at a real
  postcode district centroid in and around Lancashire (PR, BB, BL, FY, LA, WN outcodes), or
  online and national (about 20%: `ONLINE_SHARE` of the courses other than apprenticeships).
  Some entry requirements: a minimum level (degrees, some HTQs, a quarter of the rest from
  level 3) and occasionally (`REQUIRED_SKILL_SHARE`) an essential skill of the occupation the
  course does not teach.
- Background interactions of people who are not learners here (`BACKGROUND_INTERACTIONS`), so
  the one-course baseline's popularity signal is not all zeros.
- `--learners` measured learners plus `WARM_UP` more (`read_model.record_learner`, with the
  attributes learner events carry): a current ESCO occupation with at least 3 essential skills
  and one skill-overlap transition; as target (their goal occupation) one of the five best
  viable career changes out of it (`career_changes.career_changes`: skill overlap, job zone at
  most one away, earnings at least 75%), or one of its three closest transitions when none is
  viable; RQF level 1-4 (their occupation's typical entry level, or one below); 2-6 of their
  occupation's essential skills; an age band; a district; constraints (max_travel_km 15-50,
  hours_per_week 10-30, a budget for some). Every district's centroid is recorded.

The folder is keyed by sizes and seed; a cache older than `MAX_AGE_DAYS` is rebuilt (start
dates are drawn after the build day, which `RouteData.today` gives to every measurement).

    .venv/bin/python bench/route_catalogue.py [--courses 50000 --learners 1000 --seed 7]

builds it alone (under /tmp/routeways-bench.lock) and prints what it holds; the two scripts
build it on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from tqdm import tqdm

from services import load
from services.catalogue.taxonomy import import_taxonomy
from services.catalogue.taxonomy.districts import read_districts
from services.catalogue.taxonomy.export import taxonomy_export
from services.catalogue.taxonomy.source_files import Inputs
from services.recommender import occupations, read_model
from services.recommender.career_changes import ESCO_SKILLS, career_changes
from services.recommender.models import InteractionView, OccupationView
from shared.db import Database
from shared.migrate import upgrade

CACHE_ROOT = Path("/tmp/routeways-bench-routes")  # noqa: S108 - a rebuildable cache
ROOT = Path(__file__).resolve().parents[1]
#: Bump when what is built changes, so an older cache is never reused.
FORMAT = 1
MAX_AGE_DAYS = 30
WARM_UP = 50
LANCASHIRE = "LANCASHIRE"
AREA_PREFIXES = ("PR", "BB", "BL", "FY", "LA", "WN")
#: Courses other than apprenticeships taught online and nationally (about 20% of all courses).
ONLINE_SHARE = 0.25
REQUIRED_SKILL_SHARE = 0.05
BACKGROUND_INTERACTIONS = 100_000
BACKGROUND_PEOPLE = 10_000
BACKGROUND_FIRST_ID = 2_000_001
CHUNK = 5_000
LEVEL_OFFSETS = {-2: 0.15, -1: 0.3, 0: 0.4, 1: 0.15}

#: Qualification types offered at each RQF level, with their shares.
TYPES_BY_LEVEL: dict[int, dict[str, float]] = {
    1: {"Short course": 0.6, "BTEC": 0.4},
    2: {"Short course": 0.35, "BTEC": 0.3, "Apprenticeship": 0.35},
    3: {"A level": 0.12, "T Level": 0.08, "BTEC": 0.2, "Access to HE": 0.12,
        "Apprenticeship": 0.18, "Skills Bootcamp": 0.1, "Short course": 0.2},
    4: {"HTQ": 0.35, "Apprenticeship": 0.25, "Skills Bootcamp": 0.2, "Short course": 0.2},
    5: {"HTQ": 0.4, "Apprenticeship": 0.2, "Skills Bootcamp": 0.2, "Short course": 0.2},
    6: {"Bachelor's degree": 0.5, "Apprenticeship": 0.3, "Short course": 0.2},
}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """What courses of one qualification type are like: route kinds, weeks (low, high),
    weekly hours to pick from, fee in pounds (low, high), funding kinds, and intakes
    ("academic": Septembers and some Januaries; "any": any Monday)."""

    route_kinds: dict[str, float]
    weeks: tuple[int, int]
    hours: tuple[float, ...]
    fee_pounds: tuple[int, int]
    fundings: dict[str, float]
    intakes: str


PROFILES = {
    "Short course": Profile({"technical": 0.5, "both": 0.5}, (4, 12), (3, 4, 6, 8), (0, 600),
                            {"fee": 0.5, "fully-funded": 0.5}, "any"),
    "Skills Bootcamp": Profile({"technical": 1.0}, (12, 16), (10, 12, 16), (2_500, 4_000),
                               {"fully-funded": 0.75, "employer-funded": 0.25}, "any"),
    "BTEC": Profile({"both": 0.7, "technical": 0.3}, (30, 36), (6, 9, 12, 15), (500, 1_800),
                    {"fee": 0.6, "fully-funded": 0.4}, "academic"),
    "A level": Profile({"academic": 1.0}, (34, 36), (4, 5, 6), (400, 900),
                       {"fee": 0.8, "fully-funded": 0.2}, "academic"),
    "Access to HE": Profile({"academic": 1.0}, (34, 36), (12, 15, 16), (3_000, 3_900),
                            {"loan-eligible": 1.0}, "academic"),
    "T Level": Profile({"technical": 1.0}, (72, 80), (15, 20, 25), (2_500, 4_500),
                       {"fee": 0.5, "fully-funded": 0.5}, "academic"),
    "Apprenticeship": Profile({"technical": 1.0}, (52, 104), (7.5,), (6_000, 27_000),
                              {"employer-funded": 1.0}, "any"),
    "HTQ": Profile({"technical": 1.0}, (36, 72), (8, 12, 16), (3_000, 6_000),
                   {"fee": 0.7, "loan-eligible": 0.3}, "academic"),
    "Bachelor's degree": Profile({"academic": 1.0}, (104, 156), (12, 16, 24, 30),
                                 (18_500, 27_750), {"fee": 1.0}, "academic"),
}  # fmt: skip
#: Apprenticeships last longer at higher levels (weeks, low and high).
APPRENTICESHIP_WEEKS = {2: (52, 78), 3: (52, 104), 4: (78, 130), 5: (78, 156), 6: (156, 208)}


@dataclass(frozen=True)
class Sizes:
    courses: int
    learners: int
    seed: int = 7

    @property
    def folder(self) -> Path:
        return CACHE_ROOT / f"{self.courses}c-{self.learners}l-seed{self.seed}-v{FORMAT}"

    def to_dict(self) -> dict[str, int]:
        return {"courses": self.courses, "learners": self.learners, "seed": self.seed}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--courses --learners --seed --data --no-lock, as both route scripts take them."""
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--learners", type=int, default=1_000, help="measured learners")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="open-data folder")
    parser.add_argument(
        "--no-lock", action="store_true", help="do not take the benchmark lock (small runs only)"
    )


def default_data_dir() -> Path:
    """$ROUTEWAYS_DATA_DIR, else ../shared/data beside the repository."""
    configured = os.environ.get("ROUTEWAYS_DATA_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "data"


def sizes_of(args: argparse.Namespace) -> Sizes:
    return Sizes(args.courses, args.learners, args.seed)


@dataclass(frozen=True)
class RouteData:
    """A built (or reused) cache folder."""

    sizes: Sizes
    folder: Path
    meta: dict[str, Any]

    @property
    def database_path(self) -> Path:
        return self.folder / "recommender.sqlite3"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database_path}"

    @property
    def models_dir(self) -> Path:
        """An empty models folder: no trained version, as before the first training."""
        return self.folder / "models"

    @property
    def today(self) -> date:
        """The day the catalogue was built for (its start dates follow it)."""
        return date.fromisoformat(self.meta["today"])

    @property
    def sample(self) -> list[int]:
        return list(range(1, self.sizes.learners + 1))

    @property
    def warm_up(self) -> list[int]:
        return list(range(self.sizes.learners + 1, self.sizes.learners + WARM_UP + 1))


def ensure(sizes: Sizes, data_dir: Path) -> RouteData:
    """The cached data for `sizes`, built first when missing or older than MAX_AGE_DAYS."""
    folder = sizes.folder
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        age = (date.today() - date.fromisoformat(meta["today"])).days
        if age <= MAX_AGE_DAYS:
            print(f"reusing the route data cached in {folder}", flush=True)
            return RouteData(sizes, folder, meta)
        print(f"cache {folder} is {age} days old: rebuilding", flush=True)
        shutil.rmtree(folder)
    if not (data_dir / "esco").is_dir():
        raise SystemExit(f"the real open data are not at {data_dir} (--data or ROUTEWAYS_DATA_DIR)")
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    meta = _build(sizes, data_dir, building)
    (building / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    building.rename(folder)
    return RouteData(sizes, folder, meta)


def copy_database(data: RouteData, target: Path) -> str:
    """A private copy of the read model (SQLite backup API), for scripts that add rows; its URL."""
    with sqlite3.connect(data.database_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


# --- building -----------------------------------------------------------------------------------


class StageTimer:
    """Seconds per named build stage, printed as each starts."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f"{name} ...", flush=True)
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 1)


def _build(sizes: Sizes, data_dir: Path, folder: Path) -> dict[str, Any]:
    timer = StageTimer()
    built_at = datetime.now(UTC).replace(microsecond=0)
    today = built_at.date()
    rng = np.random.default_rng(sizes.seed)
    with timer.stage("import the real taxonomy into a throwaway catalogue"):
        summary, document = _import_and_export(data_dir, folder / "catalogue.sqlite3")
    url = f"sqlite:///{folder / 'recommender.sqlite3'}"
    with timer.stage("migrate the recommender read model and copy the taxonomy"):
        upgrade(load("recommender"), url)
        database = Database(url)
        with database.session_scope() as session:
            copied = occupations.replace_taxonomy(session, document)
    (folder / "models").mkdir()
    try:
        with timer.stage("districts"):
            districts = _lancashire_districts(data_dir)
            with database.session_scope() as session:
                for code, centroid in districts.items():
                    read_model.record_district_centroid(session, code, centroid)
        with timer.stage("courses"):
            courses = _store_courses(database, document, districts, sizes, rng, today)
        with timer.stage("background interactions"):
            _store_background(database, sizes.courses, rng, built_at)
        with timer.stage("learners"):
            learners = _store_learners(database, sizes, sorted(districts), rng)
    finally:
        database.dispose()
    return {
        "sizes": sizes.to_dict(),
        "today": today.isoformat(),
        "built_at": built_at.isoformat(),
        "data_dir": str(data_dir),
        "taxonomy": {
            "version": summary.version,
            "catalogue_counts": summary.counts,
            "recommender_copy_counts": copied,
        },
        "build_seconds": timer.seconds,
        "districts": len(districts),
        "courses": courses,
        "learners": learners,
        "warm_up_learners": WARM_UP,
        "background_interactions": BACKGROUND_INTERACTIONS,
        "database_mb": round((folder / "recommender.sqlite3").stat().st_size / 2**20),
    }


def _import_and_export(data_dir: Path, path: Path) -> tuple[Any, dict[str, Any]]:
    """Import the open data with the catalogue's own code; the export document."""
    url = f"sqlite:///{path}"
    upgrade(load("catalogue"), url)
    with Database(url) as catalogue:
        with catalogue.session_scope() as session:
            summary = import_taxonomy(session, data_dir, partial(tqdm, disable=True))
        with catalogue.session_scope() as session:
            document = taxonomy_export(session)
    return summary, document


def _lancashire_districts(data_dir: Path) -> dict[str, tuple[float, float]]:
    """Postcode districts in and around Lancashire (AREA_PREFIXES) -> centroid."""
    found = {}
    for code, place in read_districts(Inputs(data_dir)).items():
        if re.fullmatch(rf"({'|'.join(AREA_PREFIXES)})\d+", code):
            found[code] = (place["latitude"], place["longitude"])
    return dict(sorted(found.items()))


# --- courses ------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, shares: dict[Any, float]) -> Any:
    keys = list(shares)
    p = np.array(list(shares.values()), dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _course_weights(document: dict[str, Any]) -> tuple[list[dict], np.ndarray]:
    """The occupations courses can lead to (2+ essential skills) and each one's weight."""
    listed = [o for o in document["occupations"] if len(o["essential_skills"]) >= 2]
    demand = {}
    for entry in listed:
        for market in entry["labour_market"]:
            if market["area"] == LANCASHIRE and market["demand_index"] is not None:
                demand[entry["code"]] = market["demand_index"]
    ranked = sorted(set(demand.values()))
    rank = {value: (i + 1) / len(ranked) for i, value in enumerate(ranked)}
    weights = np.array(
        [
            (3.0 if o["code"].count(".") == 1 else 1.0)
            * (1 + 2 * rank.get(demand.get(o["code"]), 0.0))
            for o in listed
        ]
    )
    return listed, weights / weights.sum()


@dataclass(frozen=True)
class Provider:
    provider_id: int
    campuses: tuple[str, ...]


def _providers(rng: np.random.Generator, count: int, districts: Sequence[str]) -> list[Provider]:
    return [
        Provider(i + 1, tuple(rng.choice(list(districts), int(rng.integers(1, 4)), False)))
        for i in range(count)
    ]


def _store_courses(
    database: Database,
    document: dict[str, Any],
    districts: dict[str, tuple[float, float]],
    sizes: Sizes,
    rng: np.random.Generator,
    today: date,
) -> dict[str, Any]:
    """Generate and store every course; what was made, counted."""
    listed, weights = _course_weights(document)
    providers = _providers(rng, max(20, sizes.courses // 125), sorted(districts))
    chosen = rng.choice(len(listed), sizes.courses, p=weights)
    made: Counter = Counter()
    stamp = datetime.now(UTC)
    for start in tqdm(range(0, sizes.courses, CHUNK), desc="courses", unit=f"{CHUNK} courses"):
        with database.session_scope() as session:
            for course_id in range(start + 1, min(start + CHUNK, sizes.courses) + 1):
                occupation = listed[int(chosen[course_id - 1])]
                provider = providers[int(rng.integers(len(providers)))]
                facts = course_facts(rng, course_id, occupation, provider, districts, today)
                read_model.record_course_published(
                    session, course_id, provider.provider_id, ["title"], stamp
                )
                read_model.store_course_facts(
                    session, {**facts, "catalogue_updated_at": stamp}, stamp
                )
                made.update(_course_counts(facts))
    return _course_summary(made, sizes.courses, len(providers), len(set(chosen.tolist())))


def course_facts(
    rng: np.random.Generator,
    course_id: int,
    occupation: dict[str, Any],
    provider: Provider,
    districts: dict[str, tuple[float, float]],
    today: date,
) -> dict[str, Any]:
    """One course as the read model stores the catalogue's answer (see the module)."""
    entry = occupation["typical_entry_level"] or 3
    level = int(np.clip(entry + _pick(rng, LEVEL_OFFSETS), 1, 6))
    kind = _pick(rng, TYPES_BY_LEVEL[level])
    profile = PROFILES[kind]
    labels = [s["label"] for s in occupation["essential_skills"]]
    count = min(len(labels), int(rng.integers(2, 7)))
    taught = sorted(rng.choice(labels, count, replace=False).tolist())
    return {
        "course_id": course_id,
        "provider_id": provider.provider_id,
        "status": read_model.PUBLISHED,
        "title": _title(kind, level, occupation["title"], taught[0]),
        "qualification_type": kind,
        "rqf_level": level,
        "route_kind": _pick(rng, profile.route_kinds),
        "sector": occupation["technical_route"] or "General",
        "skills": taught,
        "occupations": [occupation["code"]],
        "entry_requirements": _entry(rng, kind, level, labels, taught),
        **_place(rng, kind, provider, districts),
        "start_dates": _starts(rng, profile.intakes, today),
        "duration_weeks": _weeks(rng, kind, level),
        "hours_per_week": float(rng.choice(profile.hours)),
        **_money(rng, profile),
        "catalogue_version": 1,
    }


def _title(kind: str, level: int, occupation: str, skill: str) -> str:
    named = {
        "BTEC": f"BTEC Level {level}", "Apprenticeship": f"Level {level} Apprenticeship",
        "HTQ": f"HTQ Level {level}", "Short course": f"Level {level} short course",
    }.get(kind, kind)  # fmt: skip
    skill = skill if len(skill) <= 60 else skill[:57].rstrip() + "..."
    return f"{named}: {occupation} ({skill})"


def _entry(
    rng: np.random.Generator, kind: str, level: int, labels: Sequence[str], taught: Sequence[str]
) -> dict[str, Any]:
    """A minimum level for degrees, half the HTQs and a quarter of the rest from level 3; an
    untaught essential skill of the occupation for a few courses from level 2."""
    min_level = None
    if kind == "Bachelor's degree" or (kind == "HTQ" and rng.random() < 0.5):
        min_level = 3
    elif level >= 3 and rng.random() < 0.25:
        min_level = level - 1
    skills: list[str] = []
    untaught = sorted(set(labels) - set(taught))
    if level >= 2 and untaught and rng.random() < REQUIRED_SKILL_SHARE:
        skills = [str(rng.choice(untaught))]
    return {"min_level": min_level, "skills": skills, "qualifications": []}


def _place(
    rng: np.random.Generator,
    kind: str,
    provider: Provider,
    districts: dict[str, tuple[float, float]],
) -> dict[str, Any]:
    """Online and national, or at one of the provider's campuses (a district centroid)."""
    if kind != "Apprenticeship" and rng.random() < ONLINE_SHARE:
        return {"delivery_mode": "online", "national": True, "latitude": None, "longitude": None}
    latitude, longitude = districts[str(rng.choice(list(provider.campuses)))]
    if kind == "Apprenticeship":
        mode = "workplace" if rng.random() < 0.7 else "blended"
    else:
        mode = "classroom" if rng.random() < 0.7 else "blended"
    return {"delivery_mode": mode, "national": False, "latitude": latitude, "longitude": longitude}


def _starts(rng: np.random.Generator, intakes: str, today: date) -> list[str]:
    """1-3 start dates in the 12 months after `today` (never sooner than a week)."""
    first, last = today + timedelta(days=7), today + timedelta(days=365)
    if intakes == "academic":
        options = [
            d
            for year in (today.year, today.year + 1)
            for d in (date(year, 9, 7), date(year, 1, 12))
            if first <= d <= last
        ]
        september = [d for d in options if d.month == 9]
        chosen = set(september[:1])
        for extra in rng.permutation(len(options))[: int(rng.integers(0, 3))]:
            chosen.add(options[int(extra)])
        days = sorted(chosen or set(options[:1]))
    else:
        offsets = rng.choice(np.arange(7, 359, 7), int(rng.integers(1, 4)), replace=False)
        monday = first - timedelta(days=first.weekday())
        days = sorted({max(first, monday + timedelta(days=int(o))) for o in offsets})
    return [d.isoformat() for d in days]


def _weeks(rng: np.random.Generator, kind: str, level: int) -> int:
    low, high = APPRENTICESHIP_WEEKS[level] if kind == "Apprenticeship" else PROFILES[kind].weeks
    return int(rng.integers(low, high + 1))


def _money(rng: np.random.Generator, profile: Profile) -> dict[str, Any]:
    low, high = profile.fee_pounds
    pounds = int(round(rng.uniform(low, high) / 50) * 50)
    return {"cost_pence": pounds * 100, "funding": _pick(rng, profile.fundings)}


def _course_counts(facts: dict[str, Any]) -> list[str]:
    online = facts["delivery_mode"] == "online"
    entry = facts["entry_requirements"]
    return [
        f"type:{facts['qualification_type']}",
        f"level:{facts['rqf_level']}",
        f"route_kind:{facts['route_kind']}",
        f"funding:{facts['funding']}",
        f"mode:{facts['delivery_mode']}",
        "online" if online else "campus",
        *(["min_level"] if entry["min_level"] is not None else []),
        *(["required_skill"] if entry["skills"] else []),
        f"skills:{len(facts['skills'])}",
        f"starts:{len(facts['start_dates'])}",
    ]


def _course_summary(made: Counter, total: int, providers: int, occupations_led_to: int) -> dict:
    def group(prefix: str) -> dict[str, int]:
        return {
            key.split(":", 1)[1]: count
            for key, count in sorted(made.items())
            if key.startswith(prefix + ":")
        }

    return {
        "courses": total,
        "providers": providers,
        "occupations_led_to": occupations_led_to,
        "online_share": round(made["online"] / total, 3),
        "with_min_level": made["min_level"],
        "with_required_skill": made["required_skill"],
        **{name: group(name) for name in
           ("type", "level", "route_kind", "funding", "mode", "skills", "starts")},
    }  # fmt: skip


def _store_background(
    database: Database, courses: int, rng: np.random.Generator, at: datetime
) -> None:
    """Interactions of people who are not measured, long-tailed over the courses."""
    popularity = (np.arange(courses) + 1.0) ** -0.8
    course_ids = rng.permutation(courses) + 1
    picked = course_ids[
        rng.choice(courses, BACKGROUND_INTERACTIONS, p=popularity / popularity.sum())
    ]
    people = rng.integers(0, BACKGROUND_PEOPLE, BACKGROUND_INTERACTIONS) + BACKGROUND_FIRST_ID
    kinds = rng.choice(
        ["viewed", "saved", "applied", "enrolled", "completed"],
        BACKGROUND_INTERACTIONS,
        p=[0.5, 0.15, 0.15, 0.12, 0.08],
    )
    days = rng.integers(1, 730, BACKGROUND_INTERACTIONS)
    columns = zip(people.tolist(), picked.tolist(), kinds.tolist(), days.tolist(), strict=True)
    rows = [
        {"interaction_id": i + 1, "learner_id": person, "course_id": course, "kind": kind,
         "occurred_at": at - timedelta(days=day)}
        for i, (person, course, kind, day) in enumerate(columns)
    ]  # fmt: skip
    with database.session_scope() as session:
        session.execute(insert(InteractionView), rows)


# --- learners -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A learner's origin and target occupation, and whether the move is a viable career
    change (False: the closest transition, when none out of the origin is viable)."""

    origin: occupations.Occupation
    target: occupations.Occupation
    viable: bool


def _origins(
    session: Any,
) -> tuple[list[occupations.Occupation], dict[str, occupations.Occupation]]:
    """Every occupation (by code), and the ones learners start from: 3+ essential skills and a
    skill-overlap transition to an occupation the copy holds."""
    every = occupations.occupations(session, session.scalars(select(OccupationView.code)))
    starts = [
        o
        for code, o in sorted(every.items())
        if len(o.essential_skills) >= 3
        and any(
            m.source == ESCO_SKILLS and m.code != code
            for m in occupations.transitions_from(session, code)
        )
    ]
    return starts, every


def choose_move(
    session: Any,
    rng: np.random.Generator,
    origin: occupations.Occupation,
    every: dict[str, occupations.Occupation],
) -> Move:
    """A target out of `origin`: one of the five best viable career changes, else one of the
    three closest skill-overlap transitions."""
    moves = occupations.transitions_from(session, origin.code)
    viable = career_changes(origin, moves, every, lambda _code: 0.0, None, 5)
    if viable:
        return Move(origin, every[viable[int(rng.integers(len(viable)))].code], True)
    closest = [m for m in moves if m.source == ESCO_SKILLS and m.code != origin.code][:3]
    return Move(origin, every[closest[int(rng.integers(len(closest)))].code], False)


def learner_attributes(
    rng: np.random.Generator, move: Move, districts: Sequence[str]
) -> dict[str, Any]:
    """What the learner events carry (see the module)."""
    labels = [s.label for s in move.origin.essential_skills]
    held = rng.choice(labels, min(len(labels), int(rng.integers(2, 7))), replace=False)
    entry = move.origin.typical_entry_level or 2
    constraints: dict[str, Any] = {
        "max_travel_km": int(rng.integers(15, 51)),
        "hours_per_week": int(rng.choice([10, 12, 15, 16, 20, 25, 30])),
    }
    if rng.random() < 0.3:
        constraints["budget_pence"] = int(rng.choice([0, 50_000, 150_000, 300_000]))
    return {
        "rqf_level": int(np.clip(entry - int(rng.integers(0, 2)), 1, 4)),
        "age_band": "19-23" if rng.random() < 0.2 else "24+",
        "occupation_code": move.origin.code,
        "postcode_district": str(rng.choice(list(districts))),
        "goals": {"occupations": [move.target.code], "sectors": [], "not_sure": False},
        "skills": [{"skill": str(label)} for label in sorted(held)],
        "route_preference": "either",
        "constraints": constraints,
    }


def _store_learners(
    database: Database, sizes: Sizes, districts: Sequence[str], rng: np.random.Generator
) -> dict[str, Any]:
    with database.session_scope() as session:
        starts, every = _origins(session)
        made = Counter()
        targets = []
        for learner_id in tqdm(range(1, sizes.learners + WARM_UP + 1), desc="learners"):
            origin = starts[int(rng.integers(len(starts)))]
            move = choose_move(session, rng, origin, every)
            attributes = learner_attributes(rng, move, districts)
            read_model.record_learner(session, learner_id, attributes)
            made.update(
                ["viable" if move.viable else "closest", f"level:{attributes['rqf_level']}"]
            )
            targets.append(len(move.target.essential_skills))
    return {
        "learners": sizes.learners + WARM_UP,
        "origin_occupations": len(starts),
        "viable_targets": made["viable"],
        "closest_transition_targets": made["closest"],
        "levels": {k.split(":")[1]: v for k, v in sorted(made.items()) if k.startswith("level:")},
        "target_essential_skills": {
            "p10": int(np.percentile(targets, 10)),
            "p50": int(np.percentile(targets, 50)),
            "p90": int(np.percentile(targets, 90)),
        },
    }


def main() -> None:
    """Build (or reuse) the cache under the benchmark lock and print what it holds."""
    import synthetic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    with synthetic.exclusive(not args.no_lock):
        data = ensure(sizes_of(args), args.data)
    print(json.dumps(data.meta, indent=2))


if __name__ == "__main__":
    main()
