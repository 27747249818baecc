"""What does refreshing one learner's factors and then recommending cost, next to the bare
implicit recommend for the same learner?

Data: the cached read model and ALS version of `recommender_scale` (built on first use),
1,000,000 learners x 50,000 courses x 20,000,000 interactions by default. The version is
loaded as serving loads it (`persistence.load_ranker`: user factors memory-mapped read-only),
with the confidence matrix it was trained on; each learner's whole row is that matrix's row.

In this process, after timing the first refresh alone (it copies the memory-mapped user
factors into memory, once per process) and warming up on learners outside the sample,
interleaved blocks of `--block` learners, the order of the paths rotating per block:

- A (bare): `model.recommend(row, whole_row, N=10, filter_already_liked_items=True)`;
- B (ours): `ranker.refresh_learners([row], whole_row)` (BM25-weights the row as training did,
  then implicit's `partial_fit_users`) + `ranker.recommend([row], whole_row, 10)`;
- C (reference, implicit alone): `model.partial_fit_users([row], weighted_row)` on the row
  weighted beforehand + the bare recommend: what B would cost with no wrapper of ours;
- D (what if): B with the model's num_threads set to 1 for the call (implicit's OpenMP
  parallel region for one learner waits for a second thread on a busy 2-core machine).

Every call under OPENBLAS_NUM_THREADS=1 (ours through `one_blas_thread()`, as the service runs
it); implicit's num_threads as saved (0: all cores). Reports p50/p95/p99 of each, B/A, C/A and
D/A (issue target: B/A <= 2), and B's split between refresh and recommend.

    .venv/bin/python bench/recommender_incremental.py [--samples 2000 --block 20]

Every full-size run holds /tmp/routeways-bench.lock (flock) while it builds and measures.
Writes bench/results/recommender_incremental.json (or --output).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import json
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import recommender_scale as scale
import synthetic
from tqdm import tqdm

from services.recommender.ranking.algorithms import ImplicitRanker
from services.recommender.ranking.matrix import with_shape
from services.recommender.ranking.persistence import load_ranker

RESULTS = Path(__file__).parent / "results"
TARGET_RATIO = 2.0


def measure(args: argparse.Namespace, model: scale.ScaleModel) -> dict:
    ranker, learners, _ = load_ranker(model.version_path())
    if not isinstance(ranker, ImplicitRanker):
        raise TypeError("the benchmark expects a factor model")
    bare_model = ranker.model
    user_items = model.confidence()
    sample = model.sample[: args.samples].tolist()
    rng = np.random.default_rng(args.seed + 3)
    outside = np.setdiff1d(np.arange(1, args.learners + 1), model.sample)
    warm = rng.choice(outside, min(args.warm_up, len(outside)), replace=False).tolist()
    row_of = {lid: learners.index(lid) for lid in sample + warm}
    whole = {lid: user_items[row_of[lid]] for lid in sample + warm}
    weighting = ranker.weighting
    weighted = {
        lid: row if weighting is None else weighting.apply(with_shape(row, 1, ranker.n_courses))
        for lid, row in whole.items()
    }
    mapped = not bare_model.user_factors.flags.writeable

    def bare(learner_id: int) -> Any:
        return bare_model.recommend(
            row_of[learner_id], whole[learner_id], N=10, filter_already_liked_items=True
        )

    def ours(learner_id: int) -> tuple[float, float]:
        rows, row = np.array([row_of[learner_id]]), whole[learner_id]
        started = time.perf_counter()
        ranker.refresh_learners(rows, row)
        refreshed = time.perf_counter()
        ranker.recommend(rows, row, 10)
        return (refreshed - started) * 1000, (time.perf_counter() - refreshed) * 1000

    def ours_one_thread(learner_id: int) -> tuple[float, float]:
        saved, bare_model.num_threads = bare_model.num_threads, 1
        try:
            return ours(learner_id)
        finally:
            bare_model.num_threads = saved

    def implicit_alone(learner_id: int) -> Any:
        bare_model.partial_fit_users(np.array([row_of[learner_id]]), weighted[learner_id])
        return bare(learner_id)

    started = time.perf_counter()
    ours(warm[0])
    first_seconds = time.perf_counter() - started
    for learner_id in tqdm(warm, desc="warm-up", unit="learner"):
        bare(learner_id)
        ours(learner_id)
        implicit_alone(learner_id)
        ours_one_thread(learner_id)
    paths = {"A": bare, "B": ours, "C": implicit_alone, "D": ours_one_thread}
    with synthetic.cpu_accounted() as cpu:
        measured = scale.interleave(sample, args.block, paths)
    a = {lid: ms for lid, ms, _ in measured["A"]}
    b = {lid: ms for lid, ms, _ in measured["B"]}
    c = {lid: ms for lid, ms, _ in measured["C"]}
    d = {lid: ms for lid, ms, _ in measured["D"]}
    split = {lid: parts for lid, _, parts in measured["B"]}
    per_learner = np.array([b[i] / a[i] for i in sample])
    stats = {
        "A_bare_recommend": synthetic.percentiles(list(a.values())),
        "B_refresh_learners_plus_recommend": synthetic.percentiles(list(b.values())),
        "B_of_which_refresh_learners": synthetic.percentiles([split[i][0] for i in sample]),
        "B_of_which_ranker_recommend": synthetic.percentiles([split[i][1] for i in sample]),
        "C_implicit_partial_fit_users_plus_recommend": synthetic.percentiles(list(c.values())),
        "D_ours_with_implicit_num_threads_1": synthetic.percentiles(list(d.values())),
    }
    ratios = _ratios(stats, "B_refresh_learners_plus_recommend")
    return {
        "learners": len(sample),
        "warm_up_learners": len(warm),
        "block": args.block,
        "user_factors_memory_mapped_at_load": mapped,
        "first_refresh_seconds": round(first_seconds, 2),
        "first_refresh_note": "refresh_learners copies the read-only memory-mapped user factors "
        f"({bare_model.user_factors.nbytes / 2**20:.0f} MB) into memory on its first call in a "
        "process; not counted in the samples",
        "bm25_weighting": weighting is not None,
        "implicit_num_threads": int(getattr(bare_model, "num_threads", -1)),
        "latency": stats,
        "ratio_B_over_A": ratios,
        "ratio_C_over_A": _ratios(stats, "C_implicit_partial_fit_users_plus_recommend"),
        "ratio_D_over_A": _ratios(stats, "D_ours_with_implicit_num_threads_1"),
        "per_learner_ratio_B_over_A": {
            "p50": round(float(np.percentile(per_learner, 50)), 2),
            "p95": round(float(np.percentile(per_learner, 95)), 2),
            "p99": round(float(np.percentile(per_learner, 99)), 2),
        },
        "cpu_during_measurement": cpu,
    }


def _ratios(stats: dict, path: str) -> dict[str, float]:
    return {
        key: round(stats[path][key] / stats["A_bare_recommend"][key], 2)
        for key in ("p50_ms", "p95_ms", "p99_ms")
    }


def table(results: dict) -> str:
    figures = results["measured"]
    lines = [f"{'path':<48}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    for name, stats in figures["latency"].items():
        lines.append(
            f"{name:<48}{stats['p50_ms']:>9.3f}{stats['p95_ms']:>9.3f}{stats['p99_ms']:>9.3f}"
        )
    ratio, reference = figures["ratio_B_over_A"], figures["ratio_C_over_A"]
    lines.append(f"{'B / A (target <= 2)':<48}{ratio['p50_ms']:>9}{ratio['p95_ms']:>9}"
                 f"{ratio['p99_ms']:>9}")  # fmt: skip
    lines.append(f"{'C / A (implicit alone)':<48}{reference['p50_ms']:>9}"
                 f"{reference['p95_ms']:>9}{reference['p99_ms']:>9}")  # fmt: skip
    one = figures["ratio_D_over_A"]
    lines.append(f"{'D / A (ours, implicit num_threads=1)':<48}{one['p50_ms']:>9}"
                 f"{one['p95_ms']:>9}{one['p99_ms']:>9}")  # fmt: skip
    lines.append(f"first refresh in the process: {figures['first_refresh_seconds']} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale.add_arguments(parser)
    parser.add_argument("--samples", type=int, default=2000, help="measured learners per path")
    parser.add_argument("--warm-up", type=int, default=200, help="warm-up learners per path")
    parser.add_argument("--block", type=int, default=20, help="learners per A/B/C block")
    parser.add_argument("--output", type=Path, default=RESULTS / "recommender_incremental.json")
    args = parser.parse_args()
    sizes = scale.sizes_of(args)
    results: dict = {
        "benchmark": "recommender incremental: refresh_learners (partial_fit_users) + recommend "
        "vs bare implicit recommend, same learner",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": f"(refresh + recommend) / bare recommend <= {TARGET_RATIO}",
        "sizes": sizes.to_dict(),
        "threads": {
            "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"],
            "ours": "one Python thread; BLAS limited by ranking.algorithms.one_blas_thread() "
            '(threadpool_limits(1, "blas") unless BLAS already runs one thread, as here)',
            "implicit_num_threads": "as saved in the version (0 = all cores)",
        },
    }
    with synthetic.exclusive(not args.no_lock) as lock:
        results["lock"] = lock
        model = scale.ensure(sizes)
        results["data"] = model.meta
        results["machine"] = synthetic.machine()
        results["measured"] = measure(args, model)
    ratio = results["measured"]["ratio_B_over_A"]
    results["summary"] = {
        "ratio_p50": ratio["p50_ms"],
        "ratio_p99": ratio["p99_ms"],
        "meets_target_at_p50": ratio["p50_ms"] <= TARGET_RATIO,
        "meets_target_at_p99": ratio["p99_ms"] <= TARGET_RATIO,
    }
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
