"""Every claim in a route's reasons is read back from the route's own data."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from services.recommender.funding import money
from services.recommender.route_reasons import practical, route_summary, step_stories
from services.recommender.route_search import SearchLimits, find_routes
from services.recommender.routes import Progress, RouteCourse, Starting, Target, TargetSkill

JAN = date(2027, 1, 4)
SEPT = date(2027, 9, 6)


def target(demand: float = 0.0) -> Target:
    skills = ("sql", "statistics", "python", "data visualisation")
    return Target(
        "3544", "Data analyst", tuple(TargetSkill(s, frozenset({s})) for s in skills), 4, demand
    )


def catalogue() -> list[RouteCourse]:
    common = dict(starts=(JAN, SEPT), duration_weeks=36, hours_per_week=10.0)
    return [
        RouteCourse(1, 11, "Access to HE Diploma (Computing)", 3, "Access to HE", "academic",
                    frozenset({"statistics"}), distance_km=8.5, funding="fee",
                    cost_pence=300_000, learners_like_you=4, **common),
        RouteCourse(2, 12, "HNC Data Analytics (HTQ)", 4, "HTQ", "technical",
                    frozenset({"sql", "python", "data visualisation"}), distance_km=None,
                    delivery_mode="online", funding="fee", cost_pence=750_000,
                    learners_like_you=0, **common),
    ]  # fmt: skip


def starting(skills=frozenset()) -> Starting:
    return Starting(Progress(2, frozenset(skills), frozenset()), age_band="24+",
                    earliest_start=JAN, hours_per_week=12.0)  # fmt: skip


def routes(demand: float = 0.0, skills=frozenset()):
    limits = SearchLimits(min_share=1.0, per_group=10)
    return find_routes(catalogue(), starting(skills), target(demand), limits=limits)


def test_each_step_says_which_missing_essential_skills_it_adds_and_no_others():
    route = routes().routes[0]
    stories = step_stories(route, starting(), target(), "Sales and retail assistants")
    assert [s.skills_added for s in stories] == [
        ("statistics",),
        ("sql", "python", "data visualisation"),
    ]
    first, second = (s.reasons[0] for s in stories)
    assert (
        first == "covers statistics: 1 of the 4 essential skills you are missing for Data analyst"
    )
    assert second.startswith("covers sql, python and data visualisation: 3 of the 4")


def test_skills_the_learner_already_holds_are_not_claimed_by_a_step():
    route = routes(skills={"python"}).routes[0]
    stories = step_stories(route, starting({"python"}), target(), None)
    claimed = [label for story in stories for label in story.skills_added]
    assert "python" not in claimed
    assert "of the 3 essential skills you are missing" in stories[0].reasons[0]


def test_peer_counts_appear_only_where_peers_took_the_step_and_match_the_count():
    route = routes().routes[0]
    stories = step_stories(route, starting(), target(), "Sales and retail assistants")
    peers = [[r for r in s.reasons if r.startswith("taken by")] for s in stories]
    assert peers[0] == ["taken by 4 learners working, like you, as Sales and retail assistants"]
    assert peers[1] == []
    without_title = step_stories(route, starting(), target(), None)
    assert not any(r.startswith("taken by") for s in without_title for r in s.reasons)


def test_the_practical_line_states_the_steps_distance_start_and_funding():
    route = routes().routes[0]
    first, second = route.steps
    assert practical(first) == (f"8.5 km from you, starts 4 January 2027, {first.funding_reason}")
    assert practical(second).startswith("online, starts ")
    assert first.funding_reason == "fully funded: your first full level 3"
    assert money(second.loan_pence) in second.funding_reason


def test_the_summary_figures_are_the_routes_totals():
    route = routes().routes[0]
    text = route_summary(route, target(), "LANCASHIRE")
    totals = route.totals
    assert f"in {totals.months:g} months" in text
    assert f"{totals.skills_after} of its {totals.skills_total} essential skills" in text
    assert f"(you hold {totals.skills_before} now)" in text
    assert f"{money(totals.loan_pence)} by loan" in text
    assert "nothing up front" in text
    assert totals.cost_pence == 0
    assert f"at most {totals.hours_per_week:g} hours a week" in text
    assert f"farthest campus {totals.travel_km:g} km away" in text
    assert "switches from academic study" in text
    numbers = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)}
    assert numbers <= {
        totals.months, totals.skills_after, totals.skills_total, totals.skills_before,
        totals.loan_pence / 100, totals.hours_per_week, totals.travel_km, len(route.steps),
    }  # fmt: skip


def test_demand_is_claimed_only_when_the_demand_component_is_strong():
    weak = routes(demand=0.2).routes[0]
    strong = routes(demand=0.9).routes[0]
    assert "demand" not in route_summary(weak, target(0.2), "LANCASHIRE")
    assert "in strong demand in Lancashire" in route_summary(strong, target(0.9), "LANCASHIRE")
    assert "demand" not in route_summary(replace(strong), target(0.9), None)
