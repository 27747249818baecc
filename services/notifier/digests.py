"""What one email tells a learner: their best route and top course suggestions, as plain data.

`compose` turns the recommender's and the catalogue's answers (the HTTP bodies, as
`digest_sources` fetches them) into a `Digest`; `messages` renders it. Everything here is pure:
no HTTP, no database, no Flask or Celery, so a digest can be composed again from the same
answers and come out the same.

A digest's id is derived from (learner, kind, period) alone, so a task that runs twice, or a
duplicate event, names the same digest, and its email carries the same Message-ID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

#: Digests go out weekly or monthly (the learner's choice); alerts when something material
#: changes (a new course in their top three, a shorter route).
KINDS = ("weekly", "monthly", "alert")
#: The most course suggestions one email lists.
MAX_COURSES = 5


class DigestError(ValueError):
    """A kind or period that names no digest."""


@dataclass(frozen=True)
class Contact:
    """What the profile service answers for a learner at send time."""

    learner_id: int
    email: str
    name: str
    suggestion_emails: bool
    frequency: str | None


@dataclass(frozen=True)
class CourseLine:
    """One suggested course as the email shows it."""

    course_id: int
    title: str
    provider: str
    place: str
    distance_km: float | None
    next_start: date | None
    cost_to_learner_pence: int
    reason: str
    url: str | None


@dataclass(frozen=True)
class RouteStepLine:
    title: str
    provider: str
    start: date
    end: date
    pays_pence: int
    loan_pence: int


@dataclass(frozen=True)
class RouteLine:
    """The learner's best route to their target occupation, with its totals."""

    target_title: str
    summary: str
    months: float
    cost_pence: int
    loan_pence: int
    steps: tuple[RouteStepLine, ...]


@dataclass(frozen=True)
class Digest:
    digest_id: str
    learner_id: int
    kind: str  # "weekly" | "monthly" | "alert"
    period: str  # "2026-W48", "2026-11", or the alert's event id
    courses: tuple[CourseLine, ...]
    route: RouteLine | None

    @property
    def is_empty(self) -> bool:
        """Nothing to tell: no course and no route (not worth an email)."""
        return not self.courses and self.route is None


def digest_id(learner_id: int, kind: str, period: str) -> str:
    """The digest's stable id: the same (learner, kind, period) always gives the same id, in
    every process and run (32 hex digits of a SHA-256)."""
    _check_kind(kind)
    if not period:
        raise DigestError("a digest needs a period (a week, a month or an event id)")
    text = f"routeways.digest.v1:{learner_id}:{kind}:{period}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def period_of(kind: str, day: date) -> str:
    """The period a weekly ("2026-W48", ISO week) or monthly ("2026-11") digest of `day` covers."""
    if kind == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "monthly":
        return f"{day.year}-{day.month:02d}"
    raise DigestError(f"only weekly and monthly digests have calendar periods, not {kind!r}")


def compose(
    learner_id: int,
    kind: str,
    period: str,
    suggestions: Mapping[str, Any],
    routes: Mapping[str, Any] | None,
    courses: Mapping[int, Mapping[str, Any]],
    *,
    today: date | None = None,
) -> Digest:
    """The digest for `learner_id` from the services' answers.

    - `suggestions`: the recommender's `GET /learners/{id}/recommendations` body;
    - `routes`: its `GET /learners/{id}/routes?max=1` body, or None (no target, no answer);
    - `courses`: the catalogue's `GET /courses/{id}` bodies by id, each with its provider's
      `GET /providers/{id}` body under "provider" (as `digest_sources` adds it).

    Suggestions whose course the catalogue no longer has, or has withdrawn, are left out; start
    dates before `today` (default: the day it runs) are not shown as the next start.
    """
    _check_kind(kind)
    today = today or date.today()
    lines: list[CourseLine] = []
    for item in suggestions.get("items") or ():
        course = courses.get(item["course_id"])
        if course is None or course.get("status") == "withdrawn":
            continue
        lines.append(course_line(item, course, today))
        if len(lines) == MAX_COURSES:
            break
    return Digest(
        digest_id=digest_id(learner_id, kind, period),
        learner_id=learner_id,
        kind=kind,
        period=period,
        courses=tuple(lines),
        route=route_line(routes, courses),
    )


def course_ids_wanted(
    suggestions: Mapping[str, Any], routes: Mapping[str, Any] | None
) -> list[int]:
    """The course ids `compose` looks up: the suggestions', then the best route's steps'."""
    wanted = [item["course_id"] for item in suggestions.get("items") or ()]
    best = _best_route(routes)
    if best is not None:
        wanted += [step["course_id"] for step in best.get("steps") or () if "course_id" in step]
    return list(dict.fromkeys(wanted))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise DigestError(f"unknown digest kind {kind!r} (one of {', '.join(KINDS)})")


def course_line(item: Mapping[str, Any], course: Mapping[str, Any], today: date) -> CourseLine:
    """One course as an email shows it: `item` says why and what it costs the learner (a
    suggestion, or an adviser's shortlist entry), `course` is the catalogue's body."""
    provider = course.get("provider") or {}
    return CourseLine(
        course_id=item["course_id"],
        title=course.get("title") or item.get("title") or f"Course {item['course_id']}",
        provider=provider.get("name") or "",
        place=place(course),
        distance_km=item.get("distance_km"),
        next_start=next_start(course.get("start_dates") or (), today),
        cost_to_learner_pence=int(item.get("cost_to_learner_pence") or 0),
        reason=item.get("reason") or "",
        url=course.get("url") or provider.get("website") or None,
    )


def place(course: Mapping[str, Any]) -> str:
    """Where a course happens, in a few words: its campus, or how it is delivered."""
    mode = course.get("delivery_mode")
    campus = course.get("campus") or {}
    if mode == "online":
        return "Online"
    if mode == "workplace":
        return "At your workplace"
    if campus.get("name"):
        where = campus["name"]
        if campus.get("postcode"):
            where = f"{where} ({campus['postcode']})"
        return f"{where}, partly online" if mode == "blended" else where
    if course.get("national"):
        return "Available across England"
    return "Place to be confirmed by the provider"


def next_start(start_dates: Any, today: date) -> date | None:
    """The first start date on or after `today`, or None when none is left."""
    days = sorted(d for d in (_day(value) for value in start_dates) if d is not None)
    return next((d for d in days if d >= today), None)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _best_route(routes: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    found = (routes or {}).get("routes") or ()
    return found[0] if found else None


def route_line(
    routes: Mapping[str, Any] | None, courses: Mapping[int, Mapping[str, Any]]
) -> RouteLine | None:
    """The best route of a routes answer (`GET /learners/{id}/routes`), or None without one;
    step providers come from `courses` (by course id) when given."""
    best = _best_route(routes)
    if best is None:
        return None
    totals = best.get("totals") or {}
    steps = []
    for step in best.get("steps") or ():
        course = courses.get(step.get("course_id"), {})
        steps.append(
            RouteStepLine(
                title=step.get("title") or course.get("title") or "",
                provider=(course.get("provider") or {}).get("name") or "",
                start=_required_day(step, "start"),
                end=_required_day(step, "end"),
                pays_pence=int(step.get("pays_pence") or 0),
                loan_pence=int(step.get("loan_pence") or 0),
            )
        )
    target = (routes or {}).get("target") or {}
    return RouteLine(
        target_title=target.get("title") or target.get("code") or "",
        summary=best.get("summary") or "",
        months=float(totals.get("months") or 0.0),
        cost_pence=int(totals.get("cost_pence") or 0),
        loan_pence=int(totals.get("loan_pence") or 0),
        steps=tuple(steps),
    )


def _required_day(step: Mapping[str, Any], key: str) -> date:
    day = _day(step.get(key))
    if day is None:
        raise DigestError(f"a route step has no {key} date: {step.get(key)!r}")
    return day
