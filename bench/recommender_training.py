"""How much does our `train` task cost beyond a bare implicit ALS fit on the same matrix?

Generates one seeded data set (learners x courses x interactions with structure ALS can learn:
courses in sectors with long-tailed popularity, learners with 1-3 preferred sectors and
long-tailed activity, interaction kinds in a realistic funnel mix, timestamps over two years),
then measures, in this order:

1. matrix build (reported separately from the ratio): our path from interactions to the
   `ConfidenceMatrix`, i.e. the interactions as columns (what the SQL read hands over) through
   `confidence_from_columns`, time and peak RSS; beside it the path training took before
   (`Interaction` objects through `build_confidence_matrix`), checked to build the same
   matrix; optionally the SQL read itself (`training._interaction_columns`) on a smaller
   SQLite read model, extrapolated linearly and labelled so (`--build-only` stops here);
2. warm-up: a small bare fit and a small `fit_version`;
3. A B A B ...: A (bare) `implicit.cpu.als.AlternatingLeastSquares(...).fit` on the BM25-weighted
   training matrix our fit uses (hold-out split and weighting computed once, outside the
   timing); B (ours) `training.fit_version(matrix, ModelStore(tmp), TrainingRun(params), now)`:
   split, BM25 + fit, measure on the 10k-learner sample against popularity, fold the held-out
   courses back, save to disk and activate. Same parameters, same implicit `num_threads`, both
   under `threadpool_limits(1, "blas")` with OPENBLAS_NUM_THREADS=1.

    .venv/bin/python bench/recommender_training.py [--learners 1000000 --courses 50000
        --interactions 20000000 --iterations 30 --factors 128 --rounds 3 --threads 0]

Writes bench/results/recommender_training.json (or --output). Figures depend on the machine
(2 shared cores here). With fewer --iterations than the default the ratio is pessimistic: our
fixed costs (split, measuring, fold-back, save) are then a larger share of the whole.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import gc
import json
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from scipy.sparse import csr_matrix
from synthetic import (
    EXPLORE,
    KIND_MIX,
    KINDS,
    NOW,
    Data,
    columnar_matrix,
    cpu_accounted,
    exclusive,
    generate,
    machine,
    median,
    watched,
)
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from services.recommender import training
from services.recommender.model_store import ModelStore
from services.recommender.ranking.algorithms import (
    DEFAULT_PARAMS,
    Bm25Weighting,
    RankerParams,
)
from services.recommender.ranking.matrix import (
    ConfidenceMatrix,
    ConfidenceRules,
    IdMap,
    Interaction,
    build_confidence_matrix,
)

RESULTS = Path(__file__).parent / "results"
CHUNK = 1_000_000  # rows turned into Interaction objects per tqdm step
WARM_UP_LEARNERS = 20_000


def materialise(data: Data, rows: int) -> list[Interaction]:
    """The first `rows` interactions as the Interaction objects the SQL read produces
    (timezone-aware datetimes, str kinds, int ids)."""
    kinds = np.array(KINDS, dtype=object)
    stamp = partial(datetime.fromtimestamp, tz=UTC)
    out: list[Interaction] = []
    for lo in tqdm(range(0, rows, CHUNK), desc="Interaction objects", unit="M rows"):
        hi = min(lo + CHUNK, rows)
        out.extend(
            map(
                Interaction,
                data.learner[lo:hi].tolist(),
                data.course[lo:hi].tolist(),
                kinds[data.kind[lo:hi]].tolist(),
                map(stamp, data.timestamp[lo:hi].tolist()),
            )
        )
    return out


def same_matrix(a: ConfidenceMatrix, b: ConfidenceMatrix) -> bool:
    return (
        a.learners.to_list() == b.learners.to_list()
        and a.courses.to_list() == b.courses.to_list()
        and all(
            x.shape == y.shape
            and np.array_equal(x.indptr, y.indptr)
            and np.array_equal(x.indices, y.indices)
            and np.array_equal(x.data, y.data)
            for x, y in ((a.confidence, b.confidence), (a.exclusions, b.exclusions))
        )
    )


def matrix_build(data: Data, rows: int, rules: ConfidenceRules) -> tuple[ConfidenceMatrix, dict]:
    """Our path (columns -> confidence_from_columns) on the first `rows` interactions, timed
    with peak RSS; beside it the object path training took before (Interaction objects ->
    build_confidence_matrix), checked to build the same matrix."""
    with watched() as columns_memory:
        started = time.perf_counter()
        matrix = columnar_matrix(data, rows, rules)
        columns_seconds = time.perf_counter() - started
    print(f"  confidence_from_columns: {columns_seconds:.1f} s", flush=True)
    with watched() as objects_memory:
        started = time.perf_counter()
        interactions = materialise(data, rows)
        objects_seconds = time.perf_counter() - started
    print(f"  {rows:,} Interaction objects: {objects_seconds:.1f} s", flush=True)
    with watched() as build_memory:
        started = time.perf_counter()
        reference = build_confidence_matrix(interactions, rules, NOW)
        build_seconds = time.perf_counter() - started
    del interactions
    identical = same_matrix(matrix, reference)
    del reference
    print(f"  build_confidence_matrix: {build_seconds:.1f} s (identical: {identical})", flush=True)
    figures = {
        "rows": rows,
        "ours_columns": {
            "what": "ranking.matrix.confidence_from_columns over the interactions as columns "
            "(what training._interaction_columns reads): np.unique for the id maps, weights "
            "and decay by kind index, grouping by pair, two CSR matrices",
            "seconds": round(columns_seconds, 2),
            **columns_memory.to_dict(),
        },
        "objects_before": {
            "what": "the path training took before: numpy columns -> list of Interaction "
            "(tz-aware datetime, str kind, int ids) -> build_confidence_matrix (which still "
            "builds one learner's row when serving); a lower bound of that read (no database)",
            "interaction_objects_seconds": round(objects_seconds, 2),
            "interaction_objects_memory": objects_memory.to_dict(),
            "build_confidence_matrix_seconds": round(build_seconds, 2),
            "build_confidence_matrix_memory": build_memory.to_dict(),
            "seconds": round(objects_seconds + build_seconds, 2),
            "identical_to_ours": identical,
        },
        "ratio_objects_over_columns": round((objects_seconds + build_seconds) / columns_seconds, 1),
    }
    return matrix, figures


def sql_read(data: Data, rows: int, work: Path) -> dict:
    """training._interaction_columns over a SQLite read model of the first `rows`
    interactions."""
    from sqlalchemy import insert

    from services import load
    from services.recommender.models import InteractionView
    from shared.db import Database
    from shared.migrate import upgrade

    url = f"sqlite:///{work / 'recommender.sqlite3'}"
    upgrade(load("recommender"), url)
    database = Database(url)
    try:
        for lo in tqdm(range(0, rows, 100_000), desc="SQLite read model", unit="100k rows"):
            hi = min(lo + 100_000, rows)
            batch = [
                {"learner_id": learner, "course_id": course, "kind": KINDS[kind],
                 "occurred_at": datetime.fromtimestamp(stamp, UTC)}
                for learner, course, kind, stamp in zip(
                    data.learner[lo:hi].tolist(), data.course[lo:hi].tolist(),
                    data.kind[lo:hi].tolist(), data.timestamp[lo:hi].tolist(), strict=True)
            ]  # fmt: skip
            with database.session_scope() as session:
                session.execute(insert(InteractionView), batch)
        with watched() as memory, database.session_scope() as session:
            started = time.perf_counter()
            read = training._interaction_columns(session)
            seconds = time.perf_counter() - started
        assert len(read) == rows
    finally:
        database.dispose()
    return {
        "what": "training._interaction_columns(session) on SQLite (file on local disk, warm "
        "page cache): SELECT every InteractionView row, in chunks, into numpy columns",
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        **memory.to_dict(),
    }


def bare_fit(weighted: csr_matrix, params: RankerParams) -> float:
    """A: implicit's ALS alone on the already weighted training matrix; seconds."""
    model = AlternatingLeastSquares(
        factors=params.factors,
        regularization=params.regularization,
        alpha=params.alpha,
        iterations=params.iterations,
        num_threads=params.num_threads,
        random_state=params.random_state,
    )
    started = time.perf_counter()
    with threadpool_limits(1, "blas"):
        model.fit(weighted, show_progress=False)
    return time.perf_counter() - started


STAGES = ("hold-out split", "BM25 + fit", "measure", "fold back", "save + activate")


def our_fit(matrix: ConfidenceMatrix, params: RankerParams, work: Path) -> tuple[float, dict]:
    """B: everything the train task does once the matrix exists; seconds and a breakdown.

    Stage edges come from fit_version's `progress` callback ("fitting", "measuring",
    "saving"); the edge between measuring and folding back from a thin timing wrapper around
    training._fold_back (put back afterwards)."""
    marks: list[tuple[str, float]] = []
    original = training._fold_back

    def fold_back(*args: Any, **kwargs: Any) -> Any:
        marks.append(("folding back", time.perf_counter()))
        return original(*args, **kwargs)

    store_root = Path(tempfile.mkdtemp(prefix="store-", dir=work))
    training._fold_back = fold_back
    try:
        started = time.perf_counter()
        version = training.fit_version(
            matrix,
            ModelStore(store_root),
            training.TrainingRun(params),
            NOW,
            progress=lambda stage: marks.append((stage, time.perf_counter())),
        )
        ended = time.perf_counter()
    finally:
        training._fold_back = original
    edges = [started, *(moment for _, moment in marks), ended]
    if [stage for stage, _ in marks] != ["fitting", "measuring", "folding back", "saving"]:
        raise RuntimeError(f"unexpected stages {marks}")
    breakdown = {name: edges[i + 1] - edges[i] for i, name in enumerate(STAGES)}
    saved = sum(f.stat().st_size for f in version.path.rglob("*") if f.is_file())
    details = {
        "breakdown": breakdown,
        "metrics": version.metrics,
        "saved_mb": saved / 2**20,
        "store": store_root,
    }
    return ended - started, details


def warm_up(matrix: ConfidenceMatrix, params: RankerParams, work: Path) -> dict:
    """A small bare fit and a small fit_version (imports, allocator, thread pool, disk)."""
    rows = min(WARM_UP_LEARNERS, len(matrix.learners))
    small = ConfidenceMatrix(
        matrix.confidence[:rows],
        matrix.exclusions[:rows],
        IdMap(matrix.learners.to_list()[:rows]),
        matrix.courses,
    )
    quick = params.with_changes(iterations=2)
    split = training._hold_out(small)
    weighted = Bm25Weighting.learn(
        split.train, params.bm25_k1, params.bm25_b, params.bm25_by
    ).apply(split.train)
    bare = bare_fit(weighted, quick)
    ours, details = our_fit(small, quick, work)
    shutil.rmtree(details["store"])
    return {"learners": rows, "iterations": 2, "bare_seconds": round(bare, 2),
            "ours_seconds": round(ours, 2)}  # fmt: skip


#: A run is "quiet" when other processes took less than this share of the machine meanwhile.
QUIET = 0.05


def quiet_summary(runs: list[dict]) -> dict:
    """Medians and ratio over the quiet runs only (other processes only ever add time), or
    why there are none."""
    quiet = {
        path: [r["seconds"] for r in runs if r["path"] == path and r["others_share"] < QUIET]
        for path in ("A", "B")
    }
    figures: dict = {"threshold_others_share": QUIET, "bare_seconds": quiet["A"],
                     "ours_seconds": quiet["B"], "ratio_ours_over_bare": None}  # fmt: skip
    if quiet["A"] and quiet["B"]:
        figures["ratio_ours_over_bare"] = round(
            statistics.median(quiet["B"]) / statistics.median(quiet["A"]), 3
        )
    else:
        figures["why_none"] = "no quiet run of A or of B"
    return figures


def table(results: dict) -> str:
    build = results["matrix_build"]
    runs = results.get("runs", [])
    before = build["objects_before"]
    lines = [
        f"{'':<34}{'seconds':>10}{'peak RSS +MB':>14}",
        f"{'ours: confidence_from_columns':<34}{build['ours_columns']['seconds']:>10}"
        f"{build['ours_columns']['rss_peak_delta_mb']:>14}",
        f"{'before: Interaction objects':<34}{before['interaction_objects_seconds']:>10}"
        f"{before['interaction_objects_memory']['rss_peak_delta_mb']:>14}",
        f"{'before: build_confidence_matrix':<34}{before['build_confidence_matrix_seconds']:>10}"
        f"{before['build_confidence_matrix_memory']['rss_peak_delta_mb']:>14}",
    ]
    if "sql_read" in results:
        read = results["sql_read"]
        lines.append(f"{'SQL read ' + format(read['rows'], ',') + ' rows':<34}"
                     f"{read['seconds']:>10}{read['rss_peak_delta_mb']:>14}")  # fmt: skip
    if "summary" not in results:  # --build-only
        return "\n".join(lines)
    header = f"{'round':<34}{'seconds':>10}{'peak RSS +MB':>14}{'CPU s':>9}{'others CPU s':>14}"
    lines += ["", header]
    for run in runs:
        lines.append(f"{run['round']}{run['path']:<33}{run['seconds']:>10}"
                     f"{run['rss_peak_delta_mb']:>14}{run['cpu_seconds']:>9}"
                     f"{run['other_processes_cpu_seconds']:>14}")  # fmt: skip
    summary = results["summary"]
    lines += [
        "",
        f"{'median A bare ALS.fit':<34}{summary['bare_median_seconds']:>10}",
        f"{'median B our fit_version':<34}{summary['ours_median_seconds']:>10}",
        f"{'ratio ours / bare (target <= 1.10)':<34}{summary['ratio_ours_over_bare']:>10}",
        f"{'ratio of minimums':<34}{summary['ratio_of_minimums']:>10}",
        f"{'ratio over quiet runs':<34}{summary['quiet_runs']['ratio_ours_over_bare']!s:>10}",
        f"{'ratio of CPU seconds':<34}{summary['ratio_cpu_seconds']:>10}",
        "",
        "breakdown of ours (median seconds, share of ours):",
    ]
    for stage, seconds in summary["ours_breakdown_median_seconds"].items():
        share = summary["ours_breakdown_share"][stage]
        lines.append(f"  {stage:<32}{seconds:>10}{share:>13.1%}")
    return "\n".join(lines)


def write(results: dict, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")


def run(args: argparse.Namespace, results: dict, save: Callable[[], None]) -> None:
    params = DEFAULT_PARAMS.with_changes(
        iterations=args.iterations, factors=args.factors, num_threads=args.threads
    )
    rules = ConfidenceRules()
    results["params"] = params.to_dict()

    print(f"generating {args.learners:,} x {args.courses:,} x {args.interactions:,} ...")
    started = time.perf_counter()
    data = generate(args.learners, args.courses, args.interactions, args.seed)
    results["data"]["generate_seconds"] = round(time.perf_counter() - started, 1)
    results["data"]["sectors"] = data.sectors
    results["data"]["kind_counts"] = dict(
        zip(KINDS, np.bincount(data.kind, minlength=len(KINDS)).tolist(), strict=True)
    )

    rows = len(data) if args.matrix_rows <= 0 else min(args.matrix_rows, len(data))
    print(f"matrix build on {rows:,} interactions:")
    matrix, build = matrix_build(data, rows, rules)
    if rows < len(data):
        scale = len(data) / rows
        build["extrapolated_to_full_size"] = {
            "what": f"EXTRAPOLATED linearly x{scale:.2f} from {rows:,} rows, not measured",
            "ours_columns_seconds": round(build["ours_columns"]["seconds"] * scale),
            "objects_before_seconds": round(build["objects_before"]["seconds"] * scale),
        }
        matrix = columnar_matrix(data, len(data), rules)
    results["matrix_build"] = build
    results["data"]["matrix"] = {
        "learners": len(matrix.learners),
        "courses": len(matrix.courses),
        "positive_pairs": int(matrix.confidence.nnz),
        "excluded_pairs": int(matrix.exclusions.nnz),
    }
    save()

    if args.sql_rows > 0:
        sql_rows = min(args.sql_rows, len(data))
        print(f"SQL read of {sql_rows:,} rows ...")
        results["sql_read"] = sql_read(data, sql_rows, args.work)
        scale = len(data) / sql_rows
        results["sql_read"]["extrapolated_full_size_seconds"] = round(
            results["sql_read"]["seconds"] * scale
        )
        results["sql_read"]["extrapolation"] = (
            f"EXTRAPOLATED linearly x{scale:.0f} to {len(data):,} rows, not measured"
        )
        save()
    del data
    gc.collect()
    if args.build_only:
        results["complete"] = True
        results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        return

    split = training._hold_out(matrix)
    started = time.perf_counter()
    weighting = Bm25Weighting.learn(split.train, params.bm25_k1, params.bm25_b, params.bm25_by)
    weighted = weighting.apply(split.train)
    results["bare_input"] = {
        "what": "the matrix our fit trains on: training._hold_out(matrix).train (one course "
        "per learner with two or more held out), BM25-weighted as ranking.algorithms.fit does; "
        "computed once, outside A's timing (B does both inside its own)",
        "positive_pairs": int(weighted.nnz),
        "held_out_learners": len(split.test_rows),
        "bm25_seconds": round(time.perf_counter() - started, 2),
    }
    del split, weighting

    print("warm-up ...")
    results["warm_up"] = warm_up(matrix, params, args.work)
    save()

    runs: list[dict] = []
    plan = [(r + 1, path) for r in range(args.rounds) for path in ("A", "B")]
    for round_number, path in tqdm(plan, desc="A B rounds", unit="fit"):
        with watched() as memory, cpu_accounted() as cpu:
            if path == "A":
                seconds, details = bare_fit(weighted, params), {}
            else:
                seconds, details = our_fit(matrix, params, args.work)
        if details:
            shutil.rmtree(details["store"])  # outside the timing: the next round starts empty
        entry = {"round": round_number, "path": path, "seconds": round(seconds, 2), **cpu}
        entry["others_share"] = round(  # of the machine's CPU time during the run
            cpu["other_processes_cpu_seconds"] / (seconds * (os.cpu_count() or 1)), 3
        )
        if details:
            entry["breakdown_seconds"] = {k: round(v, 2) for k, v in details["breakdown"].items()}
            entry["saved_mb"] = round(details["saved_mb"])
            results["our_version_metrics"] = details["metrics"]
        runs.append({**entry, **memory.to_dict()})
        tqdm.write(
            f"round {round_number} {path}: {seconds:.1f} s, {cpu['cpu_seconds']} CPU s; "
            f"others used {cpu['other_processes_cpu_seconds']} CPU s meanwhile"
        )
        results["runs"] = runs
        save()

    bare = [r["seconds"] for r in runs if r["path"] == "A"]
    ours = [r["seconds"] for r in runs if r["path"] == "B"]
    by_stage = {
        stage: median([r["breakdown_seconds"][stage] for r in runs if r["path"] == "B"])
        for stage in STAGES
    }
    results["summary"] = {
        "bare_seconds": bare,
        "ours_seconds": ours,
        "bare_median_seconds": median(bare),
        "ours_median_seconds": median(ours),
        "ratio_ours_over_bare": round(statistics.median(ours) / statistics.median(bare), 3),
        "ratio_per_round": [round(b / a, 3) for a, b in zip(bare, ours, strict=True)],
        "ratio_of_minimums": round(min(ours) / min(bare), 3),
        "quiet_runs": quiet_summary(runs),
        "ratio_cpu_seconds": round(
            statistics.median(r["cpu_seconds"] for r in runs if r["path"] == "B")
            / statistics.median(r["cpu_seconds"] for r in runs if r["path"] == "A"),
            3,
        ),
        "other_processes_cpu_seconds_total": round(
            sum(r["other_processes_cpu_seconds"] for r in runs), 1
        ),
        "target": "ours / bare <= 1.10",
        "ours_breakdown_median_seconds": by_stage,
        "ours_breakdown_share": {
            k: round(v / statistics.median(ours), 4) for k, v in by_stage.items()
        },
        "ours_minus_bare_median_seconds": round(statistics.median(ours) - median(bare), 2),
        "peak_rss_mb_any_phase": max(
            [r["rss_peak_mb"] for r in runs]
            + [v["rss_peak_mb"] for v in results["matrix_build"].values() if isinstance(v, dict)
               and "rss_peak_mb" in v]),
    }  # fmt: skip
    results["complete"] = True
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_average_1min"] = round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=20_000_000)
    parser.add_argument("--iterations", type=int, default=DEFAULT_PARAMS.iterations)
    parser.add_argument("--factors", type=int, default=DEFAULT_PARAMS.factors)
    parser.add_argument("--rounds", type=int, default=3, help="A B pairs")
    parser.add_argument("--threads", type=int, default=0, help="implicit num_threads (0 = all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--matrix-rows",
        type=int,
        default=0,
        help="interactions our matrix build is timed on (0 = all; fewer = extrapolated)",
    )
    parser.add_argument(
        "--sql-rows", type=int, default=1_000_000, help="rows in the SQLite read test (0 = skip)"
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="stop after the matrix build and the SQL read (no fits)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "recommender_training.json")
    args = parser.parse_args()

    iterations_note = (
        "iterations as DEFAULT_PARAMS"
        if args.iterations == DEFAULT_PARAMS.iterations
        else f"{args.iterations} iterations instead of DEFAULT_PARAMS' "
        f"{DEFAULT_PARAMS.iterations}: the ratio is PESSIMISTIC, since our fixed costs (split, "
        "measure, fold back, save) do not shrink with iterations while the fit does"
    )
    results: dict = {
        "benchmark": "recommender training: our fit_version vs bare implicit ALS.fit",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": False,
        "machine": machine(),
        "threads": {
            "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"],
            "blas_limit_during_fits": 'threadpool_limits(1, "blas") (A and B)',
            "implicit_num_threads": args.threads,
            "implicit_num_threads_effective": args.threads or os.cpu_count(),
        },
        "data": {
            "learners": args.learners,
            "courses": args.courses,
            "interactions": args.interactions,
            "seed": args.seed,
            "now": NOW.isoformat(),
            "kind_mix": KIND_MIX,
            "explore_share": EXPLORE,
        },
        "iterations_note": iterations_note,
    }
    with (
        exclusive() as lock,
        tempfile.TemporaryDirectory(prefix="routeways-bench-training-") as folder,
    ):
        results["bench_lock"] = lock
        args.work = Path(folder)
        run(args, results, lambda: write(results, args.output))
    write(results, args.output)
    print(table(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
