"""The learner page: profile, goals and constraints, interaction history, the recommended
routes (each drawn as a timeline, with every step's course, provider, dates, cost after
funding, distance and reasons), and career-change suggestions when the learner has no target.

The profile comes from this service's database; routes and career changes from the
recommender, names from the catalogue (`service_answers`). The database transaction ends
before any HTTP call, so a slow service never holds a database lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, render_template

from services.profile import action_plans, advisers, interactions, learners, taxonomy_cache
from services.profile.console.forms import ActionForm
from services.profile.console.pages import adviser_page, console_blueprint, signed_in, take_notice
from services.profile.console.service_answers import Answer, ConsoleSources
from services.profile.console.timeline import ShownRoute, UnreadableRoute, read_route
from services.profile.models import Learner
from shared.web import db_session

blp = console_blueprint("learner", __name__)

#: The interactions the page lists (newest first).
HISTORY = 15
SOURCES = "routeways.console.sources"


@dataclass
class RouteSection:
    """What the routes part of a page shows: routes, or why there are none, or that the
    recommender is down; career changes when the learner has no target occupation."""

    target: dict[str, Any] | None = None
    routes: list[ShownRoute] = field(default_factory=list)
    reason: str | None = None
    note: str | None = None
    down: str | None = None
    refusal: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)
    career_changes: list[dict[str, Any]] = field(default_factory=list)
    career_origin: dict[str, Any] | None = None
    career_note: str | None = None
    providers: dict[int, str] = field(default_factory=dict)


def sources() -> ConsoleSources:
    return current_app.extensions[SOURCES]


def visible_learner(learner_id: int) -> Learner:
    """The learner, if the signed-in adviser may see them; else the same 404 as a learner
    that does not exist."""
    session = db_session()
    if not advisers.may_see(session, signed_in().id, learner_id):
        abort(404, description=f"No learner {learner_id} in your caseload.")
    return learners.get_learner(session, learner_id)


def route_section(
    learner: Learner, target: str | None = None, overrides: dict[str, Any] | None = None
) -> RouteSection:
    """Ask the recommender for routes (to `target`, else the first goal occupation); with no
    target at all, ask for career changes instead."""
    section = RouteSection()
    asking = sources()
    if target or learner.goal_occupations:
        answer = asking.routes(learner.id, target, overrides)
        _read_routes(section, answer)
    if not section.routes and not section.down and not target:
        _read_career_changes(section, asking.career_changes(learner.id))
    provider_ids = [s.provider_id for r in section.routes for s in r.steps if s.provider_id]
    if provider_ids:
        section.providers = asking.provider_names(provider_ids)
    return section


def _read_routes(section: RouteSection, answer: Answer) -> None:
    if answer.down:
        section.down = f"Routes cannot be shown just now: {answer.down}. Try again shortly."
        return
    if answer.body is None:
        section.refusal = answer.refusal
        section.field_errors = answer.field_errors
        return
    section.target = answer.body.get("target")
    section.reason = answer.body.get("reason")
    section.note = answer.body.get("note")
    try:
        section.routes = [
            read_route(number, route)
            for number, route in enumerate(answer.body.get("routes") or [], start=1)
        ]
    except UnreadableRoute:
        section.down = "Routes cannot be shown just now: the recommender's answer was unreadable."


def _read_career_changes(section: RouteSection, answer: Answer) -> None:
    if answer.down:
        section.career_note = f"Career changes cannot be shown just now: {answer.down}."
        return
    if answer.body is None:
        section.career_note = answer.refusal
        return
    section.career_origin = answer.body.get("origin")
    section.career_changes = [item for item in answer.body.get("items") or [] if item]


@blp.route("/learners/<int:learner_id>")
@adviser_page
def learner_page(learner_id: int) -> tuple[str, int]:
    """One learner of the caseload."""
    return render_learner(learner_id)


def render_learner(
    learner_id: int,
    action_form: ActionForm | None = None,
    action_errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The learner page (also re-shown with the action form's errors, at `status`)."""
    learner = visible_learner(learner_id)
    session = db_session()
    profile = learners.document(learner)
    history = interactions.history(session, learner_id, limit=HISTORY)
    codes = {learner.occupation_code, *(learner.goal_occupations or [])} - {None}
    titles = taxonomy_cache.labels(session, taxonomy_cache.OCCUPATION, codes)
    skills = taxonomy_cache.labels(
        session, taxonomy_cache.SKILL, [s["skill"] for s in learner.skills or []]
    )
    plan = action_plans.plan_of(session, learner_id)
    previous = action_plans.last_visit(session, signed_in().id, learner_id)
    last_seen = previous.visited_at if previous else None
    session.commit()  # no database transaction stays open across the HTTP calls below
    section = route_section(learner)
    course_titles = sources().course_titles([i.course_id for i in history])
    routes_changed = action_plans.record_visit(
        session, signed_in().id, learner_id, routes_seen(section)
    )
    session.commit()
    return render_template(
        "console/learner.html",
        learner=learner,
        profile=profile,
        history=history,
        titles=titles,
        skills=skills,
        section=section,
        course_titles=course_titles,
        notice=take_notice(),
        plan=plan,
        action_form=action_form or ActionForm(),
        action_errors=action_errors or {},
        last_seen=last_seen,
        routes_changed=routes_changed,
    ), status


def routes_seen(section: RouteSection) -> list[list[int]] | None:
    """The course ids of each route shown; None when the recommender did not answer."""
    if section.down or section.refusal:
        return None
    return [[step.course_id for step in route.steps] for route in section.routes]
