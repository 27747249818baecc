"""How long does a learner wait for three reskilling routes, on the real taxonomy and a catalogue
of 50,000 courses, next to the one-course recommendations the same process answers?

Data (`route_catalogue`, built once and cached under /tmp/routeways-bench-routes/): the REAL
ESCO / Nesta / O*NET / UK LMI taxonomy and postcode districts copied into a recommender read
model with the services' own code, a GENERATED catalogue of `--courses` courses leading to real
occupations and teaching their real essential skills, and `--learners` GENERATED learners, each
in a real occupation with a real skill-overlap move as their goal. No trained model: as before
the first training, the one-course answer ranks by content and popularity.

1. The course index (`CourseIndex.build`, what a serving process rebuilds after a catalogue
   change) is timed apart, three times.
2. Warm-up: both paths for `route_catalogue.WARM_UP` learners outside the sample.
3. Interleaved per learner, the order alternating (A B, then B A, ...), one session per call as
   a request has, each timed from the snapshot check to the answer:
   A (baseline) `serving.recommend(..., Request(n=10))`, the one-course answer;
   B (ours) `route_planning.plan_routes(..., target_code=None)` with `routes=3` and the default
   limits, then `route_answers.routes_body`: the routes endpoint minus HTTP. B is also
   reported in CPU time of the measuring thread, steadier than wall time on a shared machine.
4. Where B's time goes: a stage clock (module functions wrapped, as bench/recommender_batch.py
   does) over the first `--split` learners of the sample again, then cProfile over the first
   `--profile`.
5. Search statistics from the measured answers: exact searches, searches that reached their
   node budget, candidates kept, routes found, learners without a route and why; then the
   first `--deeper` learners answered "no route" by an inexact search are searched again with
   DEEPER_FACTOR times the budget and the candidates kept per group, to tell routes that do not
   exist from routes not reached.

    .venv/bin/python bench/routes_search.py [--courses 50000 --learners 1000 --seed 7]
    .venv/bin/python bench/routes_search.py --courses 2000 --learners 50 --no-lock  # development
    .venv/bin/python bench/routes_search.py --no-lock --sample 200 --deeper 5  # first 200 only

Every full-size run holds /tmp/routeways-bench.lock (flock) while it builds and measures.
Writes bench/results/routes_search.json (or --output). Issue target: B p99 under 200 ms.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as the others do

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import re
import shlex
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import recommender_scale as scale
import route_catalogue as catalogue
import synthetic
from tqdm import tqdm

from services.recommender import (
    occupations,
    read_model,
    route_answers,
    route_planning,
    route_search,
    serving,
)
from services.recommender.course_index import CourseIndex
from services.recommender.model_store import ModelStore
from services.recommender.route_search import DEFAULT_WEIGHTS, SearchLimits
from services.recommender.settings import RecommenderSettings
from shared.db import Database
from shared.events import utcnow

RESULTS = Path(__file__).parent / "results"
TARGET_P99_MS = 200.0
ROUTES = 3
N = 10
#: The learner's start window, as the service's default ROUTEWAYS_RECOMMENDER_START_HORIZON_DAYS.
HORIZON_DAYS = RecommenderSettings().start_horizon_days
LIMITS = replace(SearchLimits(), routes=ROUTES)
#: How much larger the node budget and the courses kept per group of the deeper second look
#: at "no route" answers are.
DEEPER_FACTOR = 15


@dataclass
class Paths:
    """Both answers for one learner, each in its own session as a request has it."""

    database: Database
    recommender: serving.Recommender
    data: catalogue.RouteData
    #: CPU ms of each B call (this thread's time: what other processes take is not in it).
    routes_cpu_ms: list[float] = field(default_factory=list)

    def one_course(self, learner_id: int) -> list[serving.Suggestion]:
        """A: the one-course recommendations."""
        with self.database.sessions() as session:
            snapshot = self.recommender.snapshot(session)
            return serving.recommend(
                session, snapshot, learner_id, serving.Request(n=N), self.data.today,
                HORIZON_DAYS, utcnow(),
            )  # fmt: skip

    def routes(self, learner_id: int, limits: SearchLimits = LIMITS) -> dict[str, Any]:
        """B: up to three routes to the learner's goal occupation, as the endpoint answers."""
        started = time.thread_time()
        try:
            return self._routes(learner_id, limits)
        finally:
            self.routes_cpu_ms.append((time.thread_time() - started) * 1000)

    def _routes(self, learner_id: int, limits: SearchLimits) -> dict[str, Any]:
        with self.database.sessions() as session:
            snapshot = self.recommender.snapshot(session)
            plan = route_planning.plan_routes(
                session, snapshot, learner_id, None, self.data.today, HORIZON_DAYS,
                DEFAULT_WEIGHTS, limits,
            )  # fmt: skip
            return route_answers.routes_body(session, plan)


# --- 1. the course index -------------------------------------------------------------------------


def index_build(database: Database, repeats: int = 3) -> dict[str, Any]:
    """`CourseIndex.build` as a serving process runs it without a model (counting learners)."""
    seconds = []
    for _ in range(repeats):
        with database.sessions() as session:
            started = time.perf_counter()
            index = CourseIndex.build(session, count_learners=True)
            seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    route_search.StepTable.build(index.steps)
    table_seconds = time.perf_counter() - started
    return {
        "courses_in_index": len(index),
        "seconds": [round(s, 2) for s in seconds],
        "median_seconds": round(statistics.median(seconds), 2),
        "route_step_table_seconds": round(table_seconds, 2),
        "note": "once per catalogue change (the courses stamp moves), not per request; the "
        "route search's step table (route_planning.step_table) is built on the first routes "
        "request after it",
    }


# --- 2-3. A and B, interleaved -------------------------------------------------------------------


def measure(paths: Paths, sample: list[int]) -> dict[str, Any]:
    warm = paths.data.warm_up
    for learner_id in tqdm(warm, desc="warm-up", unit="learner"):
        paths.one_course(learner_id)
        paths.routes(learner_id)
    paths.routes_cpu_ms.clear()
    with synthetic.cpu_accounted() as cpu:
        measured = scale.interleave(sample, 1, {"A": paths.one_course, "B": paths.routes})
    a_ms = [ms for _, ms, _ in measured["A"]]
    b_ms = [ms for _, ms, _ in measured["B"]]
    bodies = {learner_id: body for learner_id, _, body in measured["B"]}
    b_by_learner = {learner_id: ms for learner_id, ms, _ in measured["B"]}
    a_stats, b_stats = synthetic.percentiles(a_ms), synthetic.percentiles(b_ms)
    return {
        "warm_up_learners": len(warm),
        "order": "per learner, alternating A B / B A",
        "A_one_course_recommend": a_stats,
        "B_routes_plan_and_body": b_stats,
        "B_cpu_ms": synthetic.percentiles(list(paths.routes_cpu_ms)),
        "B_cpu_note": "the same B calls in CPU time of the measuring thread: what the call "
        "itself costs, whatever other processes on the machine take at the time",
        "p50_ratio_B_over_A": round(b_stats["p50_ms"] / a_stats["p50_ms"], 1),
        "p99_ratio_B_over_A": round(b_stats["p99_ms"] / a_stats["p99_ms"], 1),
        "A_items_per_answer": dict(Counter(len(a) for _, _, a in measured["A"]).most_common()),
        "B_by_outcome": _by_outcome(bodies, b_by_learner),
        "cpu_during_measurement": cpu,
        "_bodies": bodies,
    }


def search_kind(search: dict[str, Any]) -> str:
    """exact; bounded (candidates set aside, search complete); or node budget reached."""
    if search["explored"] > LIMITS.node_budget:
        return "node_budget_reached"
    return "exact" if search["exact"] else "bounded_candidates"


def _by_outcome(bodies: dict[int, dict], ms: dict[int, float]) -> dict[str, Any]:
    """B's latency split by what the search did: found routes or not, exact or stopped."""
    groups: dict[str, list[float]] = {}
    for learner_id, body in bodies.items():
        found = "routes" if body["routes"] else "no_route"
        groups.setdefault(f"{found}, {search_kind(body['search'])}", []).append(ms[learner_id])
    return {name: synthetic.percentiles(values) for name, values in sorted(groups.items())}


# --- 4. where B's time goes ----------------------------------------------------------------------

STAGES = (
    (serving.Recommender, "snapshot", "snapshot check (courses stamp SQL)"),
    (route_planning, "plan_routes", "route_planning.plan_routes"),
    (serving.Learner, "read", "  learner read (row + history, 2 SQL)"),
    (read_model, "district_centroid", "  district centroid (SQL)"),
    (occupations, "area_of", "  labour-market area: nearest pin (SQL)"),
    (route_planning, "_target", "  target: skills keys + demand share (SQL)"),
    (route_planning, "_step_limits", "  learner limits"),
    (route_planning, "_starting", "  starting point"),
    (route_planning, "step_courses", "  step_courses"),
    (route_planning, "feasible", "    feasibility over the index (numpy)"),
    (route_planning, "similar_learners_taken", "    learners like you"),
    (route_planning, "find_routes_in", "  find_routes_in"),
    (route_search.StepTable, "relevant", "    relevant courses (numpy)"),
    (route_search.StepTable, "candidates", "    candidates (numpy: per_group best)"),
    (route_search, "_reachable", "    reachable (can a route exist at all)"),
    (route_search._Search, "run", "    branch and bound"),
    (route_search, "why_none", "    why none (the no-route reason)"),
    (route_answers, "routes_body", "routes_body (the answer)"),
    (route_answers, "step_stories", "  step stories (reasons)"),
    (route_answers, "route_summary", "  route summaries"),
)


@dataclass
class SearchSizes:
    """Per B call: courses through the hard filters, relevant ones, candidates searched."""

    steps: list[int] = field(default_factory=list)
    relevant: list[int] = field(default_factory=list)

    @contextlib.contextmanager
    def recorded(self) -> Iterator[None]:
        find = route_planning.find_routes_in

        def counting_find(table: Any, rows: Any, *args: Any, **kwargs: Any) -> Any:
            answer = find(table, rows, *args, **kwargs)
            self.steps.append(len(rows))
            self.relevant.append(answer.relevant)
            return answer

        route_planning.find_routes_in = counting_find
        try:
            yield
        finally:
            route_planning.find_routes_in = find


def split(paths: Paths, learners: list[int]) -> tuple[dict[str, Any], SearchSizes]:
    """Mean/p50/p99 ms of each stage of B (stages nest as indented), and the search sizes."""
    clock = scale.StageClock()
    sizes = SearchSizes()
    with contextlib.ExitStack() as patches:
        for owner, attribute, name in STAGES:
            patches.enter_context(clock.patch(owner, attribute, name))
        patches.enter_context(sizes.recorded())
        for learner_id in tqdm(learners, desc="stage clock", unit="learner"):
            with clock.call():
                paths.routes(learner_id)
    summary = clock.summary()
    order = ["total", *(name for _, _, name in STAGES)]
    return {name: summary[name] for name in order if name in summary}, sizes


def profile(paths: Paths, learners: list[int]) -> dict[str, list[str]]:
    profiler = cProfile.Profile()
    profiler.enable()
    for learner_id in learners:
        paths.routes(learner_id)
    profiler.disable()
    return {
        "learners": len(learners),
        "cprofile_top_cumulative": _profile_lines(profiler, "cumulative", 40),
        "cprofile_top_own_time": _profile_lines(profiler, "tottime", 25),
    }


def _profile_lines(profiler: cProfile.Profile, sort: str, top: int) -> list[str]:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return lines[start:]


# --- 5. what the search did ----------------------------------------------------------------------

#: The kinds of no-route reason `route_search.why_none` gives, by how each one starts or reads.
REASON_KINDS = (
    ("the search stopped at its node budget (a route may exist)",
     re.compile(r"^the search stopped after")),
    ("none among the candidates kept (a route may exist among those set aside)",
     re.compile(r"^the search looked at the best")),
    ("already holds what the target asks", re.compile(r"^you already hold")),
    ("an essential skill is taught only behind an unmet entry requirement",
     re.compile(r"\(an essential skill of .*\) is taught by")),
    ("no course the learner can take teaches enough essential skills",
     re.compile(r"^no course you can take teaches")),
    ("the target's entry level is out of reach", re.compile(r" asks for level \d+, and no course")),
    ("no route within the steps, dates and budget", re.compile(r"^no route of at most")),
)  # fmt: skip


def reason_kind(reason: str) -> str:
    for name, pattern in REASON_KINDS:
        if pattern.search(reason):
            return name
    return "other"


def search_statistics(bodies: dict[int, dict], sizes: SearchSizes) -> dict[str, Any]:
    searches = [body["search"] for body in bodies.values()]
    found = [len(body["routes"]) for body in bodies.values()]
    reasons = [body["reason"] for body in bodies.values() if not body["routes"]]
    return {
        "learners": len(bodies),
        "exact_share": round(sum(s["exact"] for s in searches) / len(searches), 4),
        "search_kinds": dict(Counter(search_kind(s) for s in searches).most_common()),
        "node_budget_reached_share": round(
            sum(search_kind(s) == "node_budget_reached" for s in searches) / len(searches), 4
        ),
        "no_route_node_budget_reached_share": round(
            sum(
                not body["routes"] and search_kind(body["search"]) == "node_budget_reached"
                for body in bodies.values()
            )
            / len(searches),
            4,
        ),
        "explored_nodes": _quantiles([s["explored"] for s in searches]),
        "candidates_kept": _quantiles([s["candidates"] for s in searches]),
        "step_courses_after_hard_filters": _quantiles(sizes.steps),
        "relevant_courses": _quantiles(sizes.relevant),
        "sizes_note": "step courses and relevant courses over the stage-clock learners; the "
        "rest over every measured learner",
        "routes_per_learner": {str(k): v for k, v in sorted(Counter(found).items())},
        "no_route_share": round(found.count(0) / len(found), 4),
        "no_route_reasons": dict(Counter(reason_kind(r or "") for r in reasons).most_common()),
        "no_route_reason_examples": _examples(reasons),
    }


def _quantiles(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    array = np.asarray(values, dtype=float)
    return {
        "p50": round(float(np.percentile(array, 50)), 4),
        "p99": round(float(np.percentile(array, 99)), 4),
        "mean": round(float(array.mean()), 4),
        "max": round(float(array.max()), 4),
    }


def _examples(reasons: list[str | None]) -> dict[str, list[str]]:
    """Up to three reasons of each kind, as learners read them."""
    out: dict[str, list[str]] = {}
    for reason in reasons:
        listed = out.setdefault(reason_kind(reason or ""), [])
        if len(listed) < 3:
            listed.append(reason or "")
    return out


def deeper_search(paths: Paths, bodies: dict[int, dict], count: int) -> dict[str, Any]:
    """Learners answered "no route" by an inexact search (candidates set aside, or the node
    budget reached), searched again with DEEPER_FACTOR times the budget and the courses kept
    per group: how many of them have routes after all."""
    stopped = [lid for lid, body in sorted(bodies.items()) if not body["routes"]]
    stopped = [lid for lid in stopped if not bodies[lid]["search"]["exact"]][:count]
    deeper = replace(
        LIMITS,
        node_budget=LIMITS.node_budget * DEEPER_FACTOR,
        per_group=LIMITS.per_group * DEEPER_FACTOR,
    )
    found, seconds = [], []
    for learner_id in tqdm(stopped, desc="deeper search", unit="learner"):
        started = time.perf_counter()
        found.append(len(paths.routes(learner_id, deeper)["routes"]))
        seconds.append(time.perf_counter() - started)
    return {
        "learners": len(stopped),
        "node_budget": deeper.node_budget,
        "per_group": deeper.per_group,
        "found_routes_share": round(sum(n > 0 for n in found) / len(found), 3) if found else None,
        "routes_per_learner": {str(k): v for k, v in sorted(Counter(found).items())},
        "seconds_per_learner": _quantiles(seconds),
        "note": "the first learners (by id) whose measured answer was no route with exact False; "
        "each had been told 'no route of at most N courses fits ...' or another reason",
    }


def route_figures(bodies: dict[int, dict]) -> dict[str, Any]:
    """What the answered routes look like: steps, months, cost, switches, skills."""
    routes = [route for body in bodies.values() for route in body["routes"]]
    if not routes:
        return {"routes": 0}
    totals = [route["totals"] for route in routes]
    return {
        "routes": len(routes),
        "steps": {str(k): v for k, v in sorted(Counter(len(r["steps"]) for r in routes).items())},
        "months": _quantiles([t["months"] for t in totals]),
        "cost_pence_up_front": _quantiles([t["cost_pence"] for t in totals]),
        "loan_pence": _quantiles([t["loan_pence"] for t in totals]),
        "share_after": _quantiles([t["share_after"] for t in totals]),
        "with_a_switch_share": round(sum(bool(r["switches"]) for r in routes) / len(routes), 3),
        "steps_adding_no_essential_skill_nor_level_share": _bare_share(routes),
        "qualification_types_of_steps": dict(
            Counter(s["qualification_type"] for r in routes for s in r["steps"]).most_common()
        ),
    }


def _bare_share(routes: list[dict]) -> float:
    """Share of steps whose reasons name neither an essential skill added nor a level given
    (such a step can still be there for a later step's entry requirement)."""
    steps = [step for route in routes for step in route["steps"]]
    bare = [
        step
        for step in steps
        if not step["skills_added"]
        and not any(r.startswith("gives you level") for r in step["reasons"])
    ]
    return round(len(bare) / len(steps), 4)


# --- the run -------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    m = results["measured"]
    lines = [f"{'path':<34}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean':>9}{'max':>9}"]
    for name in ("A_one_course_recommend", "B_routes_plan_and_body"):
        f = m[name]
        lines.append(
            f"{name:<34}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}{f['p99_ms']:>9.2f}"
            f"{f['mean_ms']:>9.2f}{f['max_ms']:>9.2f}"
        )
    cpu = m["B_cpu_ms"]
    lines.append(f"{'B in CPU time':<34}{cpu['p50_ms']:>9.2f}{cpu['p95_ms']:>9.2f}"
                 f"{cpu['p99_ms']:>9.2f}{cpu['mean_ms']:>9.2f}{cpu['max_ms']:>9.2f}")  # fmt: skip
    lines.append(f"ratio B/A: p50 {m['p50_ratio_B_over_A']}, p99 {m['p99_ratio_B_over_A']}")
    lines.append(f"target B p99 < {TARGET_P99_MS:g} ms: {results['summary']['meets_p99_target']}")
    lines.append("\nwhere B's time goes (mean ms per learner, share of the total):")
    for name, figures in results["split"]["stages"].items():
        lines.append(f"  {name:<62}{figures['mean_ms']:>10.2f}{figures['share_of_total']:>8.1%}")
    s = results["search"]
    lines.append(
        f"\nexact {s['exact_share']:.1%}, node budget reached "
        f"{s['node_budget_reached_share']:.1%} (with no route "
        f"{s['no_route_node_budget_reached_share']:.1%}), "
        f"explored p50 {s['explored_nodes']['p50']:g} "
        f"p99 {s['explored_nodes']['p99']:g}, candidates p50 {s['candidates_kept']['p50']:g} "
        f"p99 {s['candidates_kept']['p99']:g}, no route {s['no_route_share']:.1%}"
    )
    lines.append(f"routes per learner {s['routes_per_learner']}")
    lines.append(f"no-route reasons {s['no_route_reasons']}")
    deeper = results["deeper_search"]
    lines.append(
        f"searched again at {deeper['node_budget']:,} nodes: {deeper['found_routes_share']} of "
        f"{deeper['learners']} 'no route' learners whose search was not exact have routes"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace, results: dict[str, Any]) -> None:
    data = catalogue.ensure(catalogue.sizes_of(args), args.data)
    results["data"] = data.meta
    results["today"] = data.today.isoformat()
    results["machine"] = synthetic.machine()
    database = Database(data.url)
    try:
        print("course index build ...", flush=True)
        results["index_build"] = index_build(database)
        paths = Paths(database, serving.Recommender(ModelStore(data.models_dir)), data)
        sample = data.sample[: args.sample]
        results["measured_learners"] = len(sample)
        measured = measure(paths, sample)
        bodies = measured.pop("_bodies")
        results["measured"] = measured
        stages, sizes = split(paths, sample[: args.split])
        results["split"] = {
            "learners": len(sample[: args.split]),
            "stages": stages,
            "note": "wall time of each stage, from wrappers around the functions named (a few "
            "us each); indented stages are inside the one above; 'total' is one B call "
            "(snapshot check + plan_routes + routes_body); the stage clock pass is a second run "
            "over the same learners, so its total differs a little from the measured B",
        }
        results["search"] = search_statistics(bodies, sizes)
        results["routes"] = route_figures(bodies)
        results["deeper_search"] = deeper_search(paths, bodies, args.deeper)
        print("cProfile ...", flush=True)
        results["profile"] = profile(paths, sample[: args.profile])
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    catalogue.add_arguments(parser)
    parser.add_argument(
        "--sample", type=int, default=None, help="measure only the first N learners (development)"
    )
    parser.add_argument("--split", type=int, default=300, help="learners in the stage clock")
    parser.add_argument("--profile", type=int, default=100, help="learners under cProfile")
    parser.add_argument(
        "--deeper", type=int, default=40, help="no-route learners searched again, deeper"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "routes_search.json")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "benchmark": "three reskilling routes per learner (plan_routes + routes_body) vs the "
        "one-course recommend, real taxonomy, generated catalogue",
        "command": shlex.join([sys.executable, *sys.argv]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets": {"B_p99_ms": f"< {TARGET_P99_MS:g}"},
        "sizes": catalogue.sizes_of(args).to_dict(),
        "settings": {
            "limits": asdict(LIMITS),
            "weights": asdict(DEFAULT_WEIGHTS),
            "horizon_days": HORIZON_DAYS,
            "one_course_n": N,
            "model": "none (no trained version): content and popularity",
        },
        "threads": {
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "note": "one process, one thread of Python; numpy's BLAS limited to one thread",
        },
    }
    with synthetic.exclusive(not args.no_lock) as lock:
        results["lock"] = lock
        run(args, results)
    b = results["measured"]["B_routes_plan_and_body"]
    results["summary"] = {
        "A_p50_ms": results["measured"]["A_one_course_recommend"]["p50_ms"],
        "A_p99_ms": results["measured"]["A_one_course_recommend"]["p99_ms"],
        "B_p50_ms": b["p50_ms"],
        "B_p99_ms": b["p99_ms"],
        "B_cpu_p50_ms": results["measured"]["B_cpu_ms"]["p50_ms"],
        "B_cpu_p99_ms": results["measured"]["B_cpu_ms"]["p99_ms"],
        "p50_ratio_B_over_A": results["measured"]["p50_ratio_B_over_A"],
        "p99_ratio_B_over_A": results["measured"]["p99_ratio_B_over_A"],
        "meets_p99_target": b["p99_ms"] < TARGET_P99_MS,
    }
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
