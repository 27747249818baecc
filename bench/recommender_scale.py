"""The recommender at scale, for the serving, incremental and batch benchmarks: built once,
cached on disk under /tmp and reused by every run with the same sizes and seed.

One folder per (learners, courses, interactions, seed) holds:

- `recommender.sqlite3`, the recommender's read model, schema made by the service's own
  migrations (`shared.migrate.upgrade`), rows bulk-inserted with raw sqlite3 `executemany` in
  big transactions (the interaction indexes the migrations create are dropped for the load and
  recreated from their own SQL afterwards):
  - course_views: every course of `synthetic.generate`, published with facts read
    (`fetched_at`): its generator sector (sector name, skills and occupations of that sector),
    RQF levels 1-6, technical / academic / both routes, one to three start dates in the year
    after the build (10% roll-on), a campus of its provider (providers scattered around
    Lancashire, lat 53.5-54.2, lon -3.1 to -2.2), online and national courses without one,
    weekly hours, costs and fundings;
  - learner_views: every learner, with the attributes learner events carry (rqf_level,
    postcode_district, age_band, occupation_code and goals from their preferred sectors,
    constraints with max_travel_km, delivery_modes, hours_per_week, budget_pence);
  - district_centroids: the demo data's Lancashire postcode districts;
  - interaction_views: every generated interaction, ids in time order;
- `models/`: one ALS version made by `training.fit_version` on the columnar matrix of every
  interaction (`DEFAULT_PARAMS` but `ITERATIONS` iterations: what a request costs depends on
  the factors, not on how long they were trained), activated, with
  `snapshot={"last_interaction_id": max id}` so learners are served from stored factors;
- `confidence.npz`: the confidence matrix it was trained on (the bare baseline's `user_items`);
- `sample.npz`: `SAMPLE` learners drawn once; every `RECALCULATE_EVERY`-th of them got one
  newer interaction after training, so serving recalculates their factors (the other path).

Also the stage clock the serving and batch benchmarks use to split a call's time.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import inspect
import json
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import synthetic
from scipy.sparse import csr_matrix, load_npz, save_npz
from tqdm import tqdm

from services import load
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import DEFAULT_PARAMS
from services.recommender.ranking.matrix import ConfidenceRules
from services.recommender.training import TrainingRun, fit_version
from shared.demo.places import DISTRICTS
from shared.migrate import upgrade

CACHE_ROOT = Path("/tmp/routeways-bench-recommender")  # noqa: S108 - a rebuildable cache
#: Bump when what is built changes, so an older cache is never reused.
FORMAT = 1
#: Rebuild a cache older than this: start dates are drawn in the year after the build.
MAX_AGE_DAYS = 30
ITERATIONS = 2
SAMPLE = 20_000
RECALCULATE_EVERY = 10
CHUNK = 1_000_000
OCCUPATIONS_PER_SECTOR = 20
SKILLS_PER_SECTOR = 60
LAT, LON = (53.5, 54.2), (-3.1, -2.2)
LEVELS = {1: 0.10, 2: 0.22, 3: 0.30, 4: 0.15, 5: 0.12, 6: 0.11}
ROUTE_KINDS = {"technical": 0.55, "academic": 0.25, "both": 0.20}
MODES = {"classroom": 0.50, "blended": 0.20, "online": 0.15, "workplace": 0.15}
FUNDINGS = {
    "fee": 0.35,
    "fully-funded": 0.25,
    "employer-funded": 0.10,
    "free-16-19": 0.10,
    "loan-eligible": 0.20,
}
QUALIFICATIONS = {
    "technical": ("Apprenticeship", "HTQ", "T Level", "Short course", "Bootcamp"),
    "academic": ("A level", "Access to HE", "Degree", "Foundation degree"),
    "both": ("Diploma", "Certificate"),
}


def sector_name(sector: int) -> str:
    return f"Sector {sector + 1:02d}"


def occupation_code(sector: int, j: int) -> str:
    return f"{sector + 1:02d}{j:02d}"


@dataclass(frozen=True)
class Sizes:
    learners: int
    courses: int
    interactions: int
    seed: int = 7

    @property
    def folder(self) -> Path:
        name = f"{self.learners}x{self.courses}x{self.interactions}-seed{self.seed}-v{FORMAT}"
        return CACHE_ROOT / name

    def to_dict(self) -> dict[str, int]:
        return {
            "learners": self.learners,
            "courses": self.courses,
            "interactions": self.interactions,
            "seed": self.seed,
        }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--learners --courses --interactions --seed --no-lock, as every scale benchmark takes."""
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-lock",
        action="store_true",
        help=f"do not take {synthetic.BENCH_LOCK} (small development runs only)",
    )


def sizes_of(args: argparse.Namespace) -> Sizes:
    return Sizes(args.learners, args.courses, args.interactions, args.seed)


@dataclass(frozen=True)
class ScaleModel:
    """A built (or reused) cache folder."""

    sizes: Sizes
    folder: Path
    meta: dict[str, Any]
    sample: np.ndarray  # int64 (SAMPLE,) learner ids
    recalculated: np.ndarray  # bool (SAMPLE,), True: a newer interaction than the version

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'recommender.sqlite3'}"

    @property
    def models_dir(self) -> Path:
        return self.folder / "models"

    def version_path(self) -> Path:
        current = ModelStore(self.models_dir).current()
        if current is None:
            raise RuntimeError(f"no serving version in {self.models_dir}")
        return current.path

    def confidence(self) -> csr_matrix:
        return load_npz(self.folder / "confidence.npz").tocsr()


def ensure(sizes: Sizes) -> ScaleModel:
    """The cached read model and version for `sizes`, built first when missing or stale."""
    folder = sizes.folder
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        age = (date.today() - date.fromisoformat(meta["built_on"])).days
        if age <= MAX_AGE_DAYS:
            print(f"reusing the read model and version cached in {folder}", flush=True)
            return _open(sizes, folder, meta)
        print(f"cache {folder} is {age} days old: rebuilding", flush=True)
        shutil.rmtree(folder)
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    meta = _build(sizes, building)
    (building / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    building.rename(folder)
    return _open(sizes, folder, meta)


def _open(sizes: Sizes, folder: Path, meta: dict) -> ScaleModel:
    with np.load(folder / "sample.npz") as saved:
        return ScaleModel(sizes, folder, meta, saved["sample"], saved["recalculated"])


def _build(sizes: Sizes, folder: Path) -> dict:
    seconds: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        print(f"{name} ...", flush=True)
        started = time.perf_counter()
        yield
        seconds[name] = round(time.perf_counter() - started, 1)

    built_at = datetime.now(UTC).replace(microsecond=0)
    url = f"sqlite:///{folder / 'recommender.sqlite3'}"
    with stage("generate"):
        data = synthetic.generate(sizes.learners, sizes.courses, sizes.interactions, sizes.seed)
    with stage("migrate"):
        upgrade(load("recommender"), url)
    rng = np.random.default_rng(sizes.seed + 1)
    connection = sqlite3.connect(folder / "recommender.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")  # 1 GB while loading
    with stage("courses"):
        _insert_courses(connection, data, rng, built_at)
    with stage("learners"):
        segments = _insert_learners(connection, data, rng, built_at)
    with stage("interactions"):
        _insert_interactions(connection, data)
    with stage("model"):
        matrix = synthetic.columnar_matrix(data, len(data), ConfidenceRules())
        save_npz(folder / "confidence.npz", matrix.confidence, compressed=False)
        run = TrainingRun(DEFAULT_PARAMS.with_changes(iterations=ITERATIONS), show_progress=True)
        snapshot = {"last_interaction_id": len(data)}
        version = fit_version(
            matrix, ModelStore(folder / "models"), run, synthetic.NOW, snapshot, segments=segments
        )
    with stage("sample + newer interactions"):
        sample = rng.choice(np.arange(1, sizes.learners + 1), min(SAMPLE, sizes.learners), False)
        recalculated = np.arange(len(sample)) % RECALCULATE_EVERY == RECALCULATE_EVERY - 1
        _insert_newer(connection, data, rng, sample[recalculated], built_at)
        np.savez(folder / "sample.npz", sample=sample, recalculated=recalculated)
    connection.execute("PRAGMA journal_mode = WAL")  # as the service runs it
    counts = {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("course_views", "learner_views", "interaction_views", "district_centroids")
    }
    connection.close()
    return {
        "sizes": sizes.to_dict(),
        "built_on": built_at.date().isoformat(),
        "built_at": built_at.isoformat(),
        "build_seconds": seconds,
        "rows": counts,
        "sectors": data.sectors,
        "database_mb": round((folder / "recommender.sqlite3").stat().st_size / 2**20),
        "version": version.name,
        "version_counts": version.counts,
        "version_metrics": version.metrics,
        "params": version.params,
        "iterations_note": f"{ITERATIONS} ALS iterations instead of DEFAULT_PARAMS' "
        f"{DEFAULT_PARAMS.iterations}: serving, refreshing and batch scoring cost depends on the "
        "factors (128) and sizes, not on how many iterations trained them",
        "sample": len(sample),
        "sample_recalculated": int(recalculated.sum()),
    }


def _pick(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    return rng.choice(np.array(list(shares), dtype=object), size=size, p=list(shares.values()))


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DateTime stores a UTC time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert_courses(
    connection: sqlite3.Connection, data: synthetic.Data, rng: np.random.Generator, at: datetime
) -> None:
    n = len(data.course_sector) - 1
    providers = max(10, min(400, n // 125))
    campuses = rng.integers(1, 4, providers)
    campus_lat = rng.uniform(*LAT, size=(providers, 3))
    campus_lon = rng.uniform(*LON, size=(providers, 3))
    provider_p = (np.arange(providers) + 1.0) ** -0.7
    provider = rng.choice(providers, n, p=provider_p / provider_p.sum())
    campus = (rng.random(n) * campuses[provider]).astype(np.int64)
    level = rng.choice(list(LEVELS), n, p=list(LEVELS.values()))
    route = _pick(rng, ROUTE_KINDS, n)
    mode = _pick(rng, MODES, n)
    funding = _pick(rng, FUNDINGS, n)
    national = ((mode == "online") & (rng.random(n) < 0.5)) | (
        (mode == "workplace") & (rng.random(n) < 0.2)
    )
    located = (mode != "online") & ~((mode == "workplace") & (rng.random(n) < 0.5))
    today = at.date()
    insert = (
        "INSERT INTO course_views (course_id, provider_id, status, changed_fields, updated_at, "
        "title, qualification_type, rqf_level, route_kind, sector, skills, occupations, "
        "entry_requirements, delivery_mode, national, latitude, longitude, start_dates, "
        "duration_weeks, hours_per_week, cost_pence, funding, catalogue_version, fetched_at) "
        "VALUES (" + ", ".join("?" * 24) + ")"
    )
    rows = []
    stamp = _stamp(at)
    for row in tqdm(range(n), desc="course_views", unit="course", mininterval=2):
        course_id, sector = row + 1, int(data.course_sector[row + 1])
        skills = sorted(
            {f"S{sector + 1:02d}-{j:02d}" for j in rng.integers(0, SKILLS_PER_SECTOR, 4)}
        )
        occupations = sorted(
            {
                occupation_code(sector, j)
                for j in rng.integers(0, OCCUPATIONS_PER_SECTOR, rng.integers(1, 3))
            }
        )
        starts = (
            []
            if rng.random() < 0.1
            else sorted({str(today + timedelta(days=int(d))) for d in rng.integers(7, 330, 2)})
        )
        kind, lvl = str(route[row]), int(level[row])
        qualification = str(rng.choice(QUALIFICATIONS[kind]))
        min_level = lvl - 1 if lvl >= 3 and rng.random() < 0.3 else None
        p, c = int(provider[row]), int(campus[row])
        rows.append(
            (
                course_id,
                p + 1,
                "published",
                "[]",
                stamp,
                f"Level {lvl} {qualification} in {sector_name(sector)} ({skills[0]})",
                qualification,
                lvl,
                kind,
                sector_name(sector),
                json.dumps(skills),
                json.dumps(occupations),
                json.dumps({"min_level": min_level, "skills": [], "qualifications": []}),
                str(mode[row]),
                int(national[row]),
                round(float(campus_lat[p, c]), 5) if located[row] else None,
                round(float(campus_lon[p, c]), 5) if located[row] else None,
                json.dumps(starts),
                int(rng.integers(4, 105)),
                float(rng.choice([2.0, 4.0, 7.5, 12.0, 16.0, 30.0])),
                int(rng.choice([0, 15_000, 45_000, 120_000, 350_000, 900_000])),
                str(funding[row]),
                1,
                stamp,
            )
        )
    with _transaction(connection):
        connection.executemany(insert, rows)
        connection.execute(
            "INSERT INTO read_model_stamps (name, value) VALUES ('courses', 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1"
        )
        connection.executemany(
            "INSERT INTO district_centroids (district, latitude, longitude, fetched_at) "
            "VALUES (?, ?, ?, ?)",
            [(d.code, d.latitude, d.longitude, stamp) for d in DISTRICTS],
        )


def _insert_learners(
    connection: sqlite3.Connection, data: synthetic.Data, rng: np.random.Generator, at: datetime
) -> dict[int, str]:
    """Every learner's attributes; returns learner id -> current occupation (the segments)."""
    n = len(data.learner_sectors) - 1
    weights = np.array([d.weight for d in DISTRICTS])
    district = rng.choice([d.code for d in DISTRICTS], n, p=weights / weights.sum())
    level = rng.choice([1, 2, 3, 4, 5], n, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    age = rng.choice(["16-18", "19-23", "24+"], n, p=[0.1, 0.2, 0.7])
    travel = rng.choice([10, 20, 30, 50, 80, -1], n, p=[0.1, 0.2, 0.25, 0.2, 0.1, 0.15])
    modes_pick = rng.random(n)
    hours = rng.choice([6, 10, 16, 24, -1], n, p=[0.08, 0.1, 0.1, 0.07, 0.65])
    budget = rng.choice([0, 50_000, 150_000, 500_000, -1], n, p=[0.08, 0.08, 0.08, 0.06, 0.7])
    job = rng.integers(0, OCCUPATIONS_PER_SECTOR, (n, 3)).tolist()
    employed = (rng.random(n) < 0.85).tolist()
    district, level, age = district.tolist(), level.tolist(), age.tolist()
    travel, modes_pick, hours, budget = (
        travel.tolist(),
        modes_pick.tolist(),
        hours.tolist(),
        budget.tolist(),
    )
    preferences = data.learner_sectors.tolist()
    how_many = data.learner_sector_count.tolist()
    segments: dict[int, str] = {}
    stamp = _stamp(at)
    insert = "INSERT INTO learner_views (learner_id, attributes, updated_at) VALUES (?, ?, ?)"
    for lo in tqdm(range(0, n, 100_000), desc="learner_views", unit="100k learners"):
        rows = []
        for i in range(lo, min(lo + 100_000, n)):
            learner_id = i + 1
            preferred = list(dict.fromkeys(preferences[learner_id][: how_many[learner_id]]))
            constraints: dict[str, Any] = {}
            if travel[i] > 0:
                constraints["max_travel_km"] = travel[i]
            if modes_pick[i] < 0.25:
                constraints["delivery_modes"] = ["classroom", "blended"]
            elif modes_pick[i] < 0.35:
                constraints["delivery_modes"] = ["online"]
            if hours[i] > 0:
                constraints["hours_per_week"] = hours[i]
            if budget[i] >= 0:
                constraints["budget_pence"] = budget[i]
            current = occupation_code(preferred[0], job[i][0]) if employed[i] else None
            goals = [occupation_code(s, job[i][k + 1]) for k, s in enumerate(preferred[:2])]
            attributes = {
                "rqf_level": level[i],
                "postcode_district": district[i],
                "age_band": age[i],
                "occupation_code": current,
                "goals": {
                    "occupations": [g for g in goals if g != current],
                    "sectors": [sector_name(s) for s in preferred],
                    "not_sure": False,
                },
                "route_preference": "either",
                "constraints": constraints,
            }
            if current is not None:
                segments[learner_id] = current
            rows.append((learner_id, json.dumps(attributes), stamp))
        with _transaction(connection):
            connection.executemany(insert, rows)
    return segments


def _insert_interactions(connection: sqlite3.Connection, data: synthetic.Data) -> None:
    """Every interaction, ids 1..n in time order; the two indexes the migrations made are
    dropped for the load and recreated from their own SQL."""
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'interaction_views' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    kinds = np.array(synthetic.KINDS, dtype=object)
    insert = (
        "INSERT INTO interaction_views (interaction_id, learner_id, course_id, kind, occurred_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    for lo in tqdm(range(0, len(data), CHUNK), desc="interaction_views", unit="M rows"):
        hi = min(lo + CHUNK, len(data))
        stamps = np.datetime_as_string(data.timestamp[lo:hi].astype("datetime64[s]"), unit="us")
        stamps.view(np.uint32).reshape(len(stamps), -1)[:, 10] = ord(" ")  # "T" -> " "
        with _transaction(connection):
            connection.executemany(
                insert,
                zip(
                    range(lo + 1, hi + 1),
                    data.learner[lo:hi].tolist(),
                    data.course[lo:hi].tolist(),
                    kinds[data.kind[lo:hi]].tolist(),
                    stamps.tolist(),
                    strict=True,
                ),
            )
    for name, sql in tqdm(indexes, desc="indexes", unit="index"):
        connection.execute(sql)
        print(f"  recreated {name}", flush=True)


def _insert_newer(
    connection: sqlite3.Connection,
    data: synthetic.Data,
    rng: np.random.Generator,
    learner_ids: np.ndarray,
    at: datetime,
) -> None:
    """One "saved" interaction after the version's snapshot for each of `learner_ids`, of a
    course in their first preferred sector."""
    by_sector = np.argsort(data.course_sector, kind="stable")
    sectors = data.course_sector[by_sector]
    rows = []
    for offset, learner_id in enumerate(learner_ids.tolist()):
        sector = int(data.learner_sectors[learner_id][0])
        lo, hi = np.searchsorted(sectors, [sector, sector + 1])
        course = int(by_sector[rng.integers(lo, hi)])
        rows.append((len(data) + offset + 1, learner_id, course, "saved", _stamp(at)))
    with _transaction(connection):
        connection.executemany(
            "INSERT INTO interaction_views (interaction_id, learner_id, course_id, kind, "
            "occurred_at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


# --- where a call's time goes -----------------------------------------------------------------


@dataclass
class StageClock:
    """Wall time per named stage, summed per outer call: wrap functions with `patch`, mark
    each outer call with `call()`. Stages may nest (the report says which)."""

    current: dict[str, float] = field(default_factory=dict)
    calls: list[dict[str, float]] = field(default_factory=list)

    def timed(self, name: str, function: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.current.setdefault(name, 0.0)  # first seen when it starts: outer stages first
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.current[name] = self.current.get(name, 0.0) + spent

        return wrapper

    @contextmanager
    def patch(self, owner: Any, attribute: str, name: str) -> Iterator[None]:
        """Time `owner.attribute`: a module's function, or a class's method, classmethod or
        staticmethod (its own or inherited); put back as it was afterwards."""
        static = inspect.getattr_static(owner, attribute)
        inherited = isinstance(owner, type) and attribute not in owner.__dict__
        replacement: Any = self.timed(name, getattr(owner, attribute))
        if isinstance(static, classmethod | staticmethod):
            replacement = staticmethod(replacement)  # wraps the bound classmethod
        setattr(owner, attribute, replacement)
        try:
            yield
        finally:
            if inherited:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, static)

    @contextmanager
    def call(self, name: str = "total") -> Iterator[None]:
        self.current = {}
        started = time.perf_counter()
        try:
            yield
        finally:
            self.current[name] = time.perf_counter() - started
            self.calls.append(self.current)

    def summary(self, total: str = "total") -> dict[str, dict[str, float]]:
        """Per stage (in the order first seen): mean ms per outer call, p50 and p99 ms, share
        of the mean total."""
        names = [total, *dict.fromkeys(k for call in self.calls for k in call if k != total)]
        mean_total = float(np.mean([call[total] for call in self.calls]))
        out = {}
        for name in names:
            values = np.array([call.get(name, 0.0) for call in self.calls]) * 1000
            out[name] = {
                "mean_ms": round(float(values.mean()), 3),
                "p50_ms": round(float(np.percentile(values, 50)), 3),
                "p99_ms": round(float(np.percentile(values, 99)), 3),
                "share_of_total": round(float(values.mean()) / 1000 / mean_total, 3),
            }
        return out


def interleave(
    learners: list[int], block: int, paths: dict[str, Callable[[int], Any]]
) -> dict[str, list[tuple[int, float, Any]]]:
    """(learner, ms, answer) per path: blocks of `block` learners, each block through every
    path in turn (A B A B ...), the order of the paths rotating from one block to the next so
    that neither always runs first."""
    names = list(paths)
    out: dict[str, list[tuple[int, float, Any]]] = {name: [] for name in names}
    blocks = range(0, len(learners), block)
    for number, start in enumerate(tqdm(blocks, desc="A B blocks", unit="block")):
        chunk = learners[start : start + block]
        for name in names[number % len(names) :] + names[: number % len(names)]:
            call = paths[name]
            for learner_id in chunk:
                started = time.perf_counter()
                answer = call(learner_id)
                out[name].append((learner_id, (time.perf_counter() - started) * 1000, answer))
    return out
