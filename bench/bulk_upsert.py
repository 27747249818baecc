"""Bulk-upsert throughput of the catalogue, in courses per second, on SQLite and PostgreSQL.

For each database: one upload of N courses as JSON lines (parse, validate row by row, diff,
write, one outbox event per course), the same upload again (every row unchanged: no writes,
no events), and the upload with 10% of rows changed. The baseline in the same run is a bare
bulk INSERT of the same courses (no validation, no diff, no events), so the cost of doing it
properly is shown as a ratio.

    .venv/bin/python bench/bulk_upsert.py [--courses 10000]
    ROUTEWAYS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bulk_upsert.py   # adds PostgreSQL

Writes bench/results/bulk_upsert.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from services import load
from services.catalogue import course_files, courses
from services.catalogue.models import Campus, Course, OutboxEvent, Provider
from shared.db import Database, scratch_postgres_database
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
SECTORS = ("Digital", "Engineering and manufacturing", "Health and science", "Construction")


def upload(count: int, changed_every: int = 0) -> bytes:
    """A JSON-lines upload of `count` courses; every `changed_every`-th has a new title."""
    lines = []
    for n in range(count):
        title = f"Course {n}" + (" (revised)" if changed_every and n % changed_every == 0 else "")
        lines.append(json.dumps({
            "external_ref": f"BENCH-{n:05d}", "title": title, "summary": "A bench course " * 8,
            "qualification_type": "Short course", "rqf_level": 2 + n % 3, "route_kind": "technical",
            "sector": SECTORS[n % len(SECTORS)], "campus": "Main",
            "skills": [{"skill": f"skill {n % 97}", "level": 2}, {"skill": f"skill {n % 89}"}],
            "occupations": [f"{2000 + n % 50}"], "start_dates": ["2027-01-11", "2027-09-06"],
            "cost_pence": 50000 + n, "funding": "fee",
        }))  # fmt: skip
    return "\n".join(lines).encode()


def timed_upsert(database: Database, provider_id: int, body: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    rows = [line.row for line in course_files.read_upload(body, "application/x-ndjson")]
    with database.session_scope() as session:
        result = courses.upsert_courses(session, provider_id, rows)
    return time.perf_counter() - started, result.counts


def bare_insert(database: Database, provider_id: int, count: int) -> float:
    rows = [{"provider_id": provider_id, "external_ref": f"BARE-{n:05d}", "title": f"Course {n}",
             "summary": "A bench course " * 8, "qualification_type": "Short course",
             "rqf_level": 2, "route_kind": "technical", "sector": "Digital", "status": "published",
             "version": 1, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
            for n in range(count)]  # fmt: skip
    started = time.perf_counter()
    with database.session_scope() as session:
        session.execute(insert(Course), rows)
    return time.perf_counter() - started


def measure(url: str, count: int) -> dict:
    upgrade(load("catalogue"), url)
    database = Database(url)
    with database.session_scope() as session:
        provider = Provider(key="bench", name="Bench College", kind="fe-college")
        provider.campuses = [Campus(name="Main", postcode="PR1 2HE", latitude=53.76,
                                    longitude=-2.70)]  # fmt: skip
        session.add(provider)
        session.flush()
        provider_id = provider.id
    figures = {}
    for name, body in (("create", upload(count)), ("unchanged", upload(count)),
                       ("ten_percent_changed", upload(count, changed_every=10))):  # fmt: skip
        seconds, counts = timed_upsert(database, provider_id, body)
        figures[name] = {"seconds": round(seconds, 2), "courses_per_second": round(count / seconds),
                         "outcomes": {k: v for k, v in counts.items() if v}}  # fmt: skip
        print(f"  {name:<20} {count / seconds:>8.0f} courses/s  {counts}")
    with database.session_scope() as session:
        figures["outbox_events"] = session.scalar(select(func.count()).select_from(OutboxEvent))
    bare = bare_insert(database, provider_id, count)
    figures["bare_insert"] = {"seconds": round(bare, 2), "courses_per_second": round(count / bare)}
    figures["create_vs_bare_insert_slowdown"] = round(figures["create"]["seconds"] / bare, 1)
    print(f"  {'bare INSERT':<20} {count / bare:>8.0f} courses/s (baseline)")
    database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=10_000)
    args = parser.parse_args()
    result = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "courses": args.courses}  # fmt: skip
    print(f"SQLite ({args.courses} courses):")
    with tempfile.TemporaryDirectory() as folder:
        result["sqlite"] = measure(f"sqlite:///{folder}/catalogue.sqlite3", args.courses)
    admin_url = os.environ.get("ROUTEWAYS_TEST_POSTGRES_URL")
    if admin_url:
        print(f"PostgreSQL ({args.courses} courses):")
        with scratch_postgres_database(admin_url) as url:
            result["postgresql"] = measure(url, args.courses)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bulk_upsert.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
