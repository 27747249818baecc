"""Career-change suggestions: Career Causeways' viability filters, O*NET cross-checks, demand
weighting and the learner's skills gap."""

from __future__ import annotations

from services.recommender.career_changes import career_changes
from services.recommender.occupations import Occupation, OccupationSkill, Transition


def occupation(code: str, zone: int | None = 2, pay: float | None = 24_000, **facts) -> Occupation:
    skills = tuple(OccupationSkill(f"urn:{s}", s) for s in facts.pop("skills", ()))
    return Occupation(
        code=code, title=facts.pop("title", f"Occupation {code}"), isco_group="",
        technical_route=None,
        typical_entry_level=None, job_zone=zone, education_level=None, annual_earnings_gbp=pay,
        automation_risk=facts.pop("risk", None), essential_skills=skills,
    )  # fmt: skip


ORIGIN = occupation("retail", zone=2, pay=22_000)


def moves(*pairs: tuple[str, float], source: str = "esco-skills") -> list[Transition]:
    return [Transition(code, code, similarity, source) for code, similarity in pairs]


def test_moves_more_than_one_job_zone_away_or_paying_under_three_quarters_are_left_out():
    destinations = {
        "near": occupation("near", zone=3, pay=24_000),
        "far-zone": occupation("far-zone", zone=4, pay=40_000),
        "low-pay": occupation("low-pay", zone=2, pay=16_000),
        "unknown": occupation("unknown", zone=None, pay=None),
    }
    found = career_changes(
        ORIGIN, moves(("near", 0.5), ("far-zone", 0.9), ("low-pay", 0.8), ("unknown", 0.4)),
        destinations, lambda code: 0.0,
    )  # fmt: skip
    assert [c.code for c in found] == ["near", "unknown"]
    assert found[0].checks == ("job zone", "earnings")
    assert found[0].job_zone_change == 1
    assert found[1].checks == ()


def test_demand_reorders_close_moves_but_never_lifts_a_distant_one_above_a_close_one():
    destinations = {code: occupation(code) for code in ("a", "b", "c")}
    demand = {"a": 0.0, "b": 1.0, "c": 1.0}.get
    found = career_changes(
        ORIGIN, moves(("a", 0.60), ("b", 0.58), ("c", 0.35)), destinations, demand
    )
    assert [c.code for c in found] == ["b", "a", "c"]
    assert found[0].score > found[1].score > found[2].score


def test_a_move_onet_also_names_is_marked_cross_checked_and_onet_alone_does_not_make_a_move():
    destinations = {code: occupation(code) for code in ("a", "b", "c")}
    transitions = moves(("a", 0.5), ("b", 0.4)) + moves(("a", 1.0), ("c", 1.0), source="onet")
    found = career_changes(ORIGIN, transitions, destinations, lambda code: 0.0)
    assert {c.code: c.cross_checked for c in found} == {"a": True, "b": False}


def test_the_gap_is_the_destinations_essential_skills_the_learner_does_not_hold():
    destinations = {"a": occupation("a", skills=("sql", "statistics", "python"))}
    found = career_changes(
        ORIGIN,
        moves(("a", 0.5)),
        destinations,
        lambda code: 0.0,
        learner_skills={"urn:sql", "python"},
    )
    assert found[0].missing_skills == ("statistics",)
    assert found[0].essential_skills == 3


def test_automation_risk_is_shown_not_filtered_and_n_limits_the_answer():
    destinations = {code: occupation(code, risk=3.9) for code in ("a", "b", "c")}
    found = career_changes(
        ORIGIN, moves(("a", 0.5), ("b", 0.4), ("c", 0.3)), destinations, lambda c: 0.0, n=2
    )
    assert [c.code for c in found] == ["a", "b"]
    assert all(c.automation_risk == 3.9 for c in found)
