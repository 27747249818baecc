"""How fresh are a learner's suggestions? Interaction committed in the profile service ->
`recommender.recommendations.updated` published, next to a bare XADD -> XREADGROUP hop; and a
course published or withdrawn in the recommender's read model -> the learner's next answer.

Builds the data once, in throwaway SQLite files and a bundled redis-server:

- a profile database (the service's migrations) with L learners and H past interactions;
- a recommender database (its migrations) with the same learners as the profile events leave
  them (`LearnerView`: goal sector and occupation, level, current occupation), C courses' facts
  (8 sectors, 25 occupations each; all published, online, national and free, so every course
  is open to every learner; stored with `read_model.record_course_published` and
  `store_course_facts`, as the handler and the `fetch_course` task store them), the same H
  interactions (mostly toward each learner's goal), an ALS version trained on them
  (`training.train_version`, DEFAULT_PARAMS, as the `recommender.train` task does), and each
  sampled learner's announced top 10 (`top_courses.announce_many`, as after a retrain).

The whole run, the build included, holds /tmp/routeways-bench.lock (fcntl, waited for), so
that no other benchmark shares the two cores meanwhile. Measured:

1. Freshness, for each relay poll setting (`--relay-poll`, ROUTEWAYS_RELAY_POLL_SECONDS of both
   relays: 0.25 s, the default when this bench was written, and 0.05 s; the settings' default
   at run time is recorded).
   A bare warm-up, then rounds in turns, ours then bare (A B A B ...), paced at `--rate`/s:
   - ours: the real `routeways relay profile`, `routeways consume recommender` and
     `routeways relay recommender` start afresh on these files for each round, the
     recommender relay a random part of a poll interval after the others: the phase between
     the two relays' polls is arbitrary in production but fixed while they run, so each round
     samples one. After `--warmup` samples not counted, per sample one "completed"
     interaction on the learner's current first course, recorded with the profile service's
     own `interactions.record_interaction` (what `POST /learners/<id>/interactions` calls) and
     committed; t0 is when the commit returned. The course must leave the learner's top 10,
     so the consumer's `on_interaction_recorded` -> `top_courses.announce` must publish
     `recommender.recommendations.updated`. t1 is when that event can be read on
     `routeways:events:recommender`: a thread of this process blocks in XREAD on the stream
     and stamps each entry as it arrives (what a subscriber such as the notifier sees; the
     relay's own `published_at`, stamped after its XADD, is reported beside it). Each sample
     has a learner of its own, so the rows the path leaves date its stages (profile outbox
     `published_at`, recommender inbox `handled_at`, `LearnerTopCourses.updated_at` when the
     ranking began, recommender outbox `occurred_at` and `published_at`). An event not seen
     5 s after the round's last commit is missing.
   - bare (the bus processes stopped): XADD of an envelope of the same kind to a scratch
     stream, read by a thread blocked in XREADGROUP with the consumer's batch size and block
     time (`ConsumerPolicy`), XACKed; sent just before XADD, received when XREADGROUP
     returns.
2. Serving, with `routeways serve recommender` (gunicorn, deploy/gunicorn.conf.py: 2 workers
   x 4 threads) and no bus processes. Per learner: a plain GET /learners/<id>/recommendations
   (nothing changed: the baseline); a new course toward their goal (sector, occupation, the
   level above theirs), taught "blended" where every other course is online, committed to the
   read model as the `catalogue.course.published` handler and `fetch_course` store it (the
   catalogue service, its relay, the consumer and the Celery fetch are not involved: this
   times the read model -> answer part only); GETs of the learner's answer narrowed to
   blended courses (`?mode=blended`), back to back, until it names the course (from the
   commit; a miss after 2 s). Narrowed because on this data a new course does not reach an
   established learner's plain top 10 (a check in a transaction rolled back, before
   publishing, reports where it would rank); the narrowed answer comes from the same course
   index, rebuilt on the same stamp. Then the new course, and the first course of the plain
   answer, withdrawn (`read_model.record_course_withdrawn` committed, as `on_course_withdrawn`
   does), each checked on the very next GET of the answer that held it (a violation if it
   still names it).

    .venv/bin/python bench/recommender_freshness.py [--learners 20000 --courses 2000
        --history 400000 --samples 1000 --rounds 8 --warmup 20 --rate 20 --new-courses 60
        --relay-poll 0.25 0.05]

BLAS pools run one thread: OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS default
to 1 here and in every process started, and threadpoolctl holds this process's pools at 1.
Writes bench/results/recommender_freshness.json. Figures depend on the machine (2 shared cores
here): redis-server, the bus processes, the bench and its threads share them.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import redis
import requests
from recommender_bus import machine, threads
from sqlalchemy import func, insert, select
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from services import load
from services.profile import interactions
from services.profile.models import Interaction, Learner
from services.profile.models import OutboxEvent as ProfileOutbox
from services.profile.models import RelayCheckpoint as ProfileCheckpoint
from services.recommender import course_facts, read_model, top_courses, training
from services.recommender.model_store import ModelStore
from services.recommender.models import (
    InboxEntry,
    InteractionView,
    LearnerTopCourses,
    LearnerView,
)
from services.recommender.models import OutboxEvent as RecommenderOutbox
from services.recommender.models import RelayCheckpoint as RecommenderCheckpoint
from services.recommender.ranking.algorithms import DEFAULT_PARAMS
from services.recommender.serving import Recommender, Request, recommend, recommender_for
from services.recommender.settings import RecommenderSettings
from shared import embedded_redis
from shared.bus.consumer import ConsumerPolicy
from shared.bus.streams import as_text, stream_name
from shared.db import Database
from shared.events import make_event, utcnow
from shared.migrate import upgrade
from shared.settings import Settings

RESULTS = Path(__file__).parent / "results"
LOCK = Path("/tmp/routeways-bench.lock")  # noqa: S108 - the lock every bench here shares
TARGET_MS = 250.0
UPDATED, RECORDED = "recommender.recommendations.updated", "profile.interaction.recorded"
SECTORS = ("Digital", "Engineering", "Health and care", "Construction", "Business",
           "Creative", "Hospitality", "Logistics")  # fmt: skip
OCCUPATIONS_PER_SECTOR, SKILLS_PER_SECTOR, PROVIDERS = 25, 30, 100
KIND_WEIGHTS = {"viewed": 45, "saved": 10, "applied": 10, "enrolled": 15, "completed": 10,
                "dismissed": 4, "email-click": 4, "not-interested": 2}  # fmt: skip
ARRIVAL_TIMEOUT = 5.0  # seconds after a round's last commit before its missing events count
APPEAR_TIMEOUT = 2.0  # seconds a new course may take to enter the answer before it is a miss
CLI = [sys.executable, "-m", "shared.cli"]
WATCHER = "bench-watcher"  # this process's stream readers, told apart from the consumer
SERVING_WARMUP = 5  # new-course samples not counted (both workers' first rebuilds)


# --- data, built once ------------------------------------------------------------------------


def occupations(sector: int) -> list[str]:
    return [str(1000 + 100 * sector + k) for k in range(OCCUPATIONS_PER_SECTOR)]


def skills(sector: int) -> list[str]:
    return [f"{SECTORS[sector].split()[0].lower()}-skill-{k}" for k in range(SKILLS_PER_SECTOR)]


@dataclass(frozen=True)
class Goal:
    """What a learner aims at, and their level (enough to make a course for them)."""

    sector: int
    occupation: str
    rqf_level: int


def course_body(
    course_id: int, sector: int, occupation: str, level: int, rng: random.Random
) -> dict:
    """A course as the catalogue's `GET /courses/<id>` answers it: online, national, free,
    starting within the learner's window, so every learner may take it."""
    soon = date.today() + timedelta(days=30)
    return {
        "id": course_id, "provider_id": 1 + course_id % PROVIDERS, "status": "published",
        "title": f"Bench course {course_id}", "qualification_type": "Short course",
        "rqf_level": level, "route_kind": "technical", "sector": SECTORS[sector],
        "skills": [{"skill": s} for s in rng.sample(skills(sector), 3)],
        "occupations": [occupation],
        "entry_requirements": {"min_level": None, "skills": [], "qualifications": []},
        "delivery_mode": "online", "national": True, "campus": None,
        "start_dates": [soon.isoformat(), (soon + timedelta(days=180)).isoformat()],
        "duration_weeks": 12, "hours_per_week": 4.0, "cost_pence": 0, "funding": "fully-funded",
        "version": 1, "updated_at": utcnow().isoformat(),
    }  # fmt: skip


def publish_course(session: object, body: dict) -> None:
    """The course's published event and its facts, as the handler and `fetch_course` store
    them (one transaction: the caller's)."""
    facts = course_facts.from_catalogue(body)
    read_model.record_course_published(
        session, facts["course_id"], facts["provider_id"], ["title"], utcnow()
    )
    read_model.store_course_facts(session, facts, utcnow())


def learner_attributes(goal: Goal, current: str, rng: random.Random) -> dict:
    """A learner's attributes as `profile.learner.*` events leave them in the read model."""
    return {
        "rqf_level": goal.rqf_level, "age_band": "24+", "occupation_code": current,
        "employment_status": rng.choice(["employed", "unemployed", "self-employed"]),
        "goals": {"occupations": [goal.occupation], "sectors": [SECTORS[goal.sector]],
                  "not_sure": False},
        "route_preference": "either", "wants_route_switch": rng.random() < 0.5,
        "constraints": {},
        "consent": {"suggestion_emails": True, "frequency": "weekly", "share_with_adviser": False},
    }  # fmt: skip


@dataclass
class World:
    """The generated data both databases hold."""

    goals: dict[int, Goal] = field(default_factory=dict)
    by_sector: dict[int, list[int]] = field(default_factory=dict)
    by_occupation: dict[str, list[int]] = field(default_factory=dict)


def build(
    profile: Database, recommender: Database, models: Path, args: argparse.Namespace
) -> World:
    """Both databases and a trained version, as described in the module docstring."""
    rng = random.Random(args.seed)
    world = World()
    upgrade(load("profile"), profile.url)
    upgrade(load("recommender"), recommender.url)
    with recommender.session_scope() as session:
        for course_id in tqdm(range(1, args.courses + 1), desc="courses", leave=False):
            sector = rng.randrange(len(SECTORS))
            occupation = rng.choice(occupations(sector))
            publish_course(
                session, course_body(course_id, sector, occupation, rng.randint(1, 4), rng)
            )
            world.by_sector.setdefault(sector, []).append(course_id)
            world.by_occupation.setdefault(occupation, []).append(course_id)
    people, views = [], []
    for learner_id in range(1, args.learners + 1):
        sector = rng.randrange(len(SECTORS))
        goal = Goal(sector, rng.choice(occupations(sector)), rng.randint(1, 3))
        current = rng.choice(occupations(rng.randrange(len(SECTORS))))
        world.goals[learner_id] = goal
        people.append({
            "id": learner_id, "name": f"Learner {learner_id}",
            "email": f"learner{learner_id}@example.org", "postcode": "PR1 2HE",
            "age_band": "24+", "occupation_code": current, "rqf_level": goal.rqf_level,
            "goal_occupations": [goal.occupation], "goal_sectors": [SECTORS[goal.sector]],
            "email_consent": True,
        })  # fmt: skip
        views.append(
            {
                "learner_id": learner_id,
                "updated_at": utcnow(),
                "attributes": learner_attributes(goal, current, rng),
            }
        )
    with profile.session_scope() as session:
        session.execute(insert(Learner), people)
    with recommender.session_scope() as session:
        session.execute(insert(LearnerView), views)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    now = utcnow()
    chunk = 50_000
    with tqdm(total=args.history, desc="past interactions", leave=False) as progress:
        for start in range(1, args.history + 1, chunk):
            rows = []
            for interaction_id in range(start, min(start + chunk, args.history + 1)):
                learner_id = rng.randint(1, args.learners)
                rows.append({
                    "id": interaction_id, "learner_id": learner_id,
                    "course_id": past_course(world, world.goals[learner_id], args.courses, rng),
                    "kind": rng.choices(kinds, weights)[0], "source": "web",
                    "occurred_at": now - timedelta(minutes=rng.randint(60, 365 * 24 * 60)),
                })  # fmt: skip
            with profile.session_scope() as session:
                session.execute(insert(Interaction), rows)
            for row in rows:
                row["interaction_id"] = row.pop("id")
                del row["source"]
            with recommender.session_scope() as session:
                session.execute(insert(InteractionView), rows)
            progress.update(len(rows))
    with recommender.session_scope() as session:
        training.train_version(session, ModelStore(models), training.TrainingRun(DEFAULT_PARAMS))
    return world


def past_course(world: World, goal: Goal, courses: int, rng: random.Random) -> int:
    """Mostly courses toward the learner's goal (occupation, then sector), some at random."""
    draw = rng.random()
    if draw < 0.3 and world.by_occupation.get(goal.occupation):
        return rng.choice(world.by_occupation[goal.occupation])
    if draw < 0.75 and world.by_sector.get(goal.sector):
        return rng.choice(world.by_sector[goal.sector])
    return rng.randint(1, courses)


# --- processes and watchers ------------------------------------------------------------------


@contextmanager
def processes(commands: list[list[str]], env: dict, logs: Path) -> Iterator[None]:
    """`routeways <command>` for each command (output to a file in `logs`); terminated after."""
    started = []
    try:
        for command in commands:
            log = (logs / f"{'-'.join(command)}.log").open("ab")
            process = subprocess.Popen([*CLI, *command], env=env, stdout=log, stderr=log)
            started.append((process, log))
        yield
    finally:
        for process, _log in started:
            process.terminate()
        for process, log in started:
            process.wait(timeout=30)
            log.close()
            if process.returncode not in (0, -15):
                tail = Path(log.name).read_text(errors="replace")[-2000:]
                print(f"{process.args[3:]} exited {process.returncode}:\n{tail}")


class Arrivals(threading.Thread):
    """Stamps each entry of `stream` when it arrives: `seen[key] = (time.time(), tag)` for
    `key_of(fields) -> (key, tag) | None`. With `group`, reads as a consumer-group member does
    (XREADGROUP with the consumer's batch size and block time, then XACK); without, as a
    subscriber watching the stream (XREAD from the start)."""

    def __init__(
        self,
        redis_url: str,
        stream: str,
        key_of: Callable[[dict], tuple | None],
        group: str | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(redis_url, client_name=WATCHER)
        self.stream, self.key_of, self.group = stream, key_of, group
        self.seen: dict = {}
        self.stop = threading.Event()
        if group is not None:
            self.client.xgroup_create(stream, group, id="0", mkstream=True)

    def run(self) -> None:
        policy, last = ConsumerPolicy(), "0-0"
        while not self.stop.is_set():
            if self.group is None:
                reply = self.client.xread({self.stream: last}, count=100, block=200)
            else:
                reply = self.client.xreadgroup(
                    self.group, "bench", {self.stream: ">"},
                    count=policy.batch_size, block=policy.block_ms,
                )  # fmt: skip
            arrived = time.time()
            for _stream, messages in reply or []:
                for message_id, fields in messages:
                    last = as_text(message_id)
                    if self.group is not None:
                        self.client.xack(self.stream, self.group, message_id)
                    found = self.key_of(fields)
                    if found is not None and found[0] not in self.seen:
                        self.seen[found[0]] = (arrived, found[1])


def interaction_update(fields: dict) -> tuple[int, str] | None:
    """(learner id, event id) of a `recommendations.updated` caused by an interaction."""
    envelope = json.loads(fields[b"envelope"])
    if envelope["type"] != UPDATED or envelope["payload"]["reason"] != "interaction":
        return None
    return envelope["payload"]["learner_id"], envelope["id"]


def hop_number(fields: dict) -> tuple[int, None]:
    return int(fields[b"n"]), None


def wait_for(condition: Callable[[], bool], what: str, logs: Path, timeout: float = 120) -> None:
    """Wait until `condition()`; past `timeout`, show the processes' logs and give up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            for log in sorted(logs.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}")
            raise TimeoutError(f"{what}: not ready within {timeout}s")
        time.sleep(0.1)


# --- freshness: ours and bare ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    learner_id: int
    interaction_id: int
    committed: float  # time.time() when the commit returned


def paced(count: int, rate: float) -> Iterator[int]:
    """0..count-1, the n-th yielded no earlier than n / rate seconds after the first."""
    started = time.perf_counter()
    for n in range(count):
        pause = started + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        yield n


def ours_round(
    profile: Database,
    recommender: Database,
    learners: list[int],
    rate: float,
    watch: Arrivals,
    desc: str,
) -> list[Sample]:
    """Per learner, "completed" on their current first course, recorded and committed through
    the profile service's domain code, at `rate`/s; then waits for their events."""
    samples = []
    for n in tqdm(paced(len(learners), rate), total=len(learners), desc=desc, leave=False):
        learner_id = learners[n]
        with recommender.session_scope() as session:
            first = session.get(LearnerTopCourses, learner_id).course_ids[0]
        new = interactions.NewInteraction(
            course_id=first, kind="completed", source="web", occurred_at=utcnow(),
            client_ref=f"bench-{uuid.uuid4().hex[:16]}",
        )  # fmt: skip
        with profile.session_scope() as session:
            interaction, _ = interactions.record_interaction(session, learner_id, new)
            interaction_id = interaction.id
        samples.append(Sample(learner_id, interaction_id, time.time()))
    deadline = time.time() + ARRIVAL_TIMEOUT
    while time.time() < deadline and any(s.learner_id not in watch.seen for s in samples):
        time.sleep(0.02)
    return samples


def bare_round(
    client: redis.Redis, stream: str, numbers: range, rate: float, watch: Arrivals, desc: str
) -> tuple[list[float], int]:
    """One XADD per number at `rate`/s, each read by `watch`; (latencies in ms, missing)."""
    payload = {
        "learner_id": 1,
        "model_version": "als-bench",
        "reason": "interaction",
        "top_course_ids": list(range(1, 11)),
    }
    envelope = make_event(UPDATED, 1, payload, producer="recommender").to_json()
    sent = {}
    for n in tqdm(paced(len(numbers), rate), total=len(numbers), desc=desc, leave=False):
        sent[numbers[n]] = time.time()
        client.xadd(stream, {"envelope": envelope, "n": numbers[n]})
    deadline = time.time() + ARRIVAL_TIMEOUT
    while time.time() < deadline and any(n not in watch.seen for n in sent):
        time.sleep(0.01)
    latencies = [(watch.seen[n][0] - at) * 1000 for n, at in sent.items() if n in watch.seen]
    return latencies, len(sent) - len(latencies)


STAGES = (
    "profile relay: commit -> XADD (poll wait)",
    "consumer: XADD -> inbox row",
    "handler: record interaction",
    "handler: announce (rank top 10, outbox row)",
    "commit + recommender relay -> XADD (poll wait)",
    "stream -> subscriber (XADD -> XREAD)",
)


def timings(
    profile: Database, recommender: Database, samples: list[Sample], watch: Arrivals
) -> tuple[list[dict[str, float]], int]:
    """Per sample whose event arrived: the total (ms, commit -> readable on the stream), the
    relay's own `published_at` (ms from commit) and each stage (ms) from the rows the path
    left: the profile outbox row's `published_at`, the recommender inbox row's `handled_at`,
    the learner's `LearnerTopCourses.updated_at` (the moment `announce` began) and the
    recommender outbox row's `occurred_at` (its event made) and `published_at`. Also how many
    samples saw no event."""
    with profile.session_scope() as session:
        relayed = {
            row.payload["interaction_id"]: (row.event_id, row.published_at.timestamp())
            for row in session.scalars(select(ProfileOutbox).where(ProfileOutbox.type == RECORDED))
        }
    with recommender.session_scope() as session:
        query = select(InboxEntry.event_id, InboxEntry.handled_at)
        handled = {event_id: at for event_id, at in session.execute(query)}
        query = select(RecommenderOutbox).where(RecommenderOutbox.type == UPDATED)
        announced = {
            row.event_id: (row.occurred_at.timestamp(), row.published_at.timestamp())
            for row in session.scalars(query)
            if row.published_at is not None
        }
        query = select(LearnerTopCourses.learner_id, LearnerTopCourses.updated_at)
        ranked = {learner_id: at for learner_id, at in session.execute(query)}
    rows = []
    for sample in samples:
        if sample.learner_id not in watch.seen:
            continue
        arrived, event_id = watch.seen[sample.learner_id]
        made, published = announced[event_id]
        consumed_id, relayed_at = relayed[sample.interaction_id]
        picked, rank_start = handled[consumed_id].timestamp(), ranked[sample.learner_id].timestamp()
        marks = [sample.committed, relayed_at, picked, rank_start, made, published, arrived]
        row = {
            stage: (b - a) * 1000 for stage, a, b in zip(STAGES, marks[:-1], marks[1:], strict=True)
        }
        row["learner_id"] = sample.learner_id
        row["total"] = (arrived - sample.committed) * 1000
        row["relay published_at"] = (published - sample.committed) * 1000
        rows.append(row)
    return rows, len(samples) - len(rows)


def freshness(
    poll: float,
    pools: list[list[int]],
    warmups: list[list[int]],
    databases: tuple[Database, Database],
    env: dict,
    logs: Path,
    args: argparse.Namespace,
) -> dict:
    """Relays polling every `poll` s. Per round: bus processes started afresh, the recommender
    relay a random part of a poll interval after the profile relay (the phase between the two
    relays' polls is arbitrary in production and fixed while they run, so each round samples
    one), a warm-up, ours, the processes stopped, then bare."""
    profile, recommender = databases
    redis_url = env["REDIS_URL"]
    client = redis.Redis.from_url(redis_url)
    env = {**env, "ROUTEWAYS_RELAY_POLL_SECONDS": str(poll)}
    phase = random.Random(args.seed + int(poll * 1000))
    bare_stream = f"bench:hop:{poll}"
    rounds, samples, bare, bare_missing, offset = [], [], [], 0, args.warmup
    with (
        watching(Arrivals(redis_url, stream_name("recommender"), interaction_update)) as ours,
        watching(Arrivals(redis_url, bare_stream, hop_number, group="bench")) as hop,
    ):
        bare_round(client, bare_stream, range(args.warmup), args.rate, hop, f"{poll}s bare warm-up")
        for number, (learners, warmup) in enumerate(zip(pools, warmups, strict=True), start=1):
            label = f"round {number}/{len(pools)}"
            delay = phase.uniform(0, poll)
            started = time.perf_counter()
            with processes([["relay", "profile"], ["consume", "recommender"]], env, logs):
                time.sleep(delay)
                with processes([["relay", "recommender"]], env, logs):
                    wait_for(lambda: ready(client, databases), "the relays and the consumer", logs)
                    ours_round(profile, recommender, warmup, args.rate, ours, f"{poll}s warm-up")
                    done = ours_round(
                        profile, recommender, learners, args.rate, ours, f"{poll}s ours {label}"
                    )
                    deadline = time.time() + ARRIVAL_TIMEOUT  # stragglers: late, not missing
                    while time.time() < deadline and any(
                        s.learner_id not in ours.seen for s in done
                    ):
                        time.sleep(0.05)
            samples += done
            rounds.append({
                "path": "ours", "round": number, "samples": len(done),
                "recommender_relay_started_after_s": round(delay, 3),
                "seconds_with_start_and_warmup": round(time.perf_counter() - started, 1),
            })  # fmt: skip
            numbers = range(offset, offset + len(learners))
            offset += len(learners)
            started = time.perf_counter()
            latencies, missing = bare_round(
                client, bare_stream, numbers, args.rate, hop, f"{poll}s bare {label}"
            )
            bare += latencies
            bare_missing += missing
            rounds.append({
                "path": "bare", "round": number, "samples": len(numbers),
                "seconds": round(time.perf_counter() - started, 1),
            })  # fmt: skip
    rows, missing = timings(profile, recommender, samples, ours)
    late = sum(
        1
        for s in samples
        if s.learner_id in ours.seen and ours.seen[s.learner_id][0] - s.committed > ARRIVAL_TIMEOUT
    )
    totals = [row["total"] for row in rows]
    by_learner = {row["learner_id"]: row["total"] for row in rows}
    per_round = [
        percentiles([by_learner[n] for n in pool if n in by_learner], ("p50", "p95"))
        for pool in pools
    ]
    stages_ms = {stage: percentiles([r[stage] for r in rows], ("p50", "p95")) for stage in STAGES}
    return {
        "relay_poll_seconds": poll,
        "rounds": rounds,
        "ours": {
            "what": "profile commit -> recommendations.updated readable on the stream (XREAD)",
            "samples": len(samples),
            "events_missing": missing,
            "events_later_than_5s": late,
            "latency_ms": percentiles(totals),
            "latency_ms_per_round": per_round,
            "commit_to_relay_published_at_ms": percentiles([r["relay published_at"] for r in rows]),
            "stages_ms": stages_ms,
            "meets_target_p95": bool(totals) and percentiles(totals)["p95"] <= TARGET_MS,
        },
        "bare": {
            "what": "XADD -> XREADGROUP (batch 20, block 1000 ms) in a thread of this process",
            "samples": len(bare) + bare_missing,
            "missing": bare_missing,
            "latency_ms": percentiles(bare),
        },
    }


def ready(client: redis.Redis, databases: tuple[Database, Database]) -> bool:
    """Both relays have checked in (their checkpoint rows) and published what was waiting,
    and the consumer blocks in XREADGROUP."""
    for database, model in zip(databases, (ProfileCheckpoint, RecommenderCheckpoint), strict=True):
        with database.session_scope() as session:
            if session.scalar(select(func.count()).select_from(model)) == 0:
                return False
    with databases[1].session_scope() as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(RecommenderOutbox)
            .where(RecommenderOutbox.published_at.is_(None))
        )
    return waiting == 0 and any(
        c.get("cmd") == "xreadgroup" and c.get("name") != WATCHER for c in client.client_list()
    )


@contextmanager
def watching(watch: Arrivals) -> Iterator[Arrivals]:
    watch.start()
    try:
        yield watch
    finally:
        watch.stop.set()
        watch.join(timeout=5)


def percentiles(values: list[float], which: tuple[str, ...] = ("p50", "p95", "p99")) -> dict:
    """Percentiles of `values` (ms), interpolated (statistics.quantiles, inclusive), and the
    maximum with p99."""
    out: dict = {"n": len(values)}
    if len(values) >= 2:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        out.update({name: round(cuts[int(name[1:]) - 1], 1) for name in which})
    else:
        out.update(dict.fromkeys(which, round(values[0], 1) if values else None))
    if "p99" in which:
        out["max"] = round(max(values), 1) if values else None
    return out


# --- serving: a new course appears, a withdrawn one is gone ----------------------------------


def answer(http: requests.Session, url: str) -> tuple[list[int], float, float]:
    """(course ids, request ms, time.time() when the answer was in)."""
    started = time.perf_counter()
    response = http.get(url, timeout=60)
    response.raise_for_status()
    done = time.time()
    return (
        [item["course_id"] for item in response.json()["items"]],
        (time.perf_counter() - started) * 1000,
        done,
    )


def withdraw(recommender: Database, course_id: int) -> None:
    with recommender.session_scope() as session:
        read_model.record_course_withdrawn(session, course_id, 1 + course_id % PROVIDERS, utcnow())


def unfiltered_rank(recommender: Database, models: Path, learner_id: int, body: dict) -> int | None:
    """Where (0-based) the serving code would rank the course `body` in the learner's top 50
    once published, None if not there: checked in a transaction that is rolled back, with a
    `Recommender` of its own (so no process's cached course index ever sees the course)."""
    horizon = RecommenderSettings.from_env().start_horizon_days
    with recommender.sessions() as session:
        publish_course(session, body)
        session.flush()
        snapshot = Recommender(ModelStore(models)).snapshot(session)
        now = utcnow()
        top = recommend(session, snapshot, learner_id, Request(n=50), now.date(), horizon, now)
        session.rollback()
    ids = [s.course_id for s in top]
    return ids.index(body["id"]) if body["id"] in ids else None


def serving(
    recommender: Database,
    world: World,
    learners: list[int],
    args: argparse.Namespace,
    env: dict,
    logs: Path,
    models: Path,
) -> dict:
    """Per learner: a plain GET (the baseline); a new course toward their goal, taught
    "blended" (every other course is online), committed; GETs of their answer narrowed to
    blended courses (`?mode=blended`), back to back, until it names the course; then the
    course withdrawn and the very next narrowed GET checked, and the first course of their
    plain answer withdrawn and the very next plain GET checked. The first `SERVING_WARMUP`
    learners are not counted.

    Why narrowed: on this data a new course does not reach an established learner's plain top
    10 (the rolled-back check below says where it would rank), so the plain answer cannot show
    when it became visible; the narrowed answer comes from the same course index, rebuilt on
    the same stamp, and holds the course as soon as the index does."""
    port = embedded_redis.free_port()
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()
    plain, appear, gone, polls, ranks = [], [], [], [], []
    violations = checks = misses = 0
    next_course = args.courses + 1
    with processes([["serve", "recommender", "--port", str(port)]], env, logs):
        wait_for(lambda: _answers(http, f"{base}/healthz"), "the recommender serving", logs)
        for learner_id in learners[:SERVING_WARMUP]:  # both workers load the model and index
            for _ in range(4):
                answer(http, f"{base}/learners/{learner_id}/recommendations")
        for n, learner_id in enumerate(tqdm(learners, desc="new / withdrawn", leave=False)):
            measured = n >= SERVING_WARMUP
            url = f"{base}/learners/{learner_id}/recommendations"
            narrowed = f"{url}?mode=blended"
            before, ms, _at = answer(http, url)
            goal = world.goals[learner_id]
            course_id, next_course = next_course, next_course + 1
            body = course_body(
                course_id, goal.sector, goal.occupation, goal.rqf_level + 1, random.Random(n)
            )
            body["delivery_mode"] = "blended"
            rank = unfiltered_rank(recommender, models, learner_id, body) if measured else None
            with recommender.session_scope() as session:
                publish_course(session, body)
            committed, tries, seen = time.time(), 0, None
            while time.time() - committed < APPEAR_TIMEOUT:
                ids, _ms, at = answer(http, narrowed)
                tries += 1
                if course_id in ids:
                    seen = at
                    break
            withdrawals = [(course_id, narrowed)] if seen else []
            withdrawals.append((before[0], url))
            if seen is None:
                withdraw(recommender, course_id)  # not in the answer: nothing to check
            for withdrawn, asked in withdrawals:
                withdraw(recommender, withdrawn)
                after, request_ms, _at = answer(http, asked)
                if measured:
                    checks += 1
                    violations += withdrawn in after
                    gone.append(request_ms)
            if measured:
                plain.append(ms)
                polls.append(tries)
                ranks.append(rank)
                misses += seen is None
                if seen is not None:
                    appear.append((seen - committed) * 1000)
            time.sleep(0.1)
    top10 = sum(1 for r in ranks if r is not None and r < 10)
    return {
        "what": "new course committed to the read model -> first GET "
        "/learners/<id>/recommendations?mode=blended (gunicorn, 2 workers x 4 threads) naming "
        "it; GETs back to back",
        "samples": len(polls),
        "warmup_samples": SERVING_WARMUP,
        "appeared_ms": percentiles(appear),
        "misses_after_2s": misses,
        "requests_until_seen_mean": round(statistics.mean(polls), 2) if polls else None,
        "plain_request_ms": percentiles(plain),
        "meets_target_p95": bool(appear) and percentiles(appear)["p95"] <= TARGET_MS,
        "new_course_in_plain_answer": {
            "what": "where the serving code ranks the new course in the learner's plain answer "
            "(rolled-back check before publishing)",
            "top_10": top10,
            "top_11_to_50": sum(1 for r in ranks if r is not None and r >= 10),
            "below_50": sum(1 for r in ranks if r is None),
        },
        "withdrawn": {
            "what": "the new course (narrowed answer) and the plain answer's first course "
            "withdrawn; the very next GET must not name it",
            "checks": checks,
            "violations": violations,
            "next_request_ms": percentiles(gone),
        },
    }


def _answers(http: requests.Session, url: str) -> bool:
    """Whether `url` answers OK now; not yet if it refuses or is too slow (a starting
    gunicorn on a loaded machine can take over 2 s to answer its first request)."""
    try:
        return http.get(url, timeout=2).ok
    except (requests.ConnectionError, requests.Timeout):
        return False


# --- run ------------------------------------------------------------------------------------


@contextmanager
def bench_lock() -> Iterator[float]:
    """Hold /tmp/routeways-bench.lock (waiting for it); yields the seconds waited."""
    with LOCK.open("a") as handle:
        started = time.monotonic()
        print(f"waiting for {LOCK} ...", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def table(results: dict) -> str:
    head = f"{'relay poll':<11}{'path':<6}{'samples':>8}{'missing':>8}" + "".join(
        f"{name:>8}" for name in ("p50", "p95", "p99", "max")
    )
    lines = [
        "freshness, ms (ours: profile commit -> recommendations.updated readable on the "
        "stream; bare: XADD -> XREADGROUP)",
        head,
    ]
    for run in results["freshness"]:
        for path in ("ours", "bare"):
            figures = run[path]
            lat = figures["latency_ms"]
            missing = figures.get("events_missing", figures.get("missing"))
            lines.append(
                f"{run['relay_poll_seconds']:<11}{path:<6}{figures['samples']:>8}{missing:>8}"
                f"{lat['p50']:>8}{lat['p95']:>8}{lat['p99']:>8}{lat['max']:>8}"
            )
        rounds_p95 = ", ".join(str(r["p95"]) for r in run["ours"]["latency_ms_per_round"])
        lines.append(f"{'':<11}ours p95 per round (one relay phase each): {rounds_p95}")
        verdict = "meets" if run["ours"]["meets_target_p95"] else "MISSES"
        lines.append(
            f"{'':<11}ours p95 {verdict} the target (<= {TARGET_MS:.0f} ms); stages p50/p95:"
        )
        for stage, figures in run["ours"]["stages_ms"].items():
            lines.append(f"{'':<13}{stage:<48}{figures['p50']:>8}{figures['p95']:>8}")
    serve = results["serving"]
    appear, withdrawn, plain = serve["appeared_ms"], serve["withdrawn"], serve["plain_request_ms"]
    ranked = serve["new_course_in_plain_answer"]
    lines += [
        f"new course committed -> in the answer (?mode=blended), ms: n={appear['n']} "
        f"p50 {appear['p50']} p95 {appear['p95']} p99 {appear['p99']} max {appear['max']}; "
        f"misses {serve['misses_after_2s']}; GETs until seen {serve['requests_until_seen_mean']};"
        f" p95 {'meets' if serve['meets_target_p95'] else 'MISSES'} the target",
        f"  plain GET, nothing changed: p50 {plain['p50']} p95 {plain['p95']} ms; the new course "
        f"would rank in the plain top 10 for {ranked['top_10']}, 11-50 for "
        f"{ranked['top_11_to_50']}, below 50 for {ranked['below_50']} learners",
        f"withdrawn -> gone on the very next GET: {withdrawn['checks']} checks, "
        f"{withdrawn['violations']} violations; that GET p50 {withdrawn['next_request_ms']['p50']}"
        f" p95 {withdrawn['next_request_ms']['p95']} ms",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--courses", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=400_000, help="past interactions")
    parser.add_argument("--samples", type=int, default=1_000, help="per path and relay poll")
    parser.add_argument(
        "--rounds", type=int, default=8,
        help="ours/bare turns (A B A B ...); the bus processes start afresh for each",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=int, default=20,
        help="samples not counted: ours after each start of the processes, bare once",
    )  # fmt: skip
    parser.add_argument("--rate", type=float, default=20.0, help="samples per second")
    parser.add_argument("--new-courses", type=int, default=60, help="new-course samples")
    parser.add_argument(
        "--relay-poll", type=float, nargs="+", metavar="SECONDS",
        default=[0.25, 0.05],
        help="ROUTEWAYS_RELAY_POLL_SECONDS of the relays, one freshness run each "
        f"(default: 0.25 and 0.05; the settings' default is {Settings.relay_poll_seconds})",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.relay_poll = list(dict.fromkeys(args.relay_poll))
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (A B A B)")
    per_round = math.ceil(args.samples / args.rounds)
    per_poll = (args.warmup + per_round) * args.rounds
    freshness_learners = len(args.relay_poll) * per_poll
    serving_learners = SERVING_WARMUP + args.new_courses
    if freshness_learners + serving_learners > args.learners:
        parser.error("every sample needs a learner of its own: raise --learners")

    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")  # for this process's later loads and every child
    with ExitStack() as stack:
        stack.enter_context(threadpool_limits(limits=1))
        waited = stack.enter_context(bench_lock())
        started = datetime.now(UTC)
        load_before = os.getloadavg()[0]
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="routeways-bench-")))
        logs = work / "logs"
        logs.mkdir()
        port = embedded_redis.free_port()
        server = embedded_redis.start(port, work / "redis")
        stack.callback(server.wait, timeout=30)
        stack.callback(server.terminate)
        redis_url = f"redis://127.0.0.1:{port}/0"
        models = work / "models"
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "ROUTEWAYS_PROFILE_DATABASE_URL": f"sqlite:///{work / 'profile.sqlite3'}",
            "ROUTEWAYS_RECOMMENDER_DATABASE_URL": f"sqlite:///{work / 'recommender.sqlite3'}",
            "ROUTEWAYS_RECOMMENDER_MODELS_DIR": str(models),
            "ROUTEWAYS_LOG_LEVEL": "WARNING",
        }
        profile = stack.enter_context(Database(env["ROUTEWAYS_PROFILE_DATABASE_URL"]))
        recommender = stack.enter_context(Database(env["ROUTEWAYS_RECOMMENDER_DATABASE_URL"]))

        building = time.perf_counter()
        world = build(profile, recommender, models, args)
        rng = random.Random(args.seed + 1)
        chosen = rng.sample(range(1, args.learners + 1), freshness_learners + serving_learners)
        fresh, course_learners = chosen[:freshness_learners], chosen[freshness_learners:]
        horizon = RecommenderSettings.from_env(env).start_horizon_days
        announced = top_courses.announce_many(
            recommender, recommender_for(models), tqdm(fresh, desc="first tops", leave=False),
            "retrained", horizon,
        )  # fmt: skip
        if announced != len(fresh):
            raise RuntimeError(f"{announced} of {len(fresh)} sampled learners have a top")
        setup_seconds = time.perf_counter() - building
        print(
            f"built in {setup_seconds:.0f} s: {args.learners} learners x {args.courses} courses, "
            f"{args.history} past interactions, ALS trained; {len(fresh)} tops announced"
        )

        runs = []
        for k, poll in enumerate(args.relay_poll):
            mine = iter(fresh[k * per_poll : (k + 1) * per_poll])
            warmups, pools = [], []
            for _round in range(args.rounds):
                warmups.append([next(mine) for _ in range(args.warmup)])
                pools.append([next(mine) for _ in range(per_round)])
            runs.append(freshness(poll, pools, warmups, (profile, recommender), env, logs, args))
        served = serving(recommender, world, course_learners, args, env, logs, models)
        client = redis.Redis.from_url(redis_url)
        results = {
            "measured_at": started.isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            **machine(client),
            "threads": threads(),
            "lock": {"file": str(LOCK), "waited_seconds": round(waited, 1)},
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "target_p95_ms": TARGET_MS,
            "relay_poll_seconds_default_in_settings": Settings.relay_poll_seconds,
            "data": {
                "learners": args.learners,
                "courses": args.courses,
                "past_interactions": args.history,
                "model": "ALS (DEFAULT_PARAMS) trained on the past interactions",
                "sampled_learners_with_a_top": len(fresh),
                "samples_per_path_and_poll": per_round * args.rounds,
                "rounds": args.rounds,
                "warmup": f"{args.warmup} ours samples after each start of the bus processes, "
                f"{args.warmup} bare samples before the first round",
                "relay_batch_size": 200,
                "consumer_batch_size_and_block_ms": [
                    ConsumerPolicy().batch_size,
                    ConsumerPolicy().block_ms,
                ],
                "rate_per_second": args.rate,
                "setup_seconds": round(setup_seconds, 1),
                "database": "SQLite (WAL), one file per service",
                "seed": args.seed,
            },
            "freshness": runs,
            "serving": served,
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "recommender_freshness.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"{args.learners} learners x {args.courses} courses, {args.history} past interactions; "
        f"{per_round * args.rounds} samples per path and poll at {args.rate}/s in "
        f"{args.rounds} rounds (+{args.warmup} warm-up each); "
        f"OPENBLAS_NUM_THREADS={results['threads']['OPENBLAS_NUM_THREADS']}; {results['machine']}"
    )
    print(table(results))


if __name__ == "__main__":
    main()
