"""How fresh is the read model? Commit-to-handled latency and throughput of the event bus.

Runs the real processes (`routeways relay catalogue`, `routeways consume recommender`) against a
throwaway bundled redis-server and SQLite files, then:
1. paced: publishes courses at a steady rate and measures, per event, the time from the
   catalogue's commit to the recommender's handler (CourseView.updated_at), p50/p95/max;
2. burst: commits a batch at once and measures how long until every event is handled;
3. baseline: the bare transport in the same run (XADD, XREADGROUP, XACK in one process, no
   database), so the burst figure is also given as a ratio to it.

    .venv/bin/python bench/event_freshness.py [--paced 300 --rate 20 --burst 2000]

Writes bench/results/event_freshness.json. Figures depend on the machine (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import redis
from sqlalchemy import func, select
from tqdm import tqdm

from services.catalogue import courses
from services.catalogue.models import Provider
from services.recommender.models import CourseView
from shared import embedded_redis
from shared.db import Database
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"


def add_courses(
    catalogue: Database, provider_id: int, start: int, count: int
) -> dict[int, datetime]:
    """Commit `count` courses in one transaction; return course id -> commit time."""
    rows = [{"external_ref": f"B-{start + n}", "title": "Bench course",
             "qualification_type": "Short course", "rqf_level": 2, "route_kind": "technical",
             "sector": "Digital", "delivery_mode": "online", "national": True}
            for n in range(count)]  # fmt: skip
    with catalogue.session_scope() as session:
        ids = [row.course_id for row in courses.upsert_courses(session, provider_id, rows).rows]
    committed = datetime.now(UTC)
    return dict.fromkeys(ids, committed)


def handled_times(recommender: Database) -> dict[int, datetime]:
    with recommender.session_scope() as session:
        rows = session.execute(select(CourseView.course_id, CourseView.updated_at))
        return {course_id: updated_at for course_id, updated_at in rows}


def wait_until_handled(recommender: Database, total: int, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with recommender.session_scope() as session:
            if session.scalar(select(func.count()).select_from(CourseView)) >= total:
                return time.monotonic() - started
        time.sleep(0.02)
    raise TimeoutError(f"not all {total} events handled in {timeout}s")


def bare_transport(client: redis.Redis, count: int, payload: str) -> float:
    """Seconds for `count` messages through XADD + XREADGROUP + XACK with no database work."""
    stream, group = "bench:bare", "bench"
    client.delete(stream)
    client.xgroup_create(stream, group, id="0", mkstream=True)
    started = time.monotonic()
    pipe = client.pipeline(transaction=False)
    for _ in range(count):
        pipe.xadd(stream, {"envelope": payload})
    pipe.execute()
    done = 0
    while done < count:
        for _, messages in client.xreadgroup(group, "c", {stream: ">"}, count=20, block=1000) or []:
            for message_id, _ in messages:
                client.xack(stream, group, message_id)
                done += 1
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paced", type=int, default=300, help="events published at --rate")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second when paced")
    parser.add_argument("--burst", type=int, default=2000, help="events committed at once")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="routeways-bench-"))
    port = embedded_redis.free_port()
    server = embedded_redis.start(port, work / "redis")
    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "ROUTEWAYS_CATALOGUE_DATABASE_URL": f"sqlite:///{work / 'catalogue.sqlite3'}",
        "ROUTEWAYS_RECOMMENDER_DATABASE_URL": f"sqlite:///{work / 'recommender.sqlite3'}",
        "ROUTEWAYS_LOG_LEVEL": "WARNING",
    }
    from services import load

    catalogue = Database(env["ROUTEWAYS_CATALOGUE_DATABASE_URL"])
    recommender = Database(env["ROUTEWAYS_RECOMMENDER_DATABASE_URL"])
    upgrade(load("catalogue"), catalogue.url)
    upgrade(load("recommender"), recommender.url)
    with catalogue.session_scope() as session:
        provider = Provider(key="bench", name="Bench College", kind="fe-college")
        session.add(provider)
        session.flush()
        provider_id = provider.id
    cli = [sys.executable, "-m", "shared.cli"]
    processes = [
        subprocess.Popen([*cli, "relay", "catalogue"], env=env),
        subprocess.Popen([*cli, "consume", "recommender"], env=env),
    ]
    try:
        committed: dict[int, datetime] = {}
        for n in tqdm(range(args.paced), desc="paced events", unit="event"):
            committed.update(add_courses(catalogue, provider_id, n, 1))
            time.sleep(1 / args.rate)
        wait_until_handled(recommender, args.paced)
        handled = handled_times(recommender)
        latencies = sorted((handled[i] - committed[i]).total_seconds() * 1000 for i in committed)

        add_courses(catalogue, provider_id, args.paced, args.burst)
        burst_seconds = wait_until_handled(recommender, args.paced + args.burst)
        envelope = json.dumps({"id": "0" * 36, "payload": {"course_id": 1}})
        bare_seconds = bare_transport(redis.Redis.from_url(env["REDIS_URL"]), args.burst, envelope)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        server.terminate()
        server.wait()

    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "database": "SQLite (WAL)",
        "relay_poll_seconds": 0.25,
        "paced": {
            "events": args.paced,
            "rate_per_second": args.rate,
            "latency_ms_p50": round(statistics.median(latencies), 1),
            "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
            "latency_ms_max": round(latencies[-1], 1),
        },
        "burst": {
            "events": args.burst,
            "seconds": round(burst_seconds, 2),
            "events_per_second": round(args.burst / burst_seconds, 1),
        },
        "bare_transport": {
            "events": args.burst,
            "seconds": round(bare_seconds, 3),
            "events_per_second": round(args.burst / bare_seconds, 1),
        },
        "burst_vs_bare_transport_slowdown": round(burst_seconds / bare_seconds, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "event_freshness.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
