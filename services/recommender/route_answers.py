"""A route plan as the API, the events and the example documents show it: plain data with
each step's reasons and each route's summary. No Flask or Celery here."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from services.recommender import occupations
from services.recommender.route_planning import RoutePlan
from services.recommender.route_reasons import StepStory, route_summary, step_stories
from services.recommender.routes import Placed, Route, Target


def routes_body(session: Session, plan: RoutePlan) -> dict[str, Any]:
    """{learner_id, target, routes, reason, search} for `plan`."""
    current = plan.current_occupation
    known = occupations.occupation(session, current) if current else None
    title = known.title if known else None
    target = plan.target
    answer = plan.answer
    return {
        "learner_id": plan.learner_id,
        "target": {
            "code": target.code,
            "title": target.title,
            "entry_level": target.entry_level,
            "essential_skills": [skill.label for skill in target.essential_skills],
            "area": plan.area,
            "demand": round(target.demand, 4),
        },
        "routes": [_route(route, plan, title) for route in answer.routes],
        "reason": answer.reason,
        "note": answer.note,
        "search": {
            "exact": answer.exact,
            "explored": answer.explored,
            "candidates": answer.candidates,
        },
    }


def _route(route: Route, plan: RoutePlan, occupation_title: str | None) -> dict[str, Any]:
    stories = step_stories(route, plan.starting, plan.target, occupation_title)
    totals = route.totals
    return {
        "score": route.score,
        "summary": route_summary(route, plan.target, plan.area),
        "components": {name: round(value, 4) for name, value in asdict(route.components).items()},
        "totals": {
            "months": totals.months,
            "hours_per_week": totals.hours_per_week,
            "cost_pence": totals.cost_pence,
            "loan_pence": totals.loan_pence,
            "travel_km": totals.travel_km,
            "skills_before": totals.skills_before,
            "skills_after": totals.skills_after,
            "skills_total": totals.skills_total,
            "share_before": round(totals.share_before, 4),
            "share_after": round(totals.share_after, 4),
            "missing_skills": list(totals.missing),
        },
        "switches": [asdict(switch) for switch in route.switches],
        "steps": [_step(step, story) for step, story in zip(route.steps, stories, strict=True)],
    }


def route_headline(route: Route, target: Target, area: str | None) -> dict[str, Any]:
    """A route in one line and its main figures, for lists of career changes."""
    return {
        "months": route.totals.months,
        "cost_pence": route.totals.cost_pence,
        "loan_pence": route.totals.loan_pence,
        "steps": len(route.steps),
        "skills_after": route.totals.skills_after,
        "summary": route_summary(route, target, area),
    }


def _step(step: Placed, story: StepStory) -> dict[str, Any]:
    course = step.course
    return {
        "course_id": course.course_id,
        "provider_id": course.provider_id,
        "title": course.title,
        "qualification_type": course.qualification_type,
        "route_kind": course.route_kind,
        "rqf_level": course.rqf_level,
        "delivery_mode": course.delivery_mode,
        "distance_km": course.distance_km,
        "start": step.start,
        "end": step.end,
        "duration_weeks": course.duration_weeks,
        "hours_per_week": course.hours_per_week,
        "cost_pence": course.cost_pence,
        "pays_pence": step.pays_pence,
        "loan_pence": step.loan_pence,
        "funding": step.funding_reason,
        "skills_added": list(story.skills_added),
        "level_after": story.level_after,
        "reasons": list(story.reasons),
    }
