"""Composing a digest from the recommender's and the catalogue's answers, and its stable id."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from services.notifier.digests import (
    CourseLine,
    DigestError,
    RouteStepLine,
    compose,
    course_ids_wanted,
    digest_id,
    period_of,
)
from tests.unit.notifier.digest_bodies import (
    COURSES,
    LEARNER,
    ROUTES,
    SUGGESTIONS,
    TODAY,
    weekly_digest,
)


def test_courses_come_in_the_recommenders_order_with_the_catalogues_facts():
    digest = weekly_digest()

    assert [line.course_id for line in digest.courses] == [4127, 3310, 518]
    assert digest.courses[0] == CourseLine(
        course_id=4127,
        title="Access to HE Diploma (Health Professions)",
        provider="Preston's College",
        place="Preston campus (PR2 8UR)",
        distance_km=3.2,
        next_start=date(2027, 1, 11),  # September 2026 has passed by TODAY
        cost_to_learner_pence=0,
        reason=SUGGESTIONS["items"][0]["reason"],
        url="https://www.preston.ac.uk",
    )
    online = digest.courses[1]
    assert (online.place, online.distance_km, online.next_start, online.url) == (
        "Online", None, None, None,
    )  # fmt: skip
    assert online.cost_to_learner_pence == 45000


def test_the_best_route_has_its_target_totals_and_steps_with_providers():
    route = weekly_digest().route

    assert route.target_title == "nurse responsible for general care"
    assert route.summary == ROUTES["routes"][0]["summary"]
    assert (route.months, route.cost_pence, route.loan_pence) == (43.0, 0, 2775000)
    assert route.steps == (
        RouteStepLine("Access to HE Diploma (Health Professions)", "Preston's College",
                      date(2027, 1, 11), date(2027, 7, 2), 0, 0),
        RouteStepLine("BSc (Hons) Adult Nursing", "University of Central Lancashire",
                      date(2027, 9, 20), date(2030, 6, 30), 0, 2775000),
    )  # fmt: skip


def test_no_route_answer_or_an_empty_one_means_no_route():
    assert weekly_digest(routes=None).route is None
    empty = {**ROUTES, "routes": [], "reason": "no course teaches apply nursing care"}
    assert weekly_digest(routes=empty).route is None


def test_withdrawn_or_missing_courses_are_left_out():
    courses = {**COURSES, 3310: {**COURSES[3310], "status": "withdrawn"}}
    del courses[518]

    digest = weekly_digest(courses=courses)

    assert [line.course_id for line in digest.courses] == [4127]


def test_at_most_five_courses_are_listed():
    items = [{**SUGGESTIONS["items"][0], "course_id": n} for n in range(1, 9)]
    courses = {n: {**COURSES[4127], "id": n} for n in range(1, 9)}

    digest = weekly_digest(suggestions={**SUGGESTIONS, "items": items}, courses=courses)

    assert [line.course_id for line in digest.courses] == [1, 2, 3, 4, 5]


def test_a_digest_with_nothing_to_tell_is_empty():
    digest = weekly_digest(suggestions={**SUGGESTIONS, "items": []}, routes=None)
    assert digest.is_empty
    assert not weekly_digest().is_empty


def test_places_say_where_or_how_a_course_is_taken():
    base = COURSES[4127]
    places = {
        mode: weekly_digest(courses={**COURSES, 4127: {**base, **fields}}).courses[0].place
        for mode, fields in {
            "blended": {"delivery_mode": "blended"},
            "workplace": {"delivery_mode": "workplace", "campus": None},
            "national": {"campus": None, "national": True},
            "unknown": {"campus": None},
        }.items()
    }
    assert places == {
        "blended": "Preston campus (PR2 8UR), partly online",
        "workplace": "At your workplace",
        "national": "Available across England",
        "unknown": "Place to be confirmed by the provider",
    }


def test_the_course_ids_to_look_up_are_the_suggestions_then_the_route_steps_once_each():
    assert course_ids_wanted(SUGGESTIONS, ROUTES) == [4127, 3310, 518]
    assert course_ids_wanted({"items": []}, ROUTES) == [4127, 518]
    assert course_ids_wanted(SUGGESTIONS, None) == [4127, 3310, 518]


def test_the_digest_id_depends_on_learner_kind_and_period_only():
    first = weekly_digest()
    again = compose(LEARNER, "weekly", "2026-W48", {"items": []}, None, {}, today=TODAY)

    assert first.digest_id == again.digest_id == digest_id(LEARNER, "weekly", "2026-W48")
    assert len(first.digest_id) == 32
    assert int(first.digest_id, 16) >= 0
    others = {
        digest_id(LEARNER + 1, "weekly", "2026-W48"),
        digest_id(LEARNER, "monthly", "2026-W48"),
        digest_id(LEARNER, "weekly", "2026-W49"),
        digest_id(LEARNER, "alert", "2f0c6a0e-8d1b-4c59-9d7e-1f3b5a6c7d8e"),
    }
    assert first.digest_id not in others
    assert len(others) == 4


def test_the_digest_id_is_the_same_in_another_process():
    """No salted hash(): a rerun on another worker names the same digest."""
    code = (
        "from services.notifier.digests import digest_id as d; print(d(881, 'weekly', '2026-W48'))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345"}, cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert other.stdout.strip() == digest_id(881, "weekly", "2026-W48")


def test_periods_are_iso_weeks_and_calendar_months():
    assert period_of("weekly", date(2026, 11, 23)) == "2026-W48"
    assert period_of("weekly", date(2027, 1, 1)) == "2026-W53"  # ISO: still 2026's last week
    assert period_of("monthly", date(2026, 11, 23)) == "2026-11"
    with pytest.raises(DigestError):
        period_of("alert", date(2026, 11, 23))


@pytest.mark.parametrize(("kind", "period"), [("daily", "2026-11-23"), ("weekly", "")])
def test_unknown_kinds_and_empty_periods_are_refused(kind, period):
    with pytest.raises(DigestError):
        digest_id(LEARNER, kind, period)
