"""Plain-English reasons for a route and each of its steps, built only from the route's own
data: the essential skills each step adds (against what the learner held before it), the level
it gives, the learners in the learner's occupation who took it, its distance, start date and
funding; and, for the route, its totals, switches and the target's demand. A test reads every
number and name in these sentences back from the data. No Flask or Celery here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.recommender.funding import money
from services.recommender.routes import Placed, Route, Starting, Target

#: The demand component above which a route says the target is in demand in the area.
STRONG_DEMAND = 0.5


@dataclass(frozen=True)
class StepStory:
    """What one step adds, and the sentences that say so."""

    skills_added: tuple[str, ...]
    level_after: int | None
    reasons: tuple[str, ...]


def step_stories(
    route: Route, starting: Starting, target: Target, occupation_title: str | None
) -> list[StepStory]:
    """One story per step, in the route's (time) order."""
    held = set(starting.progress.skills)
    level = starting.progress.level
    stories = []
    missing_before = len(target.essential_skills) - sum(target.covered(held))
    for step in route.steps:
        before = target.covered(held)
        held |= step.course.skills
        after = target.covered(held)
        added = tuple(
            skill.label
            for skill, was, now in zip(target.essential_skills, before, after, strict=True)
            if now and not was
        )
        if step.course.qualifying:
            level = step.course.rqf_level if level is None else max(level, step.course.rqf_level)
        reasons = _skill_reason(added, missing_before, target)
        reasons += _level_reason(step, level, target)
        reasons += _peer_reason(step, occupation_title)
        reasons.append(practical(step))
        stories.append(StepStory(added, level, tuple(reasons)))
    return stories


def _skill_reason(added: Sequence[str], missing_before: int, target: Target) -> list[str]:
    if not added:
        return []
    return [
        f"covers {_listed(added)}: {len(added)} of the {missing_before} essential skills you"
        f" are missing for {target.title}"
    ]


def _level_reason(step: Placed, level: int | None, target: Target) -> list[str]:
    course = step.course
    if not course.qualifying or level != course.rqf_level:
        return []
    if target.entry_level is not None and course.rqf_level >= target.entry_level:
        return [f"gives you level {course.rqf_level}, the level {target.title} asks for"]
    return [f"gives you level {course.rqf_level}, the step to the next level"]


def _peer_reason(step: Placed, occupation_title: str | None) -> list[str]:
    count = step.course.learners_like_you
    if not count or not occupation_title:
        return []
    people = "learner" if count == 1 else "learners"
    return [f"taken by {count} {people} working, like you, as {occupation_title}"]


def practical(step: Placed) -> str:
    """Where, when and at what cost: "11 km from you, starts 6 January 2027, fully funded"."""
    course = step.course
    if course.distance_km is not None:
        where = f"{course.distance_km:g} km from you"
    elif course.delivery_mode == "online":
        where = "online"
    else:
        where = "open wherever you live"
    return f"{where}, starts {_day(step)}, {step.funding_reason}"


def _day(step: Placed) -> str:
    return f"{step.start.day} {step.start:%B %Y}"


def route_summary(route: Route, target: Target, area: str | None) -> str:
    """The route's headline: time, skills, money, hours, travel, switches and demand."""
    totals = route.totals
    parts = [
        f"{_steps(len(route.steps))} to {target.title} in {totals.months:g} months",
        f"{totals.skills_after} of its {totals.skills_total} essential skills covered"
        f" (you hold {totals.skills_before} now)",
        _money(totals.cost_pence, totals.loan_pence),
    ]
    if totals.hours_per_week is not None:
        parts.append(f"at most {totals.hours_per_week:g} hours a week")
    if totals.travel_km is not None:
        parts.append(f"the farthest campus {totals.travel_km:g} km away")
    for switch in route.switches:
        parts.append(switch.description)
    if area and route.components.demand >= STRONG_DEMAND:
        parts.append(f"{target.title} is in strong demand in {area.title()}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _steps(count: int) -> str:
    return "one course" if count == 1 else f"{count} courses"


def _money(pays: int, loan: int) -> str:
    up_front = "nothing up front" if pays == 0 else f"{money(pays)} up front"
    return up_front if loan == 0 else f"{up_front} and {money(loan)} by loan"


def _listed(labels: Sequence[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]
