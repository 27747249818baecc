"""How many interactions per second can the profile service take in, one at a time through the
API and in bulk through the providers' enrolment import, on SQLite and PostgreSQL?

Everything goes through real HTTP: the profile and catalogue apps are each served by werkzeug's
threaded server on a free port, the catalogue rate-limits in a bundled redis-server, and the
profile asks the catalogue over HTTP for the provider's key and its courses. Measured:

- api:        POST /learners/<id>/interactions, one interaction per request (admin token), from
              one client and then from four at once;
- bulk:       POST /providers/<id>/enrolments:bulk, N rows as CSV in batches of B (50 course
              references, 2,000 learners), each row stored with its outbox event;
- bulk again: the same batches sent again: every row already recorded, nothing written;
- baseline:   a bare INSERT of N interaction rows in one transaction (no HTTP, no checks, no
              events), so the bulk figure is also a ratio to it.

    .venv/bin/python bench/interaction_ingest.py [--rows 10000 --batch 1000 --api 2000]
    ROUTEWAYS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/interaction_ingest.py   # adds PostgreSQL (or --postgres URL)

Writes bench/results/interaction_ingest.json. Figures depend on the machine (2 shared cores
here): the client, both servers and the database share them.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import platform
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, insert, select
from tqdm import tqdm
from werkzeug.serving import make_server

import services.catalogue
import services.profile
from services import load
from services.profile.models import Interaction, Learner, OutboxEvent
from shared import embedded_redis
from shared.db import Database, scratch_postgres_database
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"  # noqa: S105 - a throwaway bench server's
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LEARNERS = 2_000
COURSES = 50
KINDS = ("applied", "enrolled", "completed")
STARTED = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


@contextmanager
def serving(app: object) -> Iterator[str]:
    """`app` behind werkzeug's threaded HTTP server on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def redis_server() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="routeways-bench-redis-") as folder:
        port = embedded_redis.free_port()
        process = embedded_redis.start(port, Path(folder))
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def catalogue_with_courses(url: str, redis_url: str, stack: ExitStack) -> tuple[str, int, str]:
    """A served catalogue with one provider, its key and COURSES online courses."""
    upgrade(load("catalogue"), url)
    app = services.catalogue.create_app({
        "database_url": url, "redis_url": redis_url, "admin_token": ADMIN_TOKEN,
        "rate_limit": "100000/minute",
    })  # fmt: skip
    stack.callback(app.extensions["routeways.db"].dispose)
    client = app.test_client()
    provider = client.post("/providers", headers=ADMIN, json={
        "key": "bench-college", "name": "Bench College", "kind": "fe-college"}).json  # fmt: skip
    key = client.post(f"/providers/{provider['id']}/keys", headers=ADMIN, json={}).json["key"]
    for n in range(COURSES):
        response = client.put(
            f"/providers/{provider['id']}/courses/BENCH-{n:02d}",
            headers={"X-API-Key": key},
            json={"title": f"Bench course {n}", "qualification_type": "Short course",
                  "rqf_level": 2 + n % 3, "route_kind": "technical", "sector": "Digital",
                  "delivery_mode": "online", "national": True},
        )  # fmt: skip
        assert response.status_code == 201, response.json
    return stack.enter_context(serving(app)), provider["id"], key


def profile_with_learners(url: str, redis_url: str, catalogue_url: str, stack: ExitStack) -> tuple:
    """A served profile app that asks `catalogue_url`, with LEARNERS learners; (url, ids, db)."""
    upgrade(load("profile"), url)
    database = Database(url)
    stack.callback(database.dispose)
    with database.session_scope() as session:
        learners = [Learner(name=f"Learner {n}", email=f"learner{n}@example.org",
                            postcode="PR1 2HE", rqf_level=2) for n in range(LEARNERS)]  # fmt: skip
        session.add_all(learners)
        session.flush()
        ids = [learner.id for learner in learners]
    app = services.profile.create_app({
        "database_url": url, "redis_url": redis_url, "admin_token": ADMIN_TOKEN,
        "catalogue_url": catalogue_url,
    })  # fmt: skip
    stack.callback(app.extensions["routeways.db"].dispose)
    return stack.enter_context(serving(app)), ids, database


def api_ingest(base: str, learner_ids: list[int], course_ids: list[int], count: int,
               clients: int, tag: str) -> dict:  # fmt: skip
    """POST `count` interactions one per request from `clients` threads; interactions/s."""
    local = threading.local()

    def post(n: int) -> int:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        body = {"course_id": course_ids[n % len(course_ids)], "kind": "viewed", "source": "web",
                "occurred_at": (STARTED + timedelta(seconds=n)).isoformat(),
                "client_ref": f"{tag}-{n}"}  # fmt: skip
        learner = learner_ids[n % len(learner_ids)]
        response = local.http.post(f"{base}/learners/{learner}/interactions", json=body,
                                   headers=ADMIN, timeout=30)  # fmt: skip
        return response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = list(tqdm(pool.map(post, range(count)), total=count, unit="request",
                             desc=f"api x{clients}", leave=False))  # fmt: skip
    seconds = time.perf_counter() - started
    assert statuses.count(201) == count, {s: statuses.count(s) for s in set(statuses)}
    return {"requests": count, "clients": clients, "seconds": round(seconds, 2),
            "interactions_per_second": round(count / seconds)}  # fmt: skip


def enrolment_batches(rows: int, batch: int) -> list[bytes]:
    """`rows` enrolment records as CSV bodies of `batch` rows each."""
    bodies = []
    for start in range(0, rows, batch):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["learner_email", "course_ref", "kind", "occurred_at", "client_ref"])
        for n in range(start, min(start + batch, rows)):
            writer.writerow([f"learner{n % LEARNERS}@example.org", f"BENCH-{n % COURSES:02d}",
                             KINDS[n % 3], (STARTED + timedelta(minutes=n)).isoformat(),
                             f"MIS-{n:06d}"])  # fmt: skip
        bodies.append(buffer.getvalue().encode())
    return bodies


def bulk_ingest(base: str, provider_id: int, key: str, bodies: list[bytes], desc: str) -> dict:
    """Send every body to the enrolment import; rows/s and the outcomes."""
    http = requests.Session()
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for body in tqdm(bodies, unit="batch", desc=desc, leave=False):
        response = http.post(f"{base}/providers/{provider_id}/enrolments:bulk", data=body,
                             headers={"X-API-Key": key, "Content-Type": "text/csv"},
                             timeout=300)  # fmt: skip
        assert response.status_code == 200, response.text[:500]
        for outcome, number in response.json()["counts"].items():
            counts[outcome] = counts.get(outcome, 0) + number
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    return {"rows": rows, "batches": len(bodies), "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "outcomes": {k: v for k, v in counts.items() if v}}  # fmt: skip


def bare_insert(database: Database, learner_ids: list[int], count: int) -> dict:
    rows = [{"learner_id": learner_ids[n % len(learner_ids)], "course_id": 1 + n % COURSES,
             "kind": KINDS[n % 3], "source": "provider-import",
             "occurred_at": STARTED + timedelta(minutes=n), "client_ref": f"BARE-{n}"}
            for n in range(count)]  # fmt: skip
    started = time.perf_counter()
    with database.session_scope() as session:
        session.execute(insert(Interaction), rows)
    seconds = time.perf_counter() - started
    return {"rows": count, "seconds": round(seconds, 3), "rows_per_second": round(count / seconds)}


def measure(catalogue_url: str, profile_url: str, args: argparse.Namespace) -> dict:
    """Every figure on one engine: the catalogue at `catalogue_url`, the profile at
    `profile_url` (two databases, as in production)."""
    with redis_server() as redis_url, ExitStack() as stack:
        catalogue, provider_id, key = catalogue_with_courses(catalogue_url, redis_url, stack)
        profile, learner_ids, database = profile_with_learners(
            profile_url, redis_url, catalogue, stack
        )
        course_ids = requests.get(f"{catalogue}/courses?limit=100", timeout=30).json()["items"]
        course_ids = [course["id"] for course in course_ids]
        figures = {}
        for clients in (1, 4):
            figures[f"api_{clients}_client{'s' if clients > 1 else ''}"] = api_ingest(
                profile, learner_ids, course_ids, args.api, clients, f"api{clients}"
            )
        bodies = enrolment_batches(args.rows, args.batch)
        figures["bulk"] = bulk_ingest(profile, provider_id, key, bodies, "bulk")
        figures["bulk_again"] = bulk_ingest(profile, provider_id, key, bodies, "bulk again")
        with database.session_scope() as session:
            figures["outbox_events"] = session.scalar(
                select(func.count()).where(OutboxEvent.type == "profile.interaction.recorded")
            )
        figures["baseline_bare_insert"] = bare_insert(database, learner_ids, args.rows)
        figures["bulk_vs_bare_insert_slowdown"] = round(
            figures["baseline_bare_insert"]["rows_per_second"] / figures["bulk"]["rows_per_second"],
            1,
        )
        figures["bulk_vs_api_1_client_speedup"] = round(
            figures["bulk"]["rows_per_second"] / figures["api_1_client"]["interactions_per_second"],
            1,
        )
    return figures


def table(engines: dict) -> str:
    lines = [f"{'engine':<12}{'path':<24}{'rows':>8}{'seconds':>10}{'per second':>12}"]
    for engine, figures in engines.items():
        for name, figure in figures.items():
            if not isinstance(figure, dict):
                continue
            rows = figure.get("rows", figure.get("requests"))
            rate = figure.get("rows_per_second", figure.get("interactions_per_second"))
            lines.append(f"{engine:<12}{name:<24}{rows:>8}{figure['seconds']:>10}{rate:>12}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows through the bulk import")
    parser.add_argument("--batch", type=int, default=1_000, help="rows per bulk request")
    parser.add_argument("--api", type=int, default=2_000, help="requests through the API")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("ROUTEWAYS_TEST_POSTGRES_URL"),
        help="PostgreSQL admin URL (default: ROUTEWAYS_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    engines = {}
    print(f"SQLite ({args.rows} rows in batches of {args.batch}, {args.api} API requests):")
    with tempfile.TemporaryDirectory(prefix="routeways-bench-") as folder:
        engines["sqlite"] = measure(
            f"sqlite:///{folder}/catalogue.sqlite3", f"sqlite:///{folder}/profile.sqlite3", args
        )
    if args.postgres:
        print("PostgreSQL:")
        with (
            scratch_postgres_database(args.postgres) as catalogue_url,
            scratch_postgres_database(args.postgres) as profile_url,
        ):
            engines["postgresql"] = measure(catalogue_url, profile_url, args)
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "rows": args.rows,
        "batch": args.batch,
        "api_requests": args.api,
        "learners": LEARNERS,
        "courses": COURSES,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "engines": engines,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "interaction_ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(engines))


if __name__ == "__main__":
    main()
