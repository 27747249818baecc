"""The route timeline's layout: bars on one date axis, one lane per step, labels inside the
drawing, axis marks that never overlap, and routes read from the recommender's bodies."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest

from services.profile.console.timeline import (
    LEFT,
    MIN_BAR_WIDTH,
    MIN_TICK_GAP,
    RIGHT,
    WIDTH,
    UnreadableRoute,
    layout,
    read_route,
    read_step,
)

STEP = {
    "course_id": 1, "provider_id": 2, "title": "Access to HE Diploma", "qualification_type":
    "Access to HE", "route_kind": "academic", "rqf_level": 3, "delivery_mode": "classroom",
    "distance_km": 4.2, "start": "2027-01-01", "end": "2027-07-01", "hours_per_week": 9,
    "cost_pence": 300000, "pays_pence": 0, "loan_pence": 300000, "funding": "loan",
    "skills_added": ["anatomy"], "reasons": ["close by"],
}  # fmt: skip


def step(number: int, start: date, end: date, title: str = "A course"):
    return replace(read_step(number, STEP), start=start, end=end, title=title)


def test_bars_span_the_axis_from_the_first_start_to_the_last_end():
    steps = [
        step(1, date(2027, 1, 1), date(2027, 7, 1)),
        step(2, date(2027, 9, 1), date(2029, 1, 1)),
    ]
    timeline = layout(steps)
    first, second = timeline.bars

    assert first.x == LEFT
    assert second.x + second.width == pytest.approx(WIDTH - RIGHT, abs=0.2)
    assert first.x + first.width < second.x  # the summer gap shows
    assert second.y > first.y  # one lane per step, in route order
    assert timeline.height > second.y


def test_a_short_course_still_gets_a_visible_bar_inside_the_drawing():
    steps = [
        step(1, date(2027, 1, 1), date(2030, 1, 1)),
        step(2, date(2029, 12, 31), date(2029, 12, 31)),
    ]
    bar = layout(steps).bars[1]

    assert bar.width == MIN_BAR_WIDTH
    assert bar.x + bar.width <= WIDTH - RIGHT


def test_labels_are_anchored_to_stay_inside_the_drawing():
    steps = [
        step(1, date(2027, 1, 1), date(2027, 3, 1)),
        step(2, date(2028, 9, 1), date(2029, 1, 1)),
    ]
    early, late = layout(steps).bars

    assert (early.label_anchor, early.label_x) == ("start", early.x)
    assert late.label_anchor == "end"
    assert late.label_x == pytest.approx(late.x + late.width, abs=0.1)
    assert early.label.startswith("1. ")


def test_long_spans_mark_years_and_short_spans_mark_quarters_never_overlapping():
    long = layout([step(1, date(2027, 1, 11), date(2031, 7, 1))]).ticks
    short = layout([step(1, date(2027, 1, 11), date(2027, 12, 1))]).ticks

    assert [t.label for t in long] == ["Jan 2027", "2028", "2029", "2030", "2031"]
    assert [t.label for t in short] == ["Jan 2027", "Apr 2027", "Jul 2027", "Oct 2027"]
    for ticks in (long, short):
        assert all(b.x - a.x >= MIN_TICK_GAP for a, b in itertools.pairwise(ticks))


def test_a_one_day_route_does_not_divide_by_zero():
    timeline = layout([step(1, date(2027, 1, 1), date(2027, 1, 1))])
    assert timeline.bars[0].width == MIN_BAR_WIDTH


def test_long_titles_are_shortened_in_the_drawing_only():
    title = "A very long course title " * 5
    shown = step(1, date(2027, 1, 1), date(2027, 6, 1), title=title)
    bar = layout([shown]).bars[0]

    assert bar.label.endswith("…")
    assert len(bar.label) <= 64
    assert shown.title == title


def test_a_route_body_reads_with_its_totals_and_steps():
    body = {"summary": "One step", "score": 0.5, "steps": [STEP],
            "totals": {"months": 6, "cost_pence": 0, "loan_pence": 300000, "travel_km": 4.2,
                       "skills_after": 1, "skills_total": 2, "missing_skills": ["x"]}}  # fmt: skip
    route = read_route(1, body)

    assert route.steps[0].start == date(2027, 1, 1)
    assert route.loan_pence == 300000
    assert route.missing_skills == ("x",)
    assert len(route.timeline.bars) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"steps": []},
        {"steps": [{**STEP, "start": "next spring"}]},
        {"steps": [{k: v for k, v in STEP.items() if k != "title"}]},
        {"steps": [STEP], "totals": {"months": "long"}},
    ],
)
def test_an_off_contract_route_is_unreadable_not_a_crash(body):
    with pytest.raises(UnreadableRoute):
        read_route(1, body)


def test_a_mark_whose_label_would_run_off_the_right_edge_is_left_out():
    ticks = layout([step(1, date(2027, 1, 11), date(2028, 1, 5))]).ticks

    assert [t.label for t in ticks] == ["Jan 2027", "Apr 2027", "Jul 2027", "Oct 2027"]
    assert all(t.x + 3 + len(t.label) * 7 <= WIDTH for t in ticks)
