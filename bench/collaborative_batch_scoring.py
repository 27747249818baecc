"""What would scoring a batch of learners with one matrix product save, and would it change any
answer? Serving scores one learner as `ImplicitRanker.score_courses` does (the eligible
courses' factors gathered, times the learner's factors: an OpenBLAS sgemv); a batch could score
a chunk of learners at once (learner factors chunk x course factors^T: one sgemm).

On the cached scale model of `recommender_scale` (its stored ALS factors, courses x factors),
for `--sampled` learners of the sample, `--rounds` interleaved rounds (A B A B) of:

- A (serving's way): per learner, `factors[eligible] @ learner` over a random half of the
  courses as the eligible ones (what the filters leave is about that);
- B (one product): `learners[chunk] @ factors.T` per chunk of `--chunk` learners, then the
  same eligible columns taken out;

reporting ms per learner (wall and CPU time of this thread) and how many scores differ in any
bit between A and B, and between two gathers of the same learner over different eligible sets
(sgemv's result for a course depends on where the course falls in the gathered matrix).

    .venv/bin/python bench/collaborative_batch_scoring.py [--sampled 2000 --chunk 200]

Writes bench/results/collaborative_batch_scoring.json (or --output).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import argparse
import json
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import recommender_scale as scale
import synthetic

from services.recommender.ranking.persistence import load_ranker

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale.add_arguments(parser)
    parser.add_argument("--sampled", type=int, default=2000, help="learners scored")
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "collaborative_batch_scoring.json")
    args = parser.parse_args()
    model = scale.ensure(scale.sizes_of(args))
    ranker, learners, _ = load_ranker(model.version_path())
    factors = np.ascontiguousarray(ranker.course_factors)  # (n_courses, f) float32
    users = np.asarray(ranker.model.user_factors)
    rng = np.random.default_rng(args.seed)
    rows = learners.indices(model.sample[: args.sampled].tolist())
    eligible = [np.sort(rng.choice(len(factors), len(factors) // 2, replace=False))
                for _ in range(len(rows))]  # fmt: skip

    def serving_way() -> list[np.ndarray]:
        return [factors[columns] @ users[row] for row, columns in zip(rows, eligible, strict=True)]

    def one_product() -> list[np.ndarray]:
        out = []
        for start in range(0, len(rows), args.chunk):
            block = users[rows[start : start + args.chunk]] @ factors.T  # (chunk, n_courses)
            out += [block[i][eligible[start + i]] for i in range(block.shape[0])]
        return out

    rounds = []
    for number in range(1, args.rounds + 1):
        for path, run in (("A", serving_way), ("B", one_product)):
            cpu, started = time.thread_time(), time.perf_counter()
            run()
            wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
            rounds.append({"round": number, "path": path,
                           "wall_ms_per_learner": round(wall * 1000 / len(rows), 4),
                           "cpu_ms_per_learner": round(cpu * 1000 / len(rows), 4)})  # fmt: skip
            print(rounds[-1], flush=True)
    a, b = serving_way(), one_product()
    differ = sum(int(np.sum(x != y)) for x, y in zip(a, b, strict=True))
    moved = 0
    for row, columns in zip(rows[:200], eligible[:200], strict=True):
        tail = columns[1:]  # the same courses but the first: every other shifts one place
        moved += int(np.sum((factors[tail] @ users[row]) != (factors[columns] @ users[row])[1:]))
    median = {p: statistics.median(r["wall_ms_per_learner"] for r in rounds if r["path"] == p)
              for p in "AB"}  # fmt: skip
    results = {
        "benchmark": "collaborative scores: per-learner gather + sgemv vs one sgemm per chunk",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": scale.sizes_of(args).to_dict(),
        "factors": list(factors.shape),
        "learners": len(rows),
        "chunk": args.chunk,
        "machine": synthetic.machine(),
        "rounds": rounds,
        "median_wall_ms_per_learner": median,
        "ratio_A_over_B": round(median["A"] / median["B"], 2),
        "scores_compared": int(sum(len(x) for x in a)),
        "scores_differing_A_vs_B": differ,
        "scores_differing_after_shifting_the_gather_by_one": moved,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in list(results)[-5:]}, indent=2))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
