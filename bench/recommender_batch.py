"""How many learners per second does our batch path (recomputing and announcing every learner's
top courses, as a retrain's digest refresh does) get through, next to implicit's own batch
recommend on the same model and learners?

Data: the cached read model and ALS version of `recommender_scale` (built on first use),
1,000,000 learners x 50,000 courses x 20,000,000 interactions by default. Measured on a
subset (`--subset`, default 20,000 of the sampled learners): at a few ms per learner the
whole million would take hours per round, so figures for a million are EXTRAPOLATED linearly
from the subset and labelled so.

After a warm-up of both paths on learners outside the subset, `--rounds` rounds of:

- A (bare): `model.recommend(rows, user_items[rows], N=10)` for the whole subset in one call
  (implicit batches and threads it itself; `user_items[rows]` sliced before the clock starts),
  run `--bare-repeats` times, the median taken; learners/s;
- B (ours): `top_courses.announce_many(database, recommender, learners, "retrained", 365)` in
  this process against the real read model (SQLite, as the service's default), with the
  process's `Recommender` already loaded (as a worker's is after its first task) and the
  `learner_top_courses` and `outbox_events` tables emptied before each round (outside the
  timing), so every learner's list is new and publishes an event; learners/s, and the
  compute time per learner of each batch of 200 (`top_courses.compute_many`, in a read-only
  transaction, then the moved lists stored in a short one) for p50/p95/p99.

Then a split of B's cost (filters, collaborative, content, SQL reads, storing the list and
the outbox event, commits) from a stage clock over `--profile` learners, per batch of 200 and
per learner, and a cProfile of the same. Ratio B/A of learners per second; issue target >= 0.7.

    .venv/bin/python bench/recommender_batch.py [--subset 20000 --rounds 2]

Every full-size run holds /tmp/routeways-bench.lock (flock) while it builds and measures.
Writes bench/results/recommender_batch.json (or --output).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import recommender_scale as scale
import synthetic
from sqlalchemy import delete, func, select
from sqlalchemy.orm import SessionTransaction
from tqdm import tqdm

from services.recommender import batch_ranking, serving, top_courses
from services.recommender.model_store import ModelStore
from services.recommender.models import LearnerTopCourses, OutboxEvent
from services.recommender.ranking.algorithms import ImplicitRanker
from services.recommender.ranking.persistence import load_ranker
from shared.db import Database

RESULTS = Path(__file__).parent / "results"
TARGET_RATIO = 0.7
HORIZON_DAYS = 365
FULL_SIZE = 1_000_000


def emptied(database: Database) -> None:
    """No announced lists and no outbox rows: every learner of the next round publishes."""
    with database.session_scope() as session:
        session.execute(delete(LearnerTopCourses))
        session.execute(delete(OutboxEvent))


def published(database: Database) -> int:
    with database.session_scope() as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


class ComputeClock:
    """Each batch's `top_courses.compute_many` wall time per learner (ms), by wrapping the
    module function that `announce_many` looks up per batch."""

    def __init__(self) -> None:
        self.ms: list[float] = []

    @contextlib.contextmanager
    def on(self) -> Any:
        original = top_courses.compute_many

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                learners = max(len(args[2]), 1)
                self.ms.append((time.perf_counter() - started) * 1000 / learners)

        top_courses.compute_many = timed
        try:
            yield
        finally:
            top_courses.compute_many = original


def run_rounds(args: argparse.Namespace, model: scale.ScaleModel, database: Database) -> dict:
    ranker, learners, _ = load_ranker(model.version_path())
    if not isinstance(ranker, ImplicitRanker):
        raise TypeError("the benchmark expects a factor model")
    bare_model = ranker.model
    user_items = model.confidence()
    subset = model.sample[: args.subset].tolist()
    rows = learners.indices(subset)
    items = user_items[rows]
    rng = np.random.default_rng(args.seed + 4)
    outside = np.setdiff1d(np.arange(1, args.learners + 1), model.sample)
    warm = rng.choice(outside, min(args.warm_up, len(outside)), replace=False).tolist()
    recommender = serving.Recommender(ModelStore(model.models_dir))
    started = time.perf_counter()
    with database.session_scope() as session:
        recommender.snapshot(session)
    load_seconds = time.perf_counter() - started

    def bare() -> float:
        started = time.perf_counter()
        bare_model.recommend(rows, items, N=10)
        return time.perf_counter() - started

    def ours(learner_ids: list[int]) -> tuple[float, int]:
        emptied(database)
        started = time.perf_counter()
        sent = top_courses.announce_many(
            database, recommender, learner_ids, "retrained", HORIZON_DAYS
        )
        return time.perf_counter() - started, sent

    print("warm-up ...", flush=True)
    warm_rows = learners.indices(warm)
    bare_model.recommend(warm_rows, user_items[warm_rows], N=10)
    ours(warm)
    rounds = []
    clock = ComputeClock()
    for number in tqdm(range(1, args.rounds + 1), desc="A B rounds", unit="round"):
        with synthetic.cpu_accounted() as cpu_a:
            bare_seconds = [bare() for _ in range(args.bare_repeats)]
        seconds = statistics.median(bare_seconds)
        rounds.append({"round": number, "path": "A", "seconds": round(seconds, 3),
                       "repeats_seconds": [round(s, 3) for s in bare_seconds],
                       "learners_per_second": round(len(subset) / seconds), **cpu_a})  # fmt: skip
        with synthetic.cpu_accounted() as cpu_b, clock.on():
            seconds, sent = ours(subset)
        rate = round(len(subset) / seconds, 1)
        rounds.append({"round": number, "path": "B", "seconds": round(seconds, 1),
                       "events_published": sent, "outbox_rows": published(database),
                       "learners_per_second": rate, **cpu_b})  # fmt: skip
        tqdm.write(f"round {number}: A {rounds[-2]['learners_per_second']} learners/s, "
                   f"B {rounds[-1]['learners_per_second']} learners/s")  # fmt: skip
    emptied(database)
    a = statistics.median(r["learners_per_second"] for r in rounds if r["path"] == "A")
    b = statistics.median(r["learners_per_second"] for r in rounds if r["path"] == "B")
    per_learner_ms = 1000 / b
    return {
        "subset_learners": len(subset),
        "warm_up_learners": len(warm),
        "recommender_load_seconds": round(load_seconds, 2),
        "implicit_num_threads": int(getattr(bare_model, "num_threads", -1)),
        "rounds": rounds,
        "A_bare_learners_per_second": a,
        "B_ours_learners_per_second": b,
        "ratio_B_over_A": round(b / a, 5),
        "B_compute_latency": synthetic.percentiles(clock.ms),
        "B_compute_note": "top_courses.compute_many per batch of 200 learners (snapshot check, "
        "two SQL reads, shared filters, serving's scoring per learner), divided by the batch's "
        "learners, in announce_many's read-only transaction",
        "B_storing_and_transactions_ms_per_learner": round(
            per_learner_ms - float(np.mean(clock.ms)), 3
        ),
        "extrapolated_to_full_size": {
            "what": f"EXTRAPOLATED linearly from {len(subset):,} learners to {FULL_SIZE:,}, "
            "not measured",
            "A_bare_seconds": round(FULL_SIZE / a, 1),
            "B_ours_hours": round(FULL_SIZE / b / 3600, 2),
        },
    }


STAGES = (
    (serving.Recommender, "snapshot", "snapshot check (CURRENT file + courses stamp SQL)"),
    (batch_ranking, "read_learners", "SQL: the batch's learner rows + whole histories"),
    (batch_ranking, "_limits", "limits (+ district centroid SQL, once per district)"),
    (batch_ranking, "feasible", "filters: feasible, once per distinct limits"),
    (batch_ranking, "rank_feasible", "ranking: components, blend, best n"),
    (serving, "_components", "  score components"),
    (serving, "_collaborative", "    collaborative top-K"),
    (serving, "confidence_row", "      learner's confidence row"),
    (ImplicitRanker, "score_courses", "      ImplicitRanker.score_courses"),
    (serving, "learner_profile", "    content: profile"),
    (serving, "content_scores", "    content: scores"),
    (serving, "similar_learners_taken", "    similar learners"),
    (serving, "_best", "  best n, diversified"),
    (top_courses, "record_many", "record_many: two reads, moved lists stored, outbox events"),
    (OutboxEvent, "publish", "  outbox event (validate + add)"),
    (SessionTransaction, "commit", "commit (per 200 learners; flush of lists + events)"),
)
BATCH = 200  # learners per announce_many batch (its default)


def split(args: argparse.Namespace, model: scale.ScaleModel, database: Database) -> dict:
    """B's per-learner cost by stage (stage clock), then a cProfile of the same learners."""
    learners = model.sample[args.subset : args.subset + args.profile].tolist()
    if len(learners) < args.profile:
        learners = model.sample[: args.profile].tolist()
    recommender = serving.Recommender(ModelStore(model.models_dir))
    with database.session_scope() as session:
        recommender.snapshot(session)
    emptied(database)
    clock = scale.StageClock()
    original = top_courses.compute_many

    def compute(*arguments: Any, **kwargs: Any) -> Any:
        with clock.call():
            return original(*arguments, **kwargs)

    with contextlib.ExitStack() as patches:
        for owner, attribute, name in STAGES:
            patches.enter_context(clock.patch(owner, attribute, name))
        top_courses.compute_many = compute
        try:
            top_courses.announce_many(
                database, recommender, learners, "retrained", HORIZON_DAYS, BATCH
            )
        finally:
            top_courses.compute_many = original
    emptied(database)
    profiler = cProfile.Profile()
    profiler.enable()
    top_courses.announce_many(database, recommender, learners, "retrained", HORIZON_DAYS)
    profiler.disable()
    emptied(database)
    return {
        "learners": len(learners),
        "stages": clock.summary(),
        "stages_note": f"mean ms per batch of {BATCH} learners (per_learner_ms: divided by "
        f"{BATCH}); indented stages are inside the one above; 'total' is one batch's "
        "top_courses.compute_many; record and the commit run after each batch's compute "
        "(announce_many), outside 'total', so their shares are of the compute total and they "
        "add to it",
        "cprofile_top_cumulative": _profile_lines(profiler, "cumulative", 30),
        "cprofile_top_own_time": _profile_lines(profiler, "tottime", 20),
    }


def _profile_lines(profiler: cProfile.Profile, sort: str, top: int) -> list[str]:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return lines[start:]


def table(results: dict) -> str:
    measured = results["measured"]
    lines = [f"{'round':<8}{'path':<6}{'seconds':>10}{'learners/s':>12}{'others CPU s':>14}"]
    for r in measured["rounds"]:
        others = r["other_processes_cpu_seconds"]
        lines.append(f"{r['round']:<8}{r['path']:<6}{r['seconds']:>10}"
                     f"{r['learners_per_second']:>12}{others:>14}")  # fmt: skip
    latency = measured["B_compute_latency"]
    lines += [
        f"ratio B/A learners/s: {measured['ratio_B_over_A']} (target >= {TARGET_RATIO})",
        f"compute p50 {latency['p50_ms']} p95 {latency['p95_ms']} p99 {latency['p99_ms']} ms",
        f"one million learners, EXTRAPOLATED: bare "
        f"{measured['extrapolated_to_full_size']['A_bare_seconds']} s, ours "
        f"{measured['extrapolated_to_full_size']['B_ours_hours']} h",
        "",
        f"per learner (mean ms of a batch of {BATCH} / {BATCH}, share of its compute):",
    ]
    for name, figures in results["split"]["stages"].items():
        per_learner = figures["mean_ms"] / BATCH
        lines.append(f"  {name:<56}{per_learner:>9.3f}{figures['share_of_total']:>8.1%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale.add_arguments(parser)
    parser.add_argument("--subset", type=int, default=20_000, help="learners per round")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs")
    parser.add_argument("--bare-repeats", type=int, default=3, help="A runs per round (median)")
    parser.add_argument("--warm-up", type=int, default=200, help="warm-up learners")
    parser.add_argument("--profile", type=int, default=1000, help="learners in the split")
    parser.add_argument("--output", type=Path, default=RESULTS / "recommender_batch.json")
    args = parser.parse_args()
    sizes = scale.sizes_of(args)
    results: dict = {
        "benchmark": "recommender batch: top_courses.announce_many vs bare implicit batch "
        "recommend, learners per second",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": f"ours / bare learners per second >= {TARGET_RATIO}",
        "sizes": sizes.to_dict(),
        "threads": {
            "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"],
            "bare": "implicit num_threads as saved (0 = all cores): its batch recommend "
            "uses both cores",
            "ours": "one Python thread; BLAS limited by ranking.algorithms.one_blas_thread() "
            '(threadpool_limits(1, "blas") unless BLAS already runs one thread, as here)',
        },
    }
    with synthetic.exclusive(not args.no_lock) as lock:
        results["lock"] = lock
        model = scale.ensure(sizes)
        results["data"] = model.meta
        results["machine"] = synthetic.machine()
        database = Database(model.url)
        try:
            results["measured"] = run_rounds(args, model, database)
            print("per-learner split of our path ...", flush=True)
            results["split"] = split(args, model, database)
        finally:
            database.dispose()
    results["summary"] = {
        "ratio_B_over_A": results["measured"]["ratio_B_over_A"],
        "meets_target": results["measured"]["ratio_B_over_A"] >= TARGET_RATIO,
    }
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
