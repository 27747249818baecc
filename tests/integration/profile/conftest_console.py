"""The adviser console's fixtures: a profile app whose console asks a stand-in recommender and
catalogue over real HTTP (answers shaped as the real services' schemas), advisers signed in
through the console's own form, and the CSRF token a page carries.

Test modules load them with `pytest_plugins = ["tests.integration.profile.conftest_console"]`
and import its helpers (hence PYTEST_DONT_REWRITE: it is imported before it is a plugin).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, jsonify, request

from tests.integration.conftest import ADMIN_TOKEN, register, seed_profile_taxonomy
from tests.integration.profile.conftest import PASSWORD, assign, store_adviser
from tests.integration.profile.conftest_catalogue import serving
from tests.integration.web.conftest import make_app

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)

STEP_1 = {
    "course_id": 101,
    "provider_id": 7,
    "title": "Access to HE Diploma (Health Professions)",
    "qualification_type": "Access to HE",
    "route_kind": "academic",
    "rqf_level": 3,
    "delivery_mode": "classroom",
    "distance_km": 4.2,
    "start": "2027-01-11",
    "end": "2027-07-09",
    "duration_weeks": 26,
    "hours_per_week": 9.0,
    "cost_pence": 300000,
    "pays_pence": 0,
    "loan_pence": 300000,
    "funding": "Advanced Learner Loan (written off when the degree ends)",
    "skills_added": ["anatomy"],
    "level_after": 3,
    "reasons": ["Meets the entry requirement for the nursing degree", "4.2 km from PR1"],
}
STEP_2 = {
    "course_id": 102, "provider_id": 8, "title": "BSc (Hons) Adult Nursing",
    "qualification_type": "Degree", "route_kind": "academic", "rqf_level": 6,
    "delivery_mode": "blended", "distance_km": 2.0, "start": "2027-09-20", "end": "2030-07-05",
    "duration_weeks": 145, "hours_per_week": 30.0, "cost_pence": 2775000, "pays_pence": 0,
    "loan_pence": 2775000, "funding": "Tuition fee loan", "skills_added": ["patient care"],
    "level_after": 6, "reasons": ["Registered nurse's qualification"],
}  # fmt: skip
ROUTES = {
    "learner_id": 0,
    "target": {"code": "2221.1", "title": "nurse responsible for general care", "entry_level": 6,
               "essential_skills": ["anatomy", "patient care"], "area": "Lancashire",
               "demand": 0.8},
    "routes": [{
        "score": 0.71, "summary": "Access to HE, then a nursing degree",
        "components": {"skills": 1.0, "time": 0.4, "cost": 0.6, "travel": 0.9,
                       "collaborative": 0.1, "demand": 0.8},
        "totals": {"months": 42.0, "hours_per_week": 30.0, "cost_pence": 0,
                   "loan_pence": 3075000, "travel_km": 4.2, "skills_before": 0,
                   "skills_after": 2, "skills_total": 2, "share_before": 0.0,
                   "share_after": 1.0, "missing_skills": []},
        "switches": [], "steps": [STEP_1, STEP_2],
    }],
    "reason": None,
    "weights": {"skills": 0.4},
    "search": {"exact": True, "explored": 12, "candidates": 40},
}  # fmt: skip
CAREER_CHANGES = {
    "learner_id": 0,
    "origin": {"code": "5322.1", "title": "home care aide", "job_zone": 2,
               "annual_earnings_gbp": 21000.0, "automation_risk": 0.2},
    "area": "Lancashire",
    "items": [{"code": "3221.1", "title": "healthcare assistant", "similarity": 0.62,
               "score": 0.5, "job_zone_change": 0, "earnings_ratio": 1.1,
               "automation_risk": 0.2, "demand": 0.7, "cross_checked": True, "checks": [],
               "essential_skills": 10, "missing_skills": ["take blood samples"],
               "best_route": {"months": 6.0, "cost_pence": 0, "loan_pence": 0, "steps": 1,
                              "skills_after": 9, "summary": "A care certificate"},
               "no_route_reason": None}],
}  # fmt: skip


@dataclass
class StandIn:
    """The stand-in recommender, catalogue and notifier: its URL, the queries it was sent, and
    whether it answers (`down`)."""

    url: str = ""
    asked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    down: bool = False


def stand_in_app(state: StandIn) -> Flask:
    app = Flask("stand-in")

    @app.before_request
    def note() -> Any:
        state.asked.append((request.path, dict(request.args)))
        if state.down:
            return jsonify({"title": "Service Unavailable", "status": 503}), 503
        return None

    @app.get("/learners/<int:learner_id>/routes")
    def routes(learner_id: int) -> Any:
        if request.args.get("target") == "0000.0":
            body = {"title": "Not Found", "status": 404, "detail": "no occupation 0000.0",
                    "errors": [{"field": "target", "reason": "no occupation 0000.0"}]}  # fmt: skip
            return jsonify(body), 404
        note = None
        if request.args.get("route_preference") == "academic":  # as the recommender says it
            note = (
                "no route of academic courses alone was found (no course you can take teaches"
                " anatomy); these routes also take courses of the other kind"
            )
        return jsonify({**ROUTES, "learner_id": learner_id, "note": note})

    @app.get("/learners/<int:learner_id>/transitions")
    def transitions(learner_id: int) -> Any:
        return jsonify({**CAREER_CHANGES, "learner_id": learner_id})

    @app.get("/providers/<int:provider_id>")
    def provider(provider_id: int) -> Any:
        names = {7: "Preston College", 8: "University of Central Lancashire"}
        return jsonify({"id": provider_id, "name": names.get(provider_id, "A provider")})

    @app.post("/shortlists")
    def shortlists() -> Any:  # the notifier's side: queued
        return jsonify({"delivery_id": "shortlist-x", "status": "queued"}), 202

    @app.get("/courses/<int:course_id>")
    def course(course_id: int) -> Any:
        return jsonify({"id": course_id, "title": f"Course number {course_id}", "provider_id": 7})

    return app


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    state = StandIn()
    with serving(stand_in_app(state)) as served:
        state.url = served.url
        yield state


@pytest.fixture
def console_app(database_url, redis_url, redis_client, stand_in):
    """The profile app (taxonomy seeded), its console asking the stand-in services."""
    app = make_app(
        "profile", database_url, redis_url, admin_token=ADMIN_TOKEN,
        recommender_url=stand_in.url, catalogue_url=stand_in.url, notifier_url=stand_in.url,
    )  # fmt: skip
    seed_profile_taxonomy(app)
    yield app
    app.extensions["routeways.db"].dispose()


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found[1] or found[2]


def console_sign_in(client, email: str, password: str = PASSWORD, **extra):
    """GET the sign-in page, then POST its form with its CSRF token: the POST's response."""
    page = client.get("/console/sign-in")
    token = csrf_token(page.get_data(as_text=True))
    form = {"email": email, "password": password, "csrf_token": token, **extra}
    return client.post("/console/sign-in", data=form)


@dataclass(frozen=True)
class Caseload:
    adviser_id: int
    email: str
    learners: dict[str, int]


def make_caseload(app) -> Caseload:
    """An adviser with three learners: Aisha (nursing goal), Ben (no goal), Cara (emails off);
    and Dan, in nobody's caseload."""
    client = app.test_client()
    adviser = store_adviser(app, "joanne.whittaker@example.org", name="Joanne Whittaker")
    no_goal = {"occupations": [], "sectors": [], "not_sure": False}
    emails_off = {"suggestion_emails": False, "frequency": "weekly", "share_with_adviser": True}
    made = {
        "aisha": register(client, name="Aisha Khan", email="aisha@example.org"),
        "ben": register(client, name="Ben Ashworth", email="ben@example.org", goals=no_goal,
                        postcode="BB1 1AA"),
        "cara": register(client, name="Cara Duckworth", email="cara@example.org",
                         consent=emails_off),
        "dan": register(client, name="Dan Entwistle", email="dan@example.org"),
    }  # fmt: skip
    for name in ("aisha", "ben", "cara"):
        assign(client, adviser.id, made[name]["id"])
    return Caseload(adviser.id, adviser.email, {n: body["id"] for n, body in made.items()})


@pytest.fixture
def caseload(console_app) -> Caseload:
    return make_caseload(console_app)


@pytest.fixture
def console(console_app, caseload):
    """A test client signed in to the console as the caseload's adviser."""
    client = console_app.test_client()
    response = console_sign_in(client, caseload.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
