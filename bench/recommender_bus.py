"""How many events per second does the recommender's consumer sustain, next to a bare
XREADGROUP + XACK loop on the same stream?

Builds the data once, in a throwaway bundled redis-server:

- the stream `routeways:events:profile`, as the profile relay fills it (`{"envelope": json}`
  from the profile service's own `OutboxEvent.publish` and `envelope_json`): 2,000
  `profile.learner.registered` v1, then N `profile.interaction.recorded` v1 spread over those
  2,000 learners x 500 courses;
- a recommender database migrated with the service's migrations, holding the facts of the 500
  courses and the learners' postcode districts (stored with `read_model`, as the
  `fetch_course` and `fetch_district_centroid` tasks store them), 20,000 past interactions and
  an ALS model trained on them (`training.train_version`, as `recommender.train` does), and the
  2,000 learners (their registrations handled by the consumer itself).

N defaults to 5,000 (the issue suggested 20,000): each round also drains the rescoring queue it
leaves (a few milliseconds per learner), and 20,000 per round made a run take over ten minutes.

Then measures, in turns (bare, ours, bare, ours, ...) after one warm-up of each:

- ours: the consumer `routeways consume recommender` runs (`shared.bus.consumer.Consumer` with
  the recommender's HANDLERS, inbox, tombstones and the policy from its settings), in this
  process, on a fresh copy of that database, until it has handled all N interactions: per read
  batch (ROUTEWAYS_BUS_BATCH_SIZE, 100), contract checks, one transaction (one inbox query and
  insert and one tombstone query for the batch; consecutive interactions applied as one run by
  the real handler's `many`), one XACK. The stream holds a backlog, so the batches are full
  and the consumer queues the learners to rescore (`services/recommender/rescoring.py`)
  instead of ranking them in its transaction; then, timed apart, the queue is drained in this
  same process (`rescoring.drain`, what the `recommender.rescore_queued` task runs in a
  worker): "with drain" counts both, one after the other;
- bare: XREADGROUP on the same streams with the consumer's batch size, and one XACK per
  message, as the consumer acknowledges: no parsing, no database.

Every round reads the interactions in a fresh `recommender` group created just past the
registrations. Reports events/s per round, the medians and ours/bare (issue target >= 0.3).
BLAS pools run one thread: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS default
to 1, and threadpoolctl holds the pools already loaded at 1 whatever they say.

    .venv/bin/python bench/recommender_bus.py [--events 5000 --rounds 3 --history 20000]
    .venv/bin/python bench/recommender_bus.py --profile 1000   # + where the consumer's time goes
    ROUTEWAYS_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/recommender_bus.py --postgres   # adds PostgreSQL

Writes bench/results/recommender_bus.json. Figures depend on the machine (2 shared cores here):
redis-server and the consumer share them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import redis
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_info, threadpool_limits
from tqdm import tqdm

from services import load
from services.profile.models import OutboxEvent as ProfileOutbox
from services.recommender import course_facts, read_model, rescoring, training
from services.recommender.model_store import ModelStore
from services.recommender.models import InteractionView, LearnerView
from services.recommender.ranking.algorithms import DEFAULT_PARAMS
from services.recommender.serving import recommender_for
from services.recommender.settings import RecommenderSettings
from shared import embedded_redis
from shared.bus.consumer import Consumer, ConsumerPolicy
from shared.bus.streams import as_text, dead_letter_stream, stream_name
from shared.cli import policy_from
from shared.db import Database, scratch_postgres_database
from shared.demo.places import DISTRICTS
from shared.events.profile import INTERACTION_KINDS, INTERACTION_SOURCES
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
SERVICE = "recommender"  # the consumer group is named after the service, as the CLI names it
STREAM = stream_name("profile")
COURSES = 500
REGISTERED, RECORDED = "profile.learner.registered", "profile.interaction.recorded"
STARTED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
#: Opens a fresh copy of the template database for one round; yields its URL.
Copy = Callable[[], AbstractContextManager[str]]
STALL_SECONDS = 60  # no progress for this long: something is wrong, stop rather than hang


@dataclass(frozen=True)
class Round:
    path: str  # "bare" or "ours"
    number: int  # 0 is the warm-up
    events: int
    seconds: float
    #: ours only: learners the consumer queued for rescoring, and the seconds the queue took
    #: to drain afterwards (`rescoring.drain`, what the `rescore_queued` task runs)
    queued: int | None = None
    drain_seconds: float | None = None

    def as_dict(self) -> dict:
        figures = {
            "path": self.path,
            "round": self.number,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events / self.seconds, 1),
        }
        if self.drain_seconds is not None:
            figures |= {
                "learners_queued": self.queued,
                "drain_seconds": round(self.drain_seconds, 3),
                "events_per_second_with_drain": round(self.with_drain, 1),
            }
        return figures

    @property
    def with_drain(self) -> float:
        """Events per second counting the queue's drain after them, one after the other in
        this one process (deployed, a worker drains while the consumer reads)."""
        return self.events / (self.seconds + (self.drain_seconds or 0.0))


# --- data, built once ------------------------------------------------------------------------


def learner_payload(learner_id: int, rng: random.Random) -> dict:
    district = rng.choice(DISTRICTS).code
    return {
        "learner_id": learner_id,
        "changed_fields": ["age_band", "consent", "employment_status", "goals", "postcode_district",
                           "route_preference", "rqf_level", "wants_route_switch"],
        "attributes": {
            "rqf_level": rng.randint(1, 4), "postcode_district": district, "age_band": "24+",
            "employment_status": rng.choice(["employed", "unemployed", "self-employed"]),
            "goals": {"occupations": [], "sectors": ["Digital"], "not_sure": False},
            "route_preference": "either", "wants_route_switch": rng.random() < 0.5,
            "consent": {"suggestion_emails": True, "frequency": "weekly",
                        "share_with_adviser": False},
        },
    }  # fmt: skip


def interaction_payload(number: int, learners: int, rng: random.Random) -> dict:
    """Interaction `number` (ids and minutes after STARTED follow the history's)."""
    return {
        "interaction_id": number,
        "learner_id": rng.randint(1, learners),
        "course_id": rng.randint(1, COURSES),
        "kind": rng.choice(INTERACTION_KINDS),
        "source": rng.choice(INTERACTION_SOURCES),
        "occurred_at": (STARTED + timedelta(minutes=number)).isoformat(),
    }


def course_body(course_id: int, rng: random.Random) -> dict:
    """A course as the catalogue's `GET /courses/<id>` answers it."""
    district = rng.choice(DISTRICTS)
    return {
        "id": course_id, "provider_id": 1 + course_id % 20, "status": "published",
        "title": f"Bench course {course_id}", "qualification_type": "Short course",
        "rqf_level": rng.randint(1, 6), "route_kind": rng.choice(["technical", "academic"]),
        "sector": rng.choice(["Digital", "Engineering", "Health", "Construction"]),
        "skills": [{"skill": f"skill-{rng.randint(1, 200)}"} for _ in range(3)],
        "occupations": [f"{rng.randint(1000, 9999)}.{rng.randint(1, 9)}"],
        "entry_requirements": {"min_level": None, "skills": [], "qualifications": []},
        "delivery_mode": rng.choice(["classroom", "online", "blended"]), "national": False,
        "campus": {"latitude": district.latitude, "longitude": district.longitude},
        "start_dates": ["2027-01-11", "2027-09-06"], "duration_weeks": 12,
        "hours_per_week": 6.0, "cost_pence": 0, "funding": "fully-funded", "version": 1,
        "updated_at": STARTED.isoformat(),
    }  # fmt: skip


def append_events(client: redis.Redis, event_type: str, payloads: list[dict], desc: str) -> str:
    """XADD one envelope per payload to the profile stream, built by the profile service's own
    outbox code (publish: validate against the contract; envelope_json: the relay's wire form);
    return the last stream id."""
    last = ""
    with tqdm(total=len(payloads), desc=desc, unit="event", leave=False) as progress:
        for start in range(0, len(payloads), 500):
            chunk = payloads[start : start + 500]
            with Session() as scratch:  # no database: the rows are never flushed
                rows = [ProfileOutbox.publish(scratch, event_type, 1, p) for p in chunk]
                pipe = client.pipeline(transaction=False)
                for row in rows:
                    pipe.xadd(STREAM, {"envelope": row.envelope_json()})
                last = as_text(pipe.execute()[-1])
            progress.update(len(chunk))
    return last


def consumer_for(database: Database, redis_url: str) -> Consumer:
    """The consumer exactly as `routeways consume recommender` builds it (shared/cli.py)."""
    spec = load(SERVICE)
    settings = spec.settings(overrides={"database_url": database.url, "redis_url": redis_url})
    return Consumer(
        SERVICE,
        spec.handlers,
        database.sessions,
        spec.models.InboxEntry,
        redis.Redis.from_url(settings.redis_url),
        policy_from(settings),
        tombstones=spec.models.ErasedLearner,
    )


def reset_group(client: redis.Redis, streams: list[str], start: str) -> None:
    """A fresh consumer group `recommender` on every stream the consumer reads, positioned at
    `start` on the profile stream (just past the registrations) and at 0 elsewhere."""
    for stream in streams:
        if client.exists(stream):
            client.xgroup_destroy(stream, SERVICE)
        client.xgroup_create(stream, SERVICE, id=start if stream == STREAM else "0", mkstream=True)
    client.delete(dead_letter_stream(SERVICE))


def build_template(
    url: str, redis_url: str, learners: int, history: int, models: Path, seed: int
) -> None:
    """The recommender database at `url` as a running recommender holds it:

    1. migrate it; store the districts' centroids and the courses' facts (what the
       `fetch_district_centroid` and `fetch_course` tasks store);
    2. insert `history` past interactions and train a model on them into `models` (what the
       `recommender.train` task does), unless `history` is 0 (then no model serves);
    3. let the consumer handle every registration on the stream (a group from 0), and drain
       the rescoring queue that leaves.
    """
    rng = random.Random(seed)
    upgrade(load(SERVICE), url)
    with Database(url) as database:
        asked_at = STARTED
        with database.session_scope() as session:
            for district in DISTRICTS:
                read_model.record_district_centroid(
                    session, district.code, (district.latitude, district.longitude)
                )
            for course_id in range(1, COURSES + 1):
                facts = course_facts.from_catalogue(course_body(course_id, rng))
                read_model.store_course_facts(session, facts, asked_at)
        if history:
            rows = [interaction_payload(n, learners, rng) for n in range(1, history + 1)]
            for row in rows:
                row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
                del row["source"]
            with database.session_scope() as session:
                session.execute(insert(InteractionView), rows)
            with database.session_scope() as session:
                training.train_version(
                    session, ModelStore(models), training.TrainingRun(DEFAULT_PARAMS)
                )
        consumer = consumer_for(database, redis_url)
        reset_group(consumer.client, consumer.streams, "0")
        drain(consumer.run_once, learners, "learners (template)")
        # the registrations came as a backlog, so their learners were queued for rescoring:
        # drain the queue, as a worker would have, so no round starts with it
        settings = RecommenderSettings.from_env()
        rescoring.drain(database, recommender_for(settings.models_dir), settings.start_horizon_days)
        with database.session_scope() as session:
            found = session.scalar(select(func.count()).select_from(LearnerView))
        if found != learners:
            raise RuntimeError(f"template holds {found} learners, expected {learners}")


# --- copies of the template, one per round ---------------------------------------------------


@contextmanager
def sqlite_copy(template: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="routeways-bench-round-") as folder:
        target = Path(folder) / "recommender.sqlite3"
        shutil.copyfile(template, target)
        wal = template.with_name(f"{template.name}-wal")  # gone once the last connection closed
        if wal.exists():
            shutil.copyfile(wal, target.with_name(f"{target.name}-wal"))
        yield f"sqlite:///{target}"


# --- the two paths ---------------------------------------------------------------------------


def drain(step: Callable[[], int], count: int, desc: str) -> float:
    """Call `step` (returns how many events it handled) until `count` are handled; seconds."""
    handled = 0
    with tqdm(total=count, desc=desc, unit="event", leave=False, mininterval=0.5) as progress:
        started = last_progress = time.perf_counter()
        while handled < count:
            done = step()
            now = time.perf_counter()
            if done:
                handled += done
                last_progress = now
                progress.update(done)
            elif now - last_progress > STALL_SECONDS:
                raise RuntimeError(f"{desc}: stuck at {handled} of {count} events")
        seconds = time.perf_counter() - started
    if handled != count:
        raise RuntimeError(f"{desc}: handled {handled} events, expected {count}")
    return seconds


def bare_round(
    client: redis.Redis,
    streams: list[str],
    policy: ConsumerPolicy,
    boundary: str,
    count: int,
    desc: str,
) -> float:
    """XREADGROUP + one XACK per message, nothing else, in a fresh group."""
    reset_group(client, streams, boundary)
    read_from = dict.fromkeys(streams, ">")

    def step() -> int:
        handled = 0
        response = client.xreadgroup(
            SERVICE, "bare", read_from, count=policy.batch_size, block=policy.block_ms
        )
        for stream, messages in response or []:
            for message_id, _fields in messages:
                client.xack(stream, SERVICE, message_id)
                handled += 1
        return handled

    return drain(step, count, desc)


def ours_round(
    copy: Copy,
    redis_url: str,
    boundary: str,
    count: int,
    before: tuple[int, int],
    desc: str,
    profiler: cProfile.Profile | None = None,
) -> tuple[float, int, float]:
    """The real consumer on a fresh copy of the template, in a fresh group, then the drain of
    the rescoring queue it left (the consumer reads full batches here, so it queues); checks
    that every interaction reached the read model (nothing dead-lettered or left pending) and
    that the queue is empty. `before`: the template's interactions (the history) and inbox
    rows (the registrations). Returns the consumer's seconds, learners queued, drain seconds."""
    with copy() as url, Database(url) as database:
        consumer = consumer_for(database, redis_url)
        reset_group(consumer.client, consumer.streams, boundary)
        consumer.setup()
        step = (
            consumer.run_once if profiler is None else partial(profiler.runcall, consumer.run_once)
        )
        seconds = drain(step, count, desc)
        with database.session_scope() as session:
            stored = session.scalar(select(func.count()).select_from(InteractionView))
            inbox = session.scalar(select(func.count()).select_from(consumer.inbox))
            queued = rescoring.queued(session)
        pending = consumer.client.xpending(STREAM, SERVICE)["pending"]
        dead = consumer.client.xlen(dead_letter_stream(SERVICE))
        expected = (before[0] + count, before[1] + count, 0, 0)
        if (stored, inbox, pending, dead) != expected:
            raise RuntimeError(
                f"{desc}: {stored} interactions stored, {inbox} inbox rows, {pending} pending, "
                f"{dead} dead-lettered; expected {expected}"
            )
        settings = RecommenderSettings.from_env()
        started = time.perf_counter()
        rescoring.drain(database, recommender_for(settings.models_dir), settings.start_horizon_days)
        drain_seconds = time.perf_counter() - started
        with database.session_scope() as session:
            if rescoring.queued(session):
                raise RuntimeError(f"{desc}: the rescoring queue did not drain")
    return seconds, queued, drain_seconds


def measure(
    copy: Copy,
    redis_url: str,
    boundary: str,
    args: argparse.Namespace,
    engine: str,
) -> dict:
    """Warm-up, then bare and ours in turns; per round and medians."""
    client = redis.Redis.from_url(redis_url)
    streams = sorted({STREAM, stream_name("catalogue")})
    with Database("sqlite://") as scratch:
        probe = consumer_for(scratch, redis_url)
    if probe.streams != streams:
        raise RuntimeError(f"the consumer reads {probe.streams}, the bench expected {streams}")
    policy = probe.policy
    before = (args.history, args.learners)
    rounds: list[Round] = []
    warmup = min(args.warmup, args.events)
    plan = [(0, warmup)] + [(n, args.events) for n in range(1, args.rounds + 1)]
    for number, count in plan:
        label = "warm-up" if number == 0 else f"round {number}/{args.rounds}"
        seconds = bare_round(client, streams, policy, boundary, count, f"{engine} bare {label}")
        rounds.append(Round("bare", number, count, seconds))
        seconds, queued, drain_seconds = ours_round(
            copy, redis_url, boundary, count, before, f"{engine} ours {label}"
        )
        rounds.append(Round("ours", number, count, seconds, queued, drain_seconds))
    measured = [r for r in rounds if r.number > 0]
    bare = statistics.median(r.events / r.seconds for r in measured if r.path == "bare")
    ours = statistics.median(r.events / r.seconds for r in measured if r.path == "ours")
    whole = statistics.median(r.with_drain for r in measured if r.path == "ours")
    return {
        "batch_size": policy.batch_size,
        "block_ms": policy.block_ms,
        "rounds": [r.as_dict() for r in rounds],
        "median_events_per_second": {
            "bare": round(bare, 1),
            "ours": round(ours, 1),
            "ours_with_drain": round(whole, 1),
        },
        "ours_vs_bare": round(ours / bare, 3),
        "ours_with_drain_vs_bare": round(whole / bare, 3),
        "target_ours_vs_bare": 0.3,
    }


def profile_consumer(
    copy: Copy, redis_url: str, boundary: str, count: int, before: tuple[int, int]
) -> dict[str, dict]:
    """One more `ours` round of `count` events under cProfile (which slows it about 2x); prints
    the top functions by own time and returns the cumulative seconds of each consumer stage."""
    profiler = cProfile.Profile()
    ours_round(copy, redis_url, boundary, count, before, "profiled ours", profiler)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(15)
    print(out.getvalue())
    handler = load(SERVICE).handlers[(RECORDED, 1)]
    handler = getattr(handler, "many", handler).__code__  # a Batched handler: its run
    consumer, redis_core = "shared/bus/consumer.py", "redis/commands/core.py"
    stages = {
        "run_once (all)": (consumer, "run_once"),
        "XREADGROUP": (redis_core, "xreadgroup"),
        "retry check (XPENDING)": (consumer, "_retry_due"),
        "reclaim (XAUTOCLAIM)": (consumer, "_reclaim"),
        "envelope + contract": (consumer, "_read"),
        "transaction": (consumer, "_apply_all"),
        "  inbox query (per batch)": ("shared/bus/inbox.py", "__init__"),
        "  inbox first_time": ("shared/bus/inbox.py", "first_time"),
        "  inbox insert (per batch)": ("shared/bus/inbox.py", "record"),
        "  tombstone query (per batch)": ("shared/bus/erasure.py", "__init__"),
        "  tombstone admit": ("shared/bus/erasure.py", "admit"),
        f"  handler {handler.co_name}": (handler.co_filename, handler.co_name),
        "    read_model.record_interactions": ("recommender/read_model.py", "record_interactions"),
        "    route_updates.learners_using": ("recommender/route_updates.py", "learners_using"),
        "    rescoring.queue (at commit)": ("recommender/rescoring.py", "queue"),
        "  commit": ("sqlalchemy/orm/session.py", "commit"),
        "XACK": (redis_core, "xack"),
    }
    total = _cumulative(stats, *stages["run_once (all)"])
    figures = {}
    for stage, (suffix, name) in stages.items():
        seconds = _cumulative(stats, suffix, name)
        if seconds == 0.0 and stage.startswith("    "):
            continue  # a part of the handler this version does not have
        figures[stage] = {
            "seconds": round(seconds, 3),
            "share": round(seconds / total, 3) if total else None,
            "us_per_event": round(seconds / count * 1e6),  # under the profiler
        }
        per_event = seconds / count * 1e6
        print(f"{stage:<34}{seconds:>8.3f} s{seconds / total:>7.0%}{per_event:>9.0f} us/event")
    return figures


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    """Cumulative seconds of the function `name` defined in a file ending with `suffix` (the
    outermost if it recurses)."""
    return max(
        (
            cumulative
            for (file, _line, function), (*_, cumulative, _callers) in stats.stats.items()
            if function == name and file.endswith(suffix)
        ),
        default=0.0,
    )


# --- run ------------------------------------------------------------------------------------


def machine(client: redis.Redis) -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    ) if Path("/proc/cpuinfo").exists() else platform.processor()  # fmt: skip
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "cpu": cpu,
        "platform": platform.platform(),
        "redis_server": client.info("server")["redis_version"],
        "sqlite": sqlite3.sqlite_version,
    }


def threads() -> dict:
    return {
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
        "blas_threads_in_use": sorted(
            {f"{pool['internal_api']}={pool['num_threads']}" for pool in threadpool_info()}
        ),
    }


def table(engines: dict) -> str:
    lines = [
        f"{'engine':<12}{'path':<6}{'round':>8}{'events':>8}{'seconds':>9}{'events/s':>10}"
        f"{'queued':>8}{'drain s':>9}{'with drain/s':>14}"
    ]
    for engine, figures in engines.items():
        for r in figures["rounds"]:
            number = "warm-up" if r["round"] == 0 else str(r["round"])
            lines.append(
                f"{engine:<12}{r['path']:<6}{number:>8}{r['events']:>8}{r['seconds']:>9.2f}"
                f"{r['events_per_second']:>10.0f}"
                + (
                    f"{r['learners_queued']:>8}{r['drain_seconds']:>9.2f}"
                    f"{r['events_per_second_with_drain']:>14.0f}"
                    if "drain_seconds" in r
                    else ""
                )
            )
        medians = figures["median_events_per_second"]
        lines.append(
            f"{engine:<12}median bare {medians['bare']:.0f}/s, ours {medians['ours']:.0f}/s, "
            f"ours/bare {figures['ours_vs_bare']:.3f} (target >= 0.3); with the drain "
            f"{medians['ours_with_drain']:.0f}/s, {figures['ours_with_drain_vs_bare']:.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000, help="interactions per round")
    parser.add_argument("--learners", type=int, default=2_000, help="learners (registrations)")
    parser.add_argument(
        "--history", type=int, default=20_000,
        help="past interactions in the template, and a model trained on them (0: no model)",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of each path")
    parser.add_argument("--warmup", type=int, default=1_000, help="events in the warm-up round")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="EVENTS",
        help="afterwards, profile the consumer over EVENTS interactions (each engine measured)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", nargs="?", const=os.environ.get("ROUTEWAYS_TEST_POSTGRES_URL"),
        default=None, metavar="ADMIN_URL",
        help="also measure on PostgreSQL (default URL: ROUTEWAYS_TEST_POSTGRES_URL)",
    )  # fmt: skip
    args = parser.parse_args()
    if "--postgres" in sys.argv and not args.postgres:
        parser.error("--postgres needs ROUTEWAYS_TEST_POSTGRES_URL or an admin URL")
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (A B A B)")

    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")  # for BLAS libraries a handler loads later
    with ExitStack() as stack:
        stack.enter_context(threadpool_limits(limits=1))  # for those loaded already (numpy)
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="routeways-bench-")))
        port = embedded_redis.free_port()
        server = embedded_redis.start(port, work / "redis")
        stack.callback(server.wait, timeout=30)
        stack.callback(server.terminate)
        redis_url = f"redis://127.0.0.1:{port}/0"
        # A handler that sends a Celery task after commit sends it to this server (no worker).
        os.environ["REDIS_URL"] = redis_url
        if "shared.tasks" in sys.modules:  # the Celery app exists already, configured before
            sys.modules["shared.tasks"].celery.conf.broker_url = redis_url
        # The handlers read their settings from the environment: the bench's own models folder.
        models = work / "models"
        os.environ["ROUTEWAYS_RECOMMENDER_MODELS_DIR"] = str(models)
        client = redis.Redis.from_url(redis_url)
        rng = random.Random(args.seed)

        learners = [learner_payload(n, rng) for n in range(1, args.learners + 1)]
        boundary = append_events(client, REGISTERED, learners, "registrations")
        templates: dict[str, Copy] = {}
        template = work / "template.sqlite3"
        build_template(
            f"sqlite:///{template}", redis_url, args.learners, args.history, models, args.seed
        )
        templates["sqlite"] = lambda: sqlite_copy(template)
        if args.postgres:
            template_url = stack.enter_context(scratch_postgres_database(args.postgres))
            build_template(template_url, redis_url, args.learners, args.history, models, args.seed)
            templates["postgresql"] = lambda: scratch_postgres_database(
                args.postgres, "routeways_bench", template=make_url(template_url).database
            )
        first = args.history + 1
        interactions = [
            interaction_payload(n, args.learners, rng) for n in range(first, first + args.events)
        ]
        append_events(client, RECORDED, interactions, "interactions")

        started = datetime.now(UTC)
        load_before = os.getloadavg()[0]
        engines = {
            engine: measure(copy, redis_url, boundary, args, engine)
            for engine, copy in templates.items()
        }
        results = {
            "measured_at": started.isoformat(timespec="seconds"),
            **machine(client),
            "threads": threads(),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "data": {
                "stream": STREAM,
                "interactions_per_round": args.events,
                "warmup_events": min(args.warmup, args.events),
                "measured_rounds": args.rounds,
                "learners_registered": args.learners,
                "history_interactions": args.history,
                "model": "ALS (DEFAULT_PARAMS) trained on the history" if args.history else "none",
                "courses": COURSES,
                "stream_entries": client.xlen(STREAM),
                "envelope_bytes_mean": round(
                    statistics.mean(
                        len(fields[b"envelope"])
                        for _, fields in client.xrange(STREAM, f"({boundary}", count=1000)
                    )
                ),
                "seed": args.seed,
            },
            "engines": engines,
        }
        if args.profile:
            profiled = min(args.profile, args.events)
            for engine, copy in templates.items():
                print(f"profile, {engine}:")
                results[f"profile_{engine}"] = {
                    "events": profiled,
                    "note": "cumulative seconds under cProfile, which slows the consumer about 2x",
                    "stages": profile_consumer(
                        copy, redis_url, boundary, profiled, (args.history, args.learners)
                    ),
                }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "recommender_bus.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"{args.events} interactions per round ({args.learners} learners x {COURSES} courses, "
        f"{args.history} past interactions, model: {results['data']['model']}), "
        f"batch {engines['sqlite']['batch_size']}, "
        f"OPENBLAS_NUM_THREADS={results['threads']['OPENBLAS_NUM_THREADS']}, "
        f"BLAS pools held at 1 thread; {results['machine']}"
    )
    print(table(engines))


if __name__ == "__main__":
    main()
