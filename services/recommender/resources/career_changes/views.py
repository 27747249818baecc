"""/learners/<id>/transitions and /occupations/<code>/transitions: career changes, ranked."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from services.recommender import route_planning
from services.recommender.career_changes import CareerChange
from services.recommender.resources.career_changes.schemas import (
    CareerChangesSchema,
    LearnerChangesQuery,
    OccupationChangesQuery,
)
from services.recommender.resources.recommendations.views import process_recommender
from services.recommender.route_answers import route_headline
from services.recommender.route_search import SearchLimits
from services.recommender.routes import route_weights
from services.recommender.serving import UnknownLearner
from shared.events import utcnow
from shared.web import db_read_session
from shared.web.blueprint import Blueprint

blp = Blueprint("career_changes", __name__, description="Career-change suggestions")


@blp.route("/learners/<int:learner_id>/transitions")
class LearnerCareerChanges(MethodView):
    @blp.arguments(LearnerChangesQuery, location="query")
    @blp.response(200, CareerChangesSchema)
    def get(self, query: dict, learner_id: int) -> dict[str, Any]:
        """Occupations a learner could move to, with the skills gap and the best route

        Ranked by essential-skill overlap with their current occupation (ESCO), kept only
        when the job zone differs by at most one and the pay is at least 75% of theirs,
        weighted by demand in their area; automation risk shown.
        """
        settings = current_app.extensions["routeways.settings"]
        session = db_read_session()
        limits = replace(
            SearchLimits(),
            min_share=settings.route_min_skill_share,
            max_steps=settings.route_max_steps,
        )
        try:
            plan = route_planning.plan_career_changes(
                session, process_recommender().snapshot(session), learner_id, query["n"],
                utcnow().date(), settings.start_horizon_days,
                route_weights(settings.route_weights), limits,
            )  # fmt: skip
        except UnknownLearner as error:
            abort(404, errors={"path": {"learner_id": [str(error)]}}, message=str(error))
        except (route_planning.NoOrigin, route_planning.UnknownOccupation) as error:
            abort(422, errors={"learner": {"occupation_code": [str(error)]}}, message=str(error))
        return {"learner_id": learner_id, **_body(plan)}


@blp.route("/occupations/<string:code>/transitions")
class OccupationCareerChanges(MethodView):
    @blp.arguments(OccupationChangesQuery, location="query")
    @blp.response(200, CareerChangesSchema)
    def get(self, query: dict, code: str) -> dict[str, Any]:
        """Occupations people in this one could move to, for advisers (no learner)"""
        try:
            plan = route_planning.occupation_career_changes(
                db_read_session(), code, query["n"], query.get("area")
            )
        except route_planning.UnknownOccupation as error:
            abort(404, errors={"path": {"code": [str(error)]}}, message=str(error))
        return {"learner_id": None, **_body(plan)}


def _body(plan: route_planning.CareerChangePlan) -> dict[str, Any]:
    origin = plan.origin
    return {
        "origin": {
            "code": origin.code,
            "title": origin.title,
            "job_zone": origin.job_zone,
            "annual_earnings_gbp": origin.annual_earnings_gbp,
            "automation_risk": origin.automation_risk,
        },
        "area": plan.area,
        "items": [_item(change, plan) for change in plan.changes],
    }


def _item(change: CareerChange, plan: route_planning.CareerChangePlan) -> dict[str, Any]:
    item = {**asdict(change), "best_route": None, "no_route_reason": None}
    if change.code in plan.routes:
        target, answer = plan.routes[change.code]
        if answer.routes:
            item["best_route"] = route_headline(answer.routes[0], target, plan.area)
        else:
            item["no_route_reason"] = answer.reason
    return item
