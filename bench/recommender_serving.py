"""How fast does GET /learners/{id}/recommendations answer at a million learners, through
gunicorn, next to the bare implicit `model.recommend` on the same model and learners; and how
much memory does the serving process hold for it?

Data: the cached read model and ALS version of `recommender_scale` (built on first use: see its
docstring), 1,000,000 learners x 50,000 courses x 20,000,000 interactions by default.

1. The recommender app runs under gunicorn as `routeways serve recommender` starts it (the
   `services.recommender:create_app()` factory with deploy/gunicorn.conf.py: gthread worker,
   4 threads) but with ONE worker (`--workers 1`), its database and models folder pointed at
   the cache (ROUTEWAYS_RECOMMENDER_DATABASE_URL / _MODELS_DIR), OPENBLAS_NUM_THREADS=1. The
   access log format adds gunicorn's own request time (%(D)s), for a server-side figure.
2. The first request (it loads the version and builds the course index) is timed alone, then
   warm-up requests and bare calls for learners outside the measured sample.
3. Interleaved blocks of `--block` learners, alternating which path goes first:
   A (bare) `model.recommend(row, user_items[row], N=10, filter_already_liked_items=True)` in
   this process on the implicit model of the same version file (user factors memory-mapped as
   the service maps them; `user_items[row]` sliced before the clock starts, so the baseline is
   the model call alone); B (ours) a GET over a keep-alive `requests.Session` with every
   filter on (`--query`), timed from send to the whole body read. Same learners, one sample
   each per path; 10% of them did something after the version was trained (the recalculate
   path); both groups are reported.
4. Memory: the worker's peak RSS (VmHWM) over the run / bytes of user + item factors + one CSR
   copy of the confidence matrix.
5. After gunicorn stops: where the server's time goes, in this process on the same data:
   `serving.recommend` with a stage clock (wrappers timing each step), SQL statements per call,
   then cProfile over the same calls.

    .venv/bin/python bench/recommender_serving.py [--samples 5000 --block 20]
    .venv/bin/python bench/recommender_serving.py --learners 50000 --courses 5000 \\
        --interactions 1000000 --samples 1000 --no-lock     # a small development run

Every full-size run holds /tmp/routeways-bench.lock (flock) while it builds and measures.
Writes bench/results/recommender_serving.json (or --output).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import contextlib
import cProfile
import gc
import io
import json
import pstats
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import psutil
import recommender_scale as scale
import requests
import synthetic
from sqlalchemy import event
from tqdm import tqdm

from services.recommender import serving
from services.recommender.course_index import CourseIndex
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import ImplicitRanker
from services.recommender.ranking.persistence import USER_FACTORS, load_ranker
from shared.db import Database
from shared.events import utcnow

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]
QUERY = "n=10&max_km=40&mode=classroom&route_kind=technical"
TARGET_P99_MS, TARGET_RATIO, TARGET_MEMORY = 10.0, 3.0, 2.0
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(D)s'  # %(D)s: request time in microseconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(model: scale.ScaleModel, port: int, logs: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "ROUTEWAYS_RECOMMENDER_DATABASE_URL": model.url,
        "ROUTEWAYS_RECOMMENDER_MODELS_DIR": str(model.models_dir),
        "OPENBLAS_NUM_THREADS": "1",
        "WEB_CONCURRENCY": "1",
    }
    argv = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--name", "routeways-recommender", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--workers", "1", "--access-logfile", str(logs / "access.log"),
        "--access-logformat", ACCESS_FORMAT, "--error-logfile", str(logs / "error.log"),
        "services.recommender:create_app()",
    ]  # fmt: skip
    master = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                return master
        if master.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(logs / 'error.log').read_text()[-2000:]}")
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 120 s")


def stop_gunicorn(master: subprocess.Popen) -> None:
    master.send_signal(signal.SIGTERM)
    try:
        master.wait(60)
    except subprocess.TimeoutExpired:
        master.kill()
        master.wait()


def worker_pid(master: subprocess.Popen) -> int:
    children = psutil.Process(master.pid).children()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {len(children)}")
    return children[0].pid


def process_memory(pid: int) -> dict[str, float]:
    return {
        field: round(synthetic.status_mb(field, pid), 1)
        for field in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem")
    }


def server_times(access_log: Path) -> list[float]:
    """gunicorn's own request times (ms) of the recommendation requests, in order."""
    times = []
    for line in access_log.read_text().splitlines():
        if "/recommendations" in line:
            times.append(int(line.rsplit(" ", 1)[1]) / 1000)
    return times


def measure_http(args: argparse.Namespace, model: scale.ScaleModel, work: Path) -> dict:
    ranker, learners, _ = load_ranker(model.version_path())
    if not isinstance(ranker, ImplicitRanker):
        raise TypeError("the benchmark expects a factor model")
    bare_model = ranker.model
    user_items = model.confidence()
    sample = model.sample[: args.samples].tolist()
    recalculated = dict(zip(sample, model.recalculated[: args.samples].tolist(), strict=True))
    rng = np.random.default_rng(args.seed + 2)
    outside = np.setdiff1d(np.arange(1, args.learners + 1), model.sample)
    warm = rng.choice(outside, min(args.warm_up, len(outside)), replace=False).tolist()
    row_of = {lid: learners.index(lid) for lid in sample + warm}
    rows = {lid: user_items[row_of[lid]] for lid in sample + warm}

    def bare(learner_id: int) -> Any:
        return bare_model.recommend(
            row_of[learner_id], rows[learner_id], N=10, filter_already_liked_items=True
        )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"starting gunicorn (1 worker) on {base} ...", flush=True)
    master = start_gunicorn(model, port, work)
    http = requests.Session()

    def ours(learner_id: int) -> requests.Response:
        return http.get(f"{base}/learners/{learner_id}/recommendations?{args.query}", timeout=60)

    try:
        pid = worker_pid(master)
        started = time.perf_counter()
        first = ours(warm[0])
        first_seconds = time.perf_counter() - started
        if first.status_code != 200:
            raise RuntimeError(f"first request answered {first.status_code}: {first.text[:500]}")
        memory_after_first = process_memory(pid)
        print(f"first request (loads the version, builds the course index): {first_seconds:.1f} s")
        for learner_id in tqdm(warm, desc="warm-up", unit="learner"):
            bare(learner_id)
            ours(learner_id)
        warm_requests = len(server_times(work / "access.log"))
        worker = psutil.Process(pid)
        worker_cpu = sum(worker.cpu_times()[:2])
        # This process holds the baseline's model and a million-entry id map: a full collection
        # scanning them took about 250 ms and could land inside any timed call, A's or B's.
        # Frozen, they are left out of collections until the timing is over.
        gc.collect()
        gc.freeze()
        try:
            with synthetic.cpu_accounted() as cpu:
                measured = scale.interleave(sample, args.block, {"A": bare, "B": ours})
        finally:
            gc.unfreeze()
        cpu["gunicorn_worker_cpu_seconds"] = round(sum(worker.cpu_times()[:2]) - worker_cpu, 1)
        memory = process_memory(pid)
        master_memory = process_memory(master.pid)
    finally:
        http.close()
        stop_gunicorn(master)
    server = server_times(work / "access.log")[warm_requests:]

    a_ms = {lid: ms for lid, ms, _ in measured["A"]}
    b_ms, items, statuses = {}, {}, {}
    for lid, ms, response in measured["B"]:
        b_ms[lid], statuses[lid] = ms, response.status_code
        items[lid] = len(response.json().get("items", [])) if response.ok else 0
    groups = {
        "all": sample,
        "stored_factors": [lid for lid in sample if not recalculated[lid]],
        "recalculated": [lid for lid in sample if recalculated[lid]],
    }
    by_group = {
        name: {
            "learners": len(ids),
            "A_bare_model_recommend": synthetic.percentiles([a_ms[i] for i in ids]),
            "B_http_get": synthetic.percentiles([b_ms[i] for i in ids]),
            "p99_ratio_B_over_A": _ratio(b_ms, a_ms, ids, "p99_ms"),
            "p50_ratio_B_over_A": _ratio(b_ms, a_ms, ids, "p50_ms"),
            "empty_answers": sum(items[i] == 0 for i in ids),
            "empty_share": round(sum(items[i] == 0 for i in ids) / max(len(ids), 1), 4),
        }
        for name, ids in groups.items()
    }
    factor_bytes = _factor_bytes(model, bare_model, user_items)
    return {
        "gunicorn": {
            "command": "python -m gunicorn --bind 127.0.0.1:PORT --name routeways-recommender "
            "--config deploy/gunicorn.conf.py --workers 1 --access-logfile FILE "
            f"--access-logformat '{ACCESS_FORMAT}' --error-logfile FILE "
            "'services.recommender:create_app()'",
            "workers": 1,
            "threads_per_worker": 4,
            "worker_class": "gthread (threads = 4 in deploy/gunicorn.conf.py)",
        },
        "query": args.query,
        "first_request_seconds": round(first_seconds, 2),
        "warm_up_learners": len(warm),
        "block": args.block,
        "groups": by_group,
        "statuses": _count(statuses.values()),
        "items_per_answer": _count(items.values()),
        "server_side_gunicorn_request_time": synthetic.percentiles(server),
        "client_overhead_note": "B is timed in this process around requests.get: it includes "
        "the loopback HTTP round trip and requests' own work; server_side_gunicorn_request_time"
        " is gunicorn's %(D)s for the same requests",
        "bare_call": "bare_model.recommend(row, user_items[row], N=10, "
        "filter_already_liked_items=True), user_items[row] sliced beforehand (CSR row slicing "
        f"costs {_slice_cost_us(user_items)} us more per call if counted)",
        "implicit_num_threads": int(getattr(bare_model, "num_threads", -1)),
        "cpu_during_measurement": cpu,
        "cpu_note": "other_processes_cpu_seconds includes the gunicorn worker's own CPU "
        "(gunicorn_worker_cpu_seconds): the rest is what other processes took",
        "memory": {
            "worker_pid_status_mb_after_run": memory,
            "worker_after_first_request_mb": memory_after_first,
            "master_mb": master_memory,
            **factor_bytes,
            "ratio_peak_rss_over_factors_plus_csr": round(
                memory["VmHWM"] / factor_bytes["factors_plus_one_csr_mb"], 3
            ),
            "target": f"<= {TARGET_MEMORY}",
            "note": "user factors are memory-mapped read-only (persistence.load_ranker): only "
            "the pages of the learners served count in RSS (RssFile); the serving process holds "
            "no confidence matrix (it builds each learner's row from the read model)",
        },
    }


def _ratio(b: dict, a: dict, ids: list[int], key: str) -> float | None:
    if not ids:
        return None
    pb = synthetic.percentiles([b[i] for i in ids])[key]
    pa = synthetic.percentiles([a[i] for i in ids])[key]
    return round(pb / pa, 2)


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[str(value)] = out.get(str(value), 0) + 1
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def _slice_cost_us(user_items: Any) -> float:
    rows = np.random.default_rng(0).integers(0, user_items.shape[0], 2000)
    started = time.perf_counter()
    for row in rows:
        user_items[row]
    return round((time.perf_counter() - started) / len(rows) * 1e6, 1)


def _factor_bytes(model: scale.ScaleModel, bare_model: Any, user_items: Any) -> dict:
    users = np.load(model.version_path() / USER_FACTORS, mmap_mode="r")
    csr = user_items.data.nbytes + user_items.indices.nbytes + user_items.indptr.nbytes
    total = users.nbytes + bare_model.item_factors.nbytes + csr
    return {
        "user_factors_mb": round(users.nbytes / 2**20, 1),
        "item_factors_mb": round(bare_model.item_factors.nbytes / 2**20, 1),
        "confidence_csr_mb": round(csr / 2**20, 1),
        "factors_plus_one_csr_mb": round(total / 2**20, 1),
    }


# --- where the server's time goes ---------------------------------------------------------------


STAGES = (
    (serving.Recommender, "snapshot", "snapshot check (CURRENT file + courses stamp SQL)"),
    (serving, "recommend", "serving.recommend"),
    (serving.Learner, "read", "  learner row + whole history (2 SQL reads)"),
    (serving, "_limits", "  limits (+ district centroid SQL)"),
    (serving, "feasible", "  hard filters over every course (feasible)"),
    (CourseIndex, "route_kind_mask", "  route kind mask"),
    (serving, "_collaborative", "  collaborative top-K"),
    (serving, "confidence_row", "    learner's confidence row"),
    (ImplicitRanker, "score_courses", "    ImplicitRanker.score_courses (factors x candidates)"),
    (serving, "learner_profile", "  content profile"),
    (serving, "content_scores", "  content scores"),
    (serving, "similar_learners_taken", "  similar learners"),
    (serving, "_best", "  best n, diversified"),
    (serving, "_suggestion", "  suggestions + reasons"),
)


def in_process(args: argparse.Namespace, model: scale.ScaleModel) -> dict:
    """serving.recommend in this process, as the view calls it (one read-only session per
    call)."""
    database = Database(model.url)
    recommender = serving.Recommender(ModelStore(model.models_dir))
    ask = serving.Request(**_typed(dict(parse_qsl(args.query))))
    learners = model.sample[: args.profile].tolist()
    statements = [0]

    @event.listens_for(database.engine, "before_cursor_execute")
    def count(*_: Any) -> None:
        statements[0] += 1

    def call(learner_id: int) -> list[serving.Suggestion]:
        with database.readers() as session:  # the view's read-only session
            snapshot = recommender.snapshot(session)
            now = utcnow()
            return serving.recommend(session, snapshot, learner_id, ask, now.date(), 365, now)

    started = time.perf_counter()
    call(learners[0])
    build_seconds = time.perf_counter() - started
    with database.sessions() as session:
        snapshot = recommender.snapshot(session)
        moved_on = sum(
            serving.Learner.read(session, lid).last_interaction_id
            > snapshot.model.last_interaction_id
            for lid in learners
        )
    for learner_id in learners[:50]:
        call(learner_id)  # warm

    clock = scale.StageClock()
    eligible: list[int] = []
    original_components = serving._components

    def components(snap: Any, learner: Any, rows: np.ndarray, *rest: Any) -> Any:
        eligible.append(len(rows))
        return original_components(snap, learner, rows, *rest)

    with contextlib.ExitStack() as patches:
        for owner, attribute, name in STAGES:
            patches.enter_context(clock.patch(owner, attribute, name))
        serving._components = components
        try:
            statements[0] = 0
            for learner_id in tqdm(learners, desc="stage clock", unit="call"):
                with clock.call():
                    call(learner_id)
            per_call = statements[0] / len(learners)
        finally:
            serving._components = original_components

    profiler = cProfile.Profile()
    profiler.enable()
    for learner_id in learners:
        call(learner_id)
    profiler.disable()
    collections = full_collections()
    database.dispose()
    return {
        "full_collection_ms": collections,
        "calls": len(learners),
        "recalculated_in_profile": int(moved_on),
        "first_call_seconds_load_and_index": round(build_seconds, 2),
        "courses_in_index": len(snapshot.index),
        "eligible_courses_per_call": synthetic.percentiles(eligible) | {"unit": "courses"},
        "sql_statements_per_call": round(per_call, 2),
        "stages": clock.summary(),
        "stages_note": "wall time of each step, wrappers around the functions named (a few us "
        "each); indented stages are inside the one above; serving.recommend minus its stages "
        "is its own code (masks, the blend)",
        "cprofile_top_cumulative": _profile_lines(profiler, "cumulative", 30),
        "cprofile_top_own_time": _profile_lines(profiler, "tottime", 20),
    }


def full_collections(times: int = 5) -> dict[str, Any]:
    """Wall time of `gc.collect()` in this process while it holds the served snapshot: as the
    recommender leaves it (the snapshot frozen out of collections when it was built), and
    unfrozen, as before that; median of `times` each, in ms."""

    def median_ms() -> float:
        seconds = []
        for _ in range(times):
            started = time.perf_counter()
            gc.collect()
            seconds.append(time.perf_counter() - started)
        return round(sorted(seconds)[len(seconds) // 2] * 1000, 2)

    frozen = {"ms": median_ms(), "tracked_objects": len(gc.get_objects())}
    held = gc.get_freeze_count()
    gc.unfreeze()
    unfrozen = {"ms": median_ms(), "tracked_objects": len(gc.get_objects())}
    gc.freeze()
    return {"frozen": frozen | {"frozen_objects": held}, "unfrozen": unfrozen}


def _typed(query: dict[str, str]) -> dict[str, Any]:
    casts = {"n": int, "max_km": float}
    return {k: casts.get(k, str)(v) for k, v in query.items()}


def _profile_lines(profiler: cProfile.Profile, sort: str, top: int) -> list[str]:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return lines[start:]


def table(results: dict) -> str:
    http = results["http"]
    lines = [f"{'group':<16}{'path':<8}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    for name, group in http["groups"].items():
        for path in ("A_bare_model_recommend", "B_http_get"):
            figures = group[path]
            if figures["samples"]:
                lines.append(
                    f"{name:<16}{path[0]:<8}{figures['samples']:>6}{figures['p50_ms']:>9.2f}"
                    f"{figures['p95_ms']:>9.2f}{figures['p99_ms']:>9.2f}"
                )
        lines.append(f"{'':<16}p99 B/A {group['p99_ratio_B_over_A']}, empty {group['empty_share']}")
    server = http["server_side_gunicorn_request_time"]
    lines.append(f"gunicorn's own request time: p50 {server['p50_ms']} p99 {server['p99_ms']} ms")
    memory = http["memory"]
    lines.append(
        f"worker VmHWM {memory['worker_pid_status_mb_after_run']['VmHWM']} MB / factors + CSR "
        f"{memory['factors_plus_one_csr_mb']} MB = {memory['ratio_peak_rss_over_factors_plus_csr']}"
    )
    collections = results["in_process"]["full_collection_ms"]
    lines.append(
        f"a full gc.collect() beside the snapshot: {collections['frozen']['ms']} ms frozen (as "
        f"served), {collections['unfrozen']['ms']} ms unfrozen (this whole process's objects)"
    )
    lines.append("\nwhere serving.recommend's time goes (in process, mean ms per call):")
    for name, figures in results["in_process"]["stages"].items():
        lines.append(f"  {name:<56}{figures['mean_ms']:>9.2f}{figures['share_of_total']:>8.1%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale.add_arguments(parser)
    parser.add_argument("--samples", type=int, default=5000, help="measured learners per path")
    parser.add_argument("--warm-up", type=int, default=300, help="warm-up learners per path")
    parser.add_argument("--block", type=int, default=20, help="learners per A/B block")
    parser.add_argument("--profile", type=int, default=300, help="calls in the in-process split")
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--output", type=Path, default=RESULTS / "recommender_serving.json")
    args = parser.parse_args()
    sizes = scale.sizes_of(args)
    results: dict = {
        "benchmark": "recommender serving: GET /learners/{id}/recommendations through gunicorn "
        "vs bare implicit model.recommend; serving process memory",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets": {
            "http_p99_ms": f"<= {TARGET_P99_MS}",
            "p99_ratio_http_over_bare": f"<= {TARGET_RATIO}",
            "memory_ratio": f"<= {TARGET_MEMORY}",
        },
        "sizes": sizes.to_dict(),
        "threads": {
            "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"],
            "bench_and_gunicorn_env": "OPENBLAS_NUM_THREADS=1 in both processes (the service's "
            "one_blas_thread() then skips threadpool_limits); implicit num_threads as saved (0 = "
            "all cores)",
        },
    }
    with synthetic.exclusive(not args.no_lock) as lock:
        results["lock"] = lock
        model = scale.ensure(sizes)
        results["data"] = model.meta
        results["machine"] = synthetic.machine()
        with tempfile.TemporaryDirectory(prefix="routeways-bench-serving-") as folder:
            results["http"] = measure_http(args, model, Path(folder))
        print("in-process split of serving.recommend ...", flush=True)
        results["in_process"] = in_process(args, model)
    http = results["http"]["groups"]["all"]
    results["summary"] = {
        "http_p99_ms": http["B_http_get"]["p99_ms"],
        "bare_p99_ms": http["A_bare_model_recommend"]["p99_ms"],
        "p99_ratio": http["p99_ratio_B_over_A"],
        "memory_ratio": results["http"]["memory"]["ratio_peak_rss_over_factors_plus_csr"],
        "meets_p99_target": http["B_http_get"]["p99_ms"] <= TARGET_P99_MS,
        "meets_ratio_target": http["p99_ratio_B_over_A"] <= TARGET_RATIO,
        "meets_memory_target": results["http"]["memory"]["ratio_peak_rss_over_factors_plus_csr"]
        <= TARGET_MEMORY,
    }
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
