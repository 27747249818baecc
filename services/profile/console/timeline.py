"""A route as the console shows it: its steps read from the recommender's answer, and the
timeline drawn from them (one lane per step, a bar from its start to its end on a shared date
axis), laid out here so the template only writes the SVG elements.

The layout is plain arithmetic on dates: no Flask, no HTTP. The SVG is a picture of what the
step list beside it says in words (screen readers get the list; the figure carries a title and
a description), so nothing is told only by position or colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

#: The drawing's size in SVG user units (it scales to the page's width).
WIDTH = 720
LEFT = 12
RIGHT = 12
AXIS_HEIGHT = 28
LANE_HEIGHT = 46
BAR_HEIGHT = 16
#: A course of a few days still shows as a bar a pointer or an eye can find.
MIN_BAR_WIDTH = 6
#: Axis labels closer than this would overlap: the later one is left out.
MIN_TICK_GAP = 64
#: Axis labels start this far right of their mark, and take about this much per character.
LABEL_OFFSET = 3
CHARACTER_WIDTH = 7
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class UnreadableRoute(ValueError):  # noqa: N818 - reads as what happened
    """A route body without the fields a step needs (the recommender answered off-contract)."""


@dataclass(frozen=True)
class Step:
    """One course of a route, with what an adviser reads out to the learner."""

    number: int
    course_id: int
    provider_id: int | None
    title: str
    qualification_type: str
    route_kind: str
    rqf_level: int | None
    delivery_mode: str | None
    start: date
    end: date
    hours_per_week: float | None
    cost_pence: int
    pays_pence: int
    loan_pence: int
    funding: str
    distance_km: float | None
    skills_added: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Bar:
    step: int
    x: float
    y: float
    width: float
    label: str
    label_x: float
    label_y: float
    label_anchor: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    axis_y: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class ShownRoute:
    """A route ready for the page: headline, totals, steps and their timeline."""

    number: int
    summary: str
    score: float
    months: float
    cost_pence: int
    loan_pence: int
    travel_km: float | None
    hours_per_week: float | None
    skills_after: int
    skills_total: int
    missing_skills: tuple[str, ...]
    switches: tuple[str, ...]
    steps: tuple[Step, ...]
    timeline: Timeline


def read_step(number: int, body: Mapping[str, Any]) -> Step:
    """A step of the recommender's route body (`StepSchema`); UnreadableRoute if it lacks
    the course, its title or its dates."""
    try:
        return Step(
            number=number,
            course_id=int(body["course_id"]),
            provider_id=_int_or_none(body.get("provider_id")),
            title=str(body["title"]),
            qualification_type=str(body.get("qualification_type") or ""),
            route_kind=str(body.get("route_kind") or ""),
            rqf_level=_int_or_none(body.get("rqf_level")),
            delivery_mode=body.get("delivery_mode"),
            start=date.fromisoformat(str(body["start"])),
            end=date.fromisoformat(str(body["end"])),
            hours_per_week=_float_or_none(body.get("hours_per_week")),
            cost_pence=int(body.get("cost_pence") or 0),
            pays_pence=int(body.get("pays_pence") or 0),
            loan_pence=int(body.get("loan_pence") or 0),
            funding=str(body.get("funding") or ""),
            distance_km=_float_or_none(body.get("distance_km")),
            skills_added=tuple(str(s) for s in body.get("skills_added") or ()),
            reasons=tuple(str(r) for r in body.get("reasons") or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableRoute(f"step {number}: {error!r}") from error


def read_route(number: int, body: Mapping[str, Any], width: int = WIDTH) -> ShownRoute:
    """A route of the recommender's answer (`RouteSchema`), with its timeline laid out."""
    steps = tuple(read_step(i, step) for i, step in enumerate(body.get("steps") or (), start=1))
    if not steps:
        raise UnreadableRoute(f"route {number} has no steps")
    totals = body.get("totals") or {}
    try:
        return ShownRoute(
            number=number,
            summary=str(body.get("summary") or ""),
            score=float(body.get("score") or 0.0),
            months=float(totals.get("months") or 0.0),
            cost_pence=int(totals.get("cost_pence") or 0),
            loan_pence=int(totals.get("loan_pence") or 0),
            travel_km=_float_or_none(totals.get("travel_km")),
            hours_per_week=_float_or_none(totals.get("hours_per_week")),
            skills_after=int(totals.get("skills_after") or 0),
            skills_total=int(totals.get("skills_total") or 0),
            missing_skills=tuple(str(s) for s in totals.get("missing_skills") or ()),
            switches=tuple(str(s.get("description", "")) for s in body.get("switches") or ()),
            steps=steps,
            timeline=layout(steps, width),
        )
    except (AttributeError, TypeError, ValueError) as error:
        raise UnreadableRoute(f"route {number}: {error!r}") from error


def layout(steps: Sequence[Step], width: int = WIDTH) -> Timeline:
    """Bars for `steps` on one date axis: x from the first start to the last end, one lane
    per step (in route order), a label above each bar (kept inside the drawing: anchored at
    the bar's end when the bar ends in the right half)."""
    first = min(step.start for step in steps)
    last = max(step.end for step in steps)
    days = max((last - first).days, 1)
    plot = width - LEFT - RIGHT

    def x_of(day: date) -> float:
        return round(LEFT + plot * (day - first).days / days, 1)

    bars = []
    for lane, step in enumerate(steps):
        x = x_of(step.start)
        bar_width = max(x_of(max(step.end, step.start)) - x, MIN_BAR_WIDTH)
        x = min(x, width - RIGHT - bar_width)
        y = AXIS_HEIGHT + lane * LANE_HEIGHT + (LANE_HEIGHT - BAR_HEIGHT)
        end_x = x + bar_width
        right_half = end_x > LEFT + plot / 2
        bars.append(
            Bar(
                step=step.number,
                x=x,
                y=y,
                width=round(bar_width, 1),
                label=f"{step.number}. {_shorten(step.title, 60)}",
                label_x=round(end_x if right_half else x, 1),
                label_y=y - 6,
                label_anchor="end" if right_half else "start",
            )
        )
    height = AXIS_HEIGHT + len(steps) * LANE_HEIGHT + 8
    return Timeline(width, height, AXIS_HEIGHT - 4, tuple(bars), ticks(first, last, x_of, width))


def ticks(first: date, last: date, x_of: Any, width: int = WIDTH) -> tuple[Tick, ...]:
    """Axis marks: the first day of each year in the span ("2027"), or of each quarter when
    the span holds fewer than two new years ("Apr 2027"); a mark whose label would run off
    the right edge is left out."""
    years = [date(y, 1, 1) for y in range(first.year + 1, last.year + 1)]
    if len(years) >= 2:
        marks = [(day, str(day.year)) for day in years]
    else:
        marks = []
        month = (first.month - 1) // 3 * 3 + 4  # the next quarter's first month
        year = first.year
        while True:
            if month > 12:
                month, year = month - 12, year + 1
            day = date(year, month, 1)
            if day > last:
                break
            marks.append((day, f"{MONTHS[month - 1]} {year}"))
            month += 3
    shown = [Tick(x_of(first), f"{MONTHS[first.month - 1]} {first.year}")]
    for day, label in marks:
        fits = x_of(day) + LABEL_OFFSET + len(label) * CHARACTER_WIDTH <= width
        if fits and x_of(day) - shown[-1].x >= MIN_TICK_GAP:  # labels never overlap
            shown.append(Tick(x_of(day), label))
    return tuple(shown)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
