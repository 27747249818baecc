"""What the recommender benchmarks share: one seeded synthetic data set, the columnar matrix
build, memory and CPU accounting, the machine's description, percentiles and the lock that
keeps full-size measurements from running at the same time.

`generate(learners, courses, interactions, seed) -> Data` makes interactions with structure ALS
can learn: courses in sectors (1,000 per sector) with long-tailed popularity, learners with 1-3
preferred sectors and log-normal activity, interaction kinds in a funnel mix, timestamps over
the two years before `NOW`. `Data` also keeps each course's sector and each learner's preferred
sectors (by external id), so a read model built beside it agrees with what the learners did.

Import this module before numpy anywhere else: it sets OPENBLAS_NUM_THREADS=1 first, as
implicit asks.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS, as implicit asks

import ctypes
import fcntl
import gc
import platform
import re
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import implicit
import numpy as np
import scipy
from threadpoolctl import threadpool_info

from services.recommender.ranking.matrix import (
    ConfidenceMatrix,
    ConfidenceRules,
    InteractionColumns,
    confidence_from_columns,
)

NOW = datetime(2026, 9, 1, tzinfo=UTC)
TWO_YEARS = 2 * 365 * 86_400
COURSES_PER_SECTOR = 1_000
EXPLORE = 0.15  # share of interactions outside the learner's preferred sectors
#: The funnel: many views and email clicks, fewer saves and applications, few completions.
KIND_MIX = {
    "viewed": 0.52,
    "email-click": 0.10,
    "saved": 0.12,
    "applied": 0.09,
    "enrolled": 0.09,
    "completed": 0.05,
    "dismissed": 0.025,
    "not-interested": 0.005,
}
KINDS = tuple(KIND_MIX)
#: Full-size measurements take this lock (flock), so two never share the machine's cores.
BENCH_LOCK = Path("/tmp/routeways-bench.lock")  # noqa: S108 - shared by every bench on the machine


@dataclass
class Data:
    """The generated interactions as columns, oldest first (the read model's id order).

    `course_sector`: int32 (courses + 1,), the sector of each external course id (index 0
    unused, -1); `learner_sectors`: int32 (learners + 1, 3), each learner's preferred sectors
    by external id, of which the first `learner_sector_count` (learners + 1,) are used.
    """

    learner: np.ndarray  # (n,) int32 external learner ids
    course: np.ndarray  # (n,) int32 external course ids
    kind: np.ndarray  # (n,) uint8 index into KINDS
    timestamp: np.ndarray  # (n,) int64 unix seconds
    sectors: int
    course_sector: np.ndarray
    learner_sectors: np.ndarray
    learner_sector_count: np.ndarray

    def __len__(self) -> int:
        return len(self.learner)


def generate(learners: int, courses: int, interactions: int, seed: int) -> Data:
    """Seeded, vectorised: sectors of courses with Zipf-like popularity, learners with 1-3
    preferred sectors and log-normal activity (each learner at least one interaction)."""
    if interactions < learners:
        raise SystemExit("--interactions must be at least --learners (one each)")
    rng = np.random.default_rng(seed)
    sectors = max(1, courses // COURSES_PER_SECTOR)
    sector_p = (np.arange(sectors) + 1.0) ** -0.5
    sector_p = rng.permutation(sector_p / sector_p.sum())
    # courses in contiguous blocks per sector; popularity within a sector long-tailed
    course_sector = np.arange(courses) * sectors // courses
    starts = np.searchsorted(course_sector, np.arange(sectors))
    rank = np.arange(courses) - starts[course_sector]
    cumulative = np.cumsum((rank + 1.0) ** -0.8)  # Zipf-like by rank within each sector
    before = np.r_[0.0, cumulative][starts]  # cumulative weight before each sector
    totals = np.r_[before[1:], cumulative[-1]] - before
    within = (cumulative - before[course_sector]) / totals[course_sector]
    within[np.r_[starts[1:] - 1, courses - 1]] = 1.0
    keys = course_sector + within  # sector s owns keys in (s, s + 1]
    course_ids = rng.permutation(courses).astype(np.int32) + 1

    activity = rng.lognormal(0.0, 1.0, learners)
    counts = 1 + rng.multinomial(interactions - learners, activity / activity.sum())
    who = np.repeat(np.arange(learners, dtype=np.int32), counts)
    preferred = rng.choice(sectors, size=(learners, 3), p=sector_p).astype(np.int32)
    how_many = rng.integers(1, 4, learners)
    pick = (rng.random(interactions) * how_many[who]).astype(np.int64)
    sector = preferred[who, pick]
    explore = np.flatnonzero(rng.random(interactions) < EXPLORE)
    sector[explore] = rng.choice(sectors, size=len(explore), p=sector_p)
    position = np.searchsorted(keys, sector + rng.random(interactions), side="right")
    course = course_ids[np.minimum(position, courses - 1)]
    del sector, pick, position, explore

    kind = rng.choice(len(KINDS), size=interactions, p=list(KIND_MIX.values())).astype(np.uint8)
    timestamp = int(NOW.timestamp()) - rng.integers(0, TWO_YEARS, interactions)
    order = np.argsort(timestamp, kind="stable")
    learner_ids = rng.permutation(learners).astype(np.int32) + 1
    # by external id (no further random draws: the interactions stay exactly as before)
    sector_of_course = np.full(courses + 1, -1, np.int32)
    sector_of_course[course_ids] = course_sector
    sectors_of_learner = np.zeros((learners + 1, 3), np.int32)
    sectors_of_learner[learner_ids] = preferred
    sector_count = np.zeros(learners + 1, np.int32)
    sector_count[learner_ids] = how_many
    return Data(
        learner_ids[who[order]],
        course[order],
        kind[order],
        timestamp[order],
        sectors,
        sector_of_course,
        sectors_of_learner,
        sector_count,
    )


def interaction_columns(data: Data, rows: int) -> InteractionColumns:
    """The first `rows` interactions as the columns training reads (views, no copies)."""
    return InteractionColumns(
        data.learner[:rows], data.course[:rows], data.kind[:rows], KINDS, data.timestamp[:rows]
    )


def columnar_matrix(data: Data, rows: int, rules: ConfidenceRules) -> ConfidenceMatrix:
    """The matrix training builds from the first `rows` interactions at `NOW`."""
    return confidence_from_columns(interaction_columns(data, rows), rules, NOW)


# --- memory and CPU ---------------------------------------------------------------------------


def peak_reset() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def status_mb(field: str, pid: int | str = "self") -> float:
    """One `kB` field of /proc/<pid>/status (VmRSS, VmHWM, RssAnon, ...) in MB."""
    found = re.search(rf"{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


@dataclass
class Memory:
    start_mb: float = 0.0
    peak_mb: float = 0.0
    end_mb: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "rss_start_mb": round(self.start_mb),
            "rss_peak_mb": round(self.peak_mb),
            "rss_peak_delta_mb": round(self.peak_mb - self.start_mb),
            "rss_end_mb": round(self.end_mb),
        }


def give_back_freed_memory() -> None:
    """Return freed heap pages to the kernel (glibc malloc_trim), so RSS shows live data."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextmanager
def watched() -> Iterator[Memory]:
    """RSS at the start, the kernel's exact peak during the block, and at the end (freed
    memory is given back first, so the peak delta is what the block itself needed)."""
    give_back_freed_memory()
    memory = Memory(start_mb=status_mb("VmRSS"))
    peak_reset()
    yield memory
    memory.peak_mb = status_mb("VmHWM")
    memory.end_mb = status_mb("VmRSS")


def _machine_jiffies() -> tuple[int, int]:
    """(busy, steal) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, steal


@contextmanager
def cpu_accounted() -> Iterator[dict]:
    """This process's CPU seconds (all threads) during the block, and what the rest of the
    machine used meanwhile (other processes on the same cores, and the hypervisor's steal):
    the noise each A and B run met."""
    figures: dict = {}
    tick = os.sysconf("SC_CLK_TCK")
    own, (busy, steal) = os.times(), _machine_jiffies()
    load = os.getloadavg()[0]
    yield figures
    after, (busy_after, steal_after) = os.times(), _machine_jiffies()
    own_seconds = (after.user - own.user) + (after.system - own.system)
    figures["cpu_seconds"] = round(own_seconds, 1)
    figures["other_processes_cpu_seconds"] = round(
        max((busy_after - busy) / tick - own_seconds, 0.0), 1
    )
    figures["steal_seconds"] = round((steal_after - steal) / tick, 1)
    figures["load_average_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]


# --- reporting --------------------------------------------------------------------------------


def machine() -> dict:
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer")}
        for info in threadpool_info()
    ]
    return {
        "platform": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implicit": implicit.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "threadpools": blas,
    }


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def percentiles(milliseconds: Sequence[float]) -> dict[str, float]:
    """Count, p50/p95/p99 (nearest rank), mean and max of latencies in ms."""
    values = np.sort(np.asarray(milliseconds, dtype=np.float64))
    if len(values) == 0:
        return {"samples": 0}

    def rank(q: float) -> float:
        return round(float(values[min(len(values) - 1, int(np.ceil(q * len(values))) - 1)]), 3)

    return {
        "samples": len(values),
        "p50_ms": rank(0.50),
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
        "mean_ms": round(float(values.mean()), 3),
        "max_ms": round(float(values[-1]), 3),
    }


@contextmanager
def exclusive(enabled: bool = True) -> Iterator[dict]:
    """Hold BENCH_LOCK (flock, waiting for it) for the block: full-size measurements never
    share the 2 cores with another benchmark that takes the same lock. Yields how long the
    wait was."""
    figures: dict = {"lock": str(BENCH_LOCK) if enabled else None, "waited_seconds": 0.0}
    if not enabled:
        yield figures
        return
    with BENCH_LOCK.open("a") as handle:
        started = time.perf_counter()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for {BENCH_LOCK} (another benchmark holds it) ...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        figures["waited_seconds"] = round(time.perf_counter() - started, 1)
        try:
            yield figures
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
