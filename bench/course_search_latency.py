"""How fast is the public course search on a region-sized catalogue?

Builds 50,000 published courses (the seeded demo generator: real Lancashire providers and their
campus coordinates, loaded through `upsert_courses` like any provider upload), then measures
p50/p99 latency through the Flask test client (routing, argument parsing, the search, facets and
JSON serialisation included) of:

- near:   GET /courses?postcode=PR1&within=5 (nearest first), and its second page (cursor)
- text:   GET /courses?q=engineering (by relevance)
- facets: GET /courses with thirteen values and a level range over six facet dimensions
- browse: GET /courses (no filter: facets over every course)

and, as a baseline in the same run, the bare SQL bounding-box query of the near search (no
Flask, no filters but the box, no serialisation), so the near figure is also a ratio to it.

Runs on SQLite and, when ROUTEWAYS_TEST_POSTGRES_URL is set, on PostgreSQL too (in a database it
creates and drops). Writes bench/results/course_search_latency.json.

    .venv/bin/python bench/course_search_latency.py [--courses 50000 --requests 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select, text
from tqdm import tqdm

from services import load
from services.catalogue import courses, create_app
from services.catalogue.distance import Point, bounding_box
from services.catalogue.models import Campus, Course, PostcodeDistrict, Provider
from services.demo_data import course_row
from shared.db import Database, scratch_postgres_database
from shared.demo.catalogue import generate_courses
from shared.demo.places import DISTRICTS, PROVIDERS
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
BASELINE = "baseline_bare_box_sql"
PR1 = Point(53.758, -2.700)
WITHIN_KM = 5 * 1.609344
FACETED = (
    "sector=Digital&sector=Engineering&sector=Health&qualification_type=HTQ"
    "&qualification_type=Apprenticeship&qualification_type=Short+course&level_min=2&level_max=5"
    "&study_mode=part-time&study_mode=flexible&delivery_mode=classroom&delivery_mode=blended"
    "&funding=loan-eligible&funding=fully-funded&funding=fee"
)
QUERIES = {
    "near": "/courses?postcode=PR1&within=5",  # sorted by distance: the default with a place
    "text": "/courses?q=engineering",
    "facets": f"/courses?{FACETED}",
    "browse": "/courses",  # everything, soonest start first: facets over all 50,000
}


def course_rows(count: int, seed: int) -> dict[str, list[dict]]:
    """`count` seeded demo courses as the bulk rows each provider would upload."""
    rows_by_provider: dict[str, list[dict]] = {}
    for course in generate_courses(np.random.default_rng(seed), count):
        rows_by_provider.setdefault(course.provider_key, []).append(course_row(course))
    return rows_by_provider


def build(database: Database, rows_by_provider: dict[str, list[dict]]) -> None:
    """Providers, campuses and postcode districts, then every provider's courses."""
    count = sum(len(rows) for rows in rows_by_provider.values())
    with tqdm(total=count, desc="courses", unit="course") as progress:
        for demo in PROVIDERS:
            with database.session_scope() as session:
                provider = Provider(key=demo.key, name=demo.name, kind=demo.kind, ukprn=demo.ukprn)
                provider.campuses = [
                    Campus(name=c.name, postcode=c.postcode, latitude=c.latitude,
                           longitude=c.longitude) for c in demo.campuses
                ]  # fmt: skip
                session.add(provider)
                session.flush()
                provider_id = provider.id
            rows = rows_by_provider.get(demo.key, [])
            for start in range(0, len(rows), 1000):
                with database.session_scope() as session:
                    result = courses.upsert_courses(
                        session, provider_id, rows[start : start + 1000]
                    )
                    assert result.counts["rejected"] == 0, result.rows[0].errors
                progress.update(len(rows[start : start + 1000]))
    with database.session_scope() as session:
        session.add_all(
            PostcodeDistrict(outcode=d.code, latitude=d.latitude, longitude=d.longitude)
            for d in DISTRICTS
        )


def interleaved(calls: dict[str, Callable[[], object]], rounds: int, warmup: int = 5) -> dict:
    """Milliseconds per call, sorted, for every call in `calls`, taken in turns (round-robin)
    so that load from other processes on the machine falls on all of them alike."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    spent: dict[str, list[float]] = {name: [] for name in calls}
    for _ in tqdm(range(rounds), desc="rounds", unit="round", leave=False):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            spent[name].append((time.perf_counter() - started) * 1000)
    return {name: sorted(values) for name, values in spent.items()}


def summary(spent: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(spent), 2),
        "p99_ms": round(spent[min(len(spent) - 1, int(0.99 * len(spent)))], 2),
    }


def measure(url: str, requests: int) -> dict:
    """Latency of every query in QUERIES (and the near query's second page) through the test
    client, and of the bare bounding-box SQL, taken in turns."""
    app = create_app({"database_url": url, "redis_url": "redis://127.0.0.1:1/0"})
    client = app.test_client()
    paths = dict(QUERIES)
    paths["near_page_2"] = (
        f"{QUERIES['near']}&cursor={client.get(QUERIES['near']).json['next_cursor']}"
    )
    results = {}
    for name, path in paths.items():
        first = client.get(path)
        assert first.status_code == 200, first.json
        results[name] = {"path": path, "total": first.json["total"]}
    box_statement, box_rows = bare_box(app.extensions["routeways.db"])
    calls = {name: (lambda p=path: client.get(p)) for name, path in paths.items()}
    calls[BASELINE] = box_statement
    results[BASELINE] = {"rows": box_rows}
    load_before = os.getloadavg()[0]
    for name, spent in interleaved(calls, requests).items():
        results[name].update(summary(spent))
    results["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    app.extensions["routeways.db"].dispose()
    return results


def bare_box(database: Database) -> tuple[Callable[[], object], int]:
    """The near search's SQL prefilter alone, with no Flask, filters or serialisation: ids and
    coordinates of the courses in the bounding box."""
    box = bounding_box(PR1, WITHIN_KM)
    statement = select(Course.id, Course.latitude, Course.longitude).where(
        Course.latitude.between(box.south, box.north),
        Course.longitude.between(box.west, box.east),
    )

    def run() -> int:
        with database.engine.connect() as connection:
            return len(connection.execute(statement).all())

    return run, run()


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="routeways-bench-") as folder:
        yield f"sqlite:///{folder}/catalogue.sqlite3"


def run_engine(url: str, rows: dict[str, list[dict]], requests: int) -> dict[str, dict]:
    """Build the catalogue at `url` and measure it. PostgreSQL is measured after ANALYZE (as
    autovacuum would soon do); SQLite before and after it, since nothing runs it by itself."""
    upgrade(load("catalogue"), url)
    database = Database(url)
    started = time.monotonic()
    build(database, rows)
    built = round(time.monotonic() - started, 1)
    engine = "postgresql" if database.is_postgres else "sqlite"
    results = {}
    if not database.is_postgres:
        print(f"{engine}: built in {built:.0f} s; measuring without statistics...")
        results[engine] = {"build_seconds": built, "queries": measure(url, requests)}
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    database.dispose()
    print(f"{engine}: built in {built:.0f} s; measuring after ANALYZE...")
    results[f"{engine}+analyze"] = {"build_seconds": built, "queries": measure(url, requests)}
    return results


def table(results: dict) -> str:
    lines = [f"{'engine':<19}{'query':<26}{'total':>7}{'p50 ms':>9}{'p99 ms':>9}{'x box':>8}"]
    for engine, result in results["engines"].items():
        queries = result["queries"]
        box = queries[BASELINE]["p50_ms"]
        for name, figures in queries.items():
            if not isinstance(figures, dict):
                continue
            total = figures.get("total", figures.get("rows"))
            ratio = figures["p50_ms"] / box
            lines.append(
                f"{engine:<19}{name:<26}{total:>7}{figures['p50_ms']:>9.1f}"
                f"{figures['p99_ms']:>9.1f}{ratio:>8.1f}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rows = course_rows(args.courses, args.seed)
    engines = {}
    with sqlite_database() as url:
        engines.update(run_engine(url, rows, args.requests))
    postgres = os.environ.get("ROUTEWAYS_TEST_POSTGRES_URL")
    if postgres:
        with scratch_postgres_database(postgres) as url:
            engines.update(run_engine(url, rows, args.requests))
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "courses": args.courses,
        "requests_per_query": args.requests,
        "seed": args.seed,
        "engines": engines,
    }
    for result in engines.values():
        queries = result["queries"]
        result["near_p50_vs_bare_box_p50"] = round(
            queries["near"]["p50_ms"] / queries[BASELINE]["p50_ms"], 1
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "course_search_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
