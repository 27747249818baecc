"""How fast do the adviser console's pages answer on the demo data, with the whole system running
locally (`make run`)? Issue 8's target: 300 ms p95.

Against a running system (start it with `make run`, or `routeways up` on other ports), as the
demo adviser `up` prints:

1. sign in through the console's form (GET the page for its CSRF token, POST it);
2. warm-up: every page below once (the recommender's course index, the catalogue's names);
3. `--rounds` rounds, each timing, from the request to the last byte of the answer:
   the caseload (`/console/caseload`), every caseload learner's page (which asks the
   recommender for three routes, or career changes, and the catalogue for names), and a
   what-if for each of them (`?max_travel_km=40&hours_per_week=16`: routes recomputed);
4. p50, p95, p99 and max per page kind, and the share of answers over 300 ms.

Client and system share the machine; each request is sequential (one adviser). The figures
include the recommender's route search, which another engineer is speeding up: re-run after it.

    .venv/bin/python bench/console_pages.py --profile http://127.0.0.1:8001 \\
        --email adviser.joanne.whittaker@example.org --password demo-caseload-A-01

Writes bench/results/console_pages.json (or --output).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from pathlib import Path

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TARGET_MS = 300.0


def sign_in(session: requests.Session, profile: str, email: str, password: str) -> None:
    page = session.get(f"{profile}/console/sign-in", timeout=30)
    token = CSRF.search(page.text)[1]
    answer = session.post(
        f"{profile}/console/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        timeout=30,
    )
    if not answer.url.endswith("/console/caseload"):
        raise SystemExit(f"sign-in failed ({answer.status_code})")


def timed(session: requests.Session, url: str) -> float:
    start = time.perf_counter()
    answer = session.get(url, timeout=60)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{url} answered {answer.status_code}")
    return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(quantiles[94], 1),
        "p99_ms": round(quantiles[98], 1),
        "max_ms": round(ordered[-1], 1),
        "over_target_share": round(sum(s > TARGET_MS for s in ordered) / len(ordered), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="http://127.0.0.1:8001")
    parser.add_argument("--email", default="adviser.joanne.whittaker@example.org")
    parser.add_argument("--password", default="demo-caseload-A-01")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path("bench/results/console_pages.json"))
    args = parser.parse_args()

    session = requests.Session()
    sign_in(session, args.profile, args.email, args.password)
    caseload_url = f"{args.profile}/console/caseload"
    page = session.get(caseload_url, timeout=30).text
    learners = list(dict.fromkeys(re.findall(r"/console/learners/(\d+)\"", page)))
    pages = {
        "caseload": [caseload_url],
        "learner": [f"{args.profile}/console/learners/{i}" for i in learners],
        "what_if": [
            f"{args.profile}/console/learners/{i}/what-if?max_travel_km=40&hours_per_week=16"
            for i in learners
        ],
    }
    for urls in pages.values():  # warm-up
        for url in urls:
            timed(session, url)
    samples: dict[str, list[float]] = {kind: [] for kind in pages}
    for _ in range(args.rounds):
        for kind, urls in pages.items():
            samples[kind] += [timed(session, url) for url in urls]
    result = {
        "question": "console page latency on the demo data, whole system running locally",
        "target_p95_ms": TARGET_MS,
        "learners_on_caseload_page": len(learners),
        "rounds": args.rounds,
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "pages": {kind: summary(values) for kind, values in samples.items()},
        "all": summary([s for values in samples.values() for s in values]),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
