"""Career-change suggestions: occupations a person could move to from their current one.

Following Nesta's Mapping Career Causeways: a move is **viable** when the two occupations'
skills overlap (the catalogue's ESCO skill-overlap transitions, cosine >= 0.3), the destination's
job zone (O*NET's 1-5 scale of preparation needed) is at most one away from the origin's, and
its earnings are at least 75% of the origin's (each check applies when both figures are known;
the answer says which were checked). Automation risk is shown, not filtered on. A move that
O*NET's related-occupations list also names (through the ESCO-O*NET crosswalk) is marked as
cross-checked.

Moves are ranked by skill similarity weighted by demand in the learner's labour-market area:
`similarity x (1 - DEMAND_WEIGHT + DEMAND_WEIGHT x demand)`, demand 0..1 (the destination's
demand among the area's occupations; 0 when not known), so demand reorders close calls but
never lifts a distant move above a close one. For a learner, the essential skills of the
destination they do not hold yet are the gap. No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from services.recommender.occupations import Occupation, Transition, skill_keys

ESCO_SKILLS = "esco-skills"
ONET = "onet"
MAX_JOB_ZONE_CHANGE = 1
MIN_EARNINGS_RATIO = 0.75
DEMAND_WEIGHT = 0.3


@dataclass(frozen=True)
class CareerChange:
    """One viable move from an origin occupation, with what it was judged on."""

    code: str
    title: str
    similarity: float
    score: float
    job_zone_change: int | None
    earnings_ratio: float | None
    automation_risk: float | None
    demand: float
    cross_checked: bool
    checks: tuple[str, ...]
    missing_skills: tuple[str, ...] = ()
    essential_skills: int = 0


def career_changes(
    origin: Occupation,
    moves: Sequence[Transition],
    destinations: Mapping[str, Occupation],
    demand_of: Callable[[str], float],
    learner_skills: Iterable[str] | None = None,
    n: int = 10,
) -> list[CareerChange]:
    """The `n` best viable moves out of `origin`, best first.

    `moves` are the origin's transitions (any source); `destinations` the occupations they lead
    to; `demand_of(code)` the destination's demand share in the area; `learner_skills` (match
    keys) gives each move its skills gap.
    """
    onet = {m.code for m in moves if m.source == ONET}
    held = frozenset(learner_skills or ())
    found = []
    for move in moves:
        if move.source != ESCO_SKILLS or move.code == origin.code:
            continue
        destination = destinations.get(move.code)
        if destination is None:
            continue
        change = _judged(origin, destination, move, demand_of(move.code), move.code in onet)
        if change is not None:
            found.append(_with_gap(change, destination, held))
    found.sort(key=lambda c: (-c.score, c.code))
    return found[:n]


def _judged(
    origin: Occupation, destination: Occupation, move: Transition, demand: float, onet: bool
) -> CareerChange | None:
    """The move with its checks, or None when a known figure rules it out."""
    checks = []
    zone_change = None
    if origin.job_zone is not None and destination.job_zone is not None:
        zone_change = destination.job_zone - origin.job_zone
        if abs(zone_change) > MAX_JOB_ZONE_CHANGE:
            return None
        checks.append("job zone")
    ratio = None
    if origin.annual_earnings_gbp and destination.annual_earnings_gbp is not None:
        ratio = destination.annual_earnings_gbp / origin.annual_earnings_gbp
        if ratio < MIN_EARNINGS_RATIO:
            return None
        checks.append("earnings")
    return CareerChange(
        code=destination.code,
        title=destination.title,
        similarity=round(move.similarity, 4),
        score=round(move.similarity * (1 - DEMAND_WEIGHT + DEMAND_WEIGHT * demand), 6),
        job_zone_change=zone_change,
        earnings_ratio=None if ratio is None else round(ratio, 3),
        automation_risk=destination.automation_risk,
        demand=round(demand, 4),
        cross_checked=onet,
        checks=tuple(checks),
    )


def _with_gap(change: CareerChange, destination: Occupation, held: frozenset[str]) -> CareerChange:
    missing = tuple(s.label for s in destination.essential_skills if not (skill_keys(s) & held))
    return replace(
        change, missing_skills=missing, essential_skills=len(destination.essential_skills)
    )
